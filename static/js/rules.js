// The checklist rule language in the browser: show_if and finding suggestions, for a tablet without the server.
// The same language as fieldaudit/checklists/rules.py, over the rulebook fieldaudit/offline/rulebook.py writes;
// both replay tests/offline/rules-vectors.json. Answers are in their stored form (strings, numbers, lists).
(function () {
  "use strict";

  function chosen(value) { return Array.isArray(value) ? value : [value]; }

  function listed(values, v) {
    for (var i = 0; i < values.length; i++) { if (values[i] === v) { return true; } }
    return false;
  }

  // Ids of the questions shown for these answers (a Set); a question whose controller is hidden is hidden too.
  function visible(book, answers, excluded) {
    var shown = new Set();
    var out = new Set(excluded || []);
    book.questions.forEach(function (q) {
      if (out.has(q.section)) { return; }
      var rule = q.show_if;
      if (!rule) { shown.add(q.id); return; }
      if (!shown.has(rule.question)) { return; }
      var hit = chosen(answers[rule.question]).some(function (v) { return v !== null && v !== undefined && listed(rule.values, v); });
      if (hit) { shown.add(q.id); }
    });
    return shown;
  }

  function outOfLimits(q, value) {
    var limits = q.limits;
    if (!limits || typeof value !== "number" || (limits.whole && !Number.isInteger(value))) { return false; }
    return (limits.min !== null && value < limits.min) || (limits.max !== null && value > limits.max);
  }

  // The severity one answer proposes (the most severe rule that matches), or null.
  function proposedFor(book, q, value) {
    if (value === null || value === undefined) { return null; }
    var best = null;
    q.finding.forEach(function (rule) {
      var match = rule.out_of_limits ? outOfLimits(q, value)
        : chosen(value).some(function (v) { return listed(rule.when, v); });
      if (match && (best === null || book.severities.indexOf(rule.severity) < book.severities.indexOf(best))) {
        best = rule.severity;
      }
    });
    return best;
  }

  // [[question id, severity], …] for the visible answered questions, in checklist order.
  function proposed(book, answers, excluded) {
    var shown = visible(book, answers, excluded);
    var found = [];
    book.questions.forEach(function (q) {
      if (!shown.has(q.id)) { return; }
      var severity = proposedFor(book, q, answers[q.id]);
      if (severity) { found.push([q.id, severity]); }
    });
    return found;
  }

  window.FARules = { visible: visible, proposed: proposed, proposedFor: proposedFor };
})();
