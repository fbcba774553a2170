// Offline, a section page follows the answers kept on the tablet: show_if shows and hides questions and the
// checklist's finding suggestions appear, evaluated by static/js/rules.js over the audit's rulebook (fetched from
// the server while it answers and kept in IndexedDB for when it does not). Online pages are the server's.
(function () {
  "use strict";

  var Q = window.FAQueue, R = window.FARules, S = window.FAQueueStore;
  var audit = (/^\/audits\/([0-9A-Za-z]+)\/sections\//.exec(location.pathname) || [])[1];
  if (!Q || !R || !S || !audit) { return; }
  var entry = null;

  function load() {
    return fetch("/offline/audits/" + audit + "/rules", { credentials: "same-origin", cache: "no-store",
                                                          headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok || r.headers.get("X-FieldAudit-Offline") === "1") { throw new Error("no rules from the server"); }
        return r.json();
      })
      .then(function (data) {
        data.auditId = audit;
        data.userId = Q.userId();
        return S.putRules(data).catch(function () {}).then(function () { return data; });
      })
      .catch(function () {
        return S.getRules(audit).then(function (kept) { return kept && kept.userId === Q.userId() ? kept : null; });
      })
      .then(function (data) { entry = data; });
  }

  // The stored form of a queued answer, as the server would normalise it for these rules (null: cleared).
  function valueOf(q, record) {
    var values = record.fields.filter(function (f) { return f[0] === "v-" + q.id || f[0] === "value"; })
      .map(function (f) { return String(f[1]); });
    if (q.list) { return values.length ? values : null; }
    var text = (values[0] || "").trim();
    if (!text) { return null; }
    if (q.type === "rating" || q.type === "defects") { return /^\d+$/.test(text) ? Number(text) : text; }
    if (q.type === "numeric") {
      var n = Number(text.replace(",", "."));
      return isNaN(n) ? text : n;
    }
    return text;
  }

  function reveal(el, q) {
    var template = el.querySelector("template");
    var fresh = template ? template.content.querySelector("#q-" + q.id) : null;
    if (!fresh) { return; }
    fresh = fresh.cloneNode(true);
    el.replaceWith(fresh);
    if (window.htmx) { window.htmx.process(fresh); }
  }

  function suggest(el, severity) {
    var head = el.querySelector(".q-head");
    if (!head || head.querySelector(".finding-marker")) { return; }
    var badge = head.querySelector(".suggestion");
    if (!severity) { if (badge) { badge.remove(); } return; }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge badge-warn suggestion";
      head.append(badge);
    }
    badge.classList.add("offline-suggestion");
    badge.textContent = "Suggests: " + (entry.severity_labels[severity] || severity).toLowerCase();
  }

  function apply() {
    if (!entry) { return; }
    var book = entry.rulebook;
    var byId = {};
    book.questions.forEach(function (q) { byId[q.id] = q; });
    var answers = Object.assign({}, entry.answers);
    var touched = {};
    Q.state.records.forEach(function (r) {
      if (r.auditId !== audit || r.state !== "waiting" || r.kind !== "answer" || !byId[r.questionId]) { return; }
      var value = valueOf(byId[r.questionId], r);
      if (value === null) { delete answers[r.questionId]; } else { answers[r.questionId] = value; }
      touched[r.questionId] = true;
    });
    if (!Object.keys(touched).length) { return; }  // nothing kept on the tablet: the server's page is right
    var shown = R.visible(book, answers, entry.excluded);
    book.questions.forEach(function (q) {
      var el = document.getElementById("q-" + q.id);
      if (!el) { return; }
      if (shown.has(q.id)) {
        if (el.classList.contains("question-hidden")) { reveal(el, q); }
        else if (el.dataset.offlineHidden) { el.hidden = false; delete el.dataset.offlineHidden; }
      } else if (!el.classList.contains("question-hidden") && !el.hidden) {
        el.hidden = true;
        el.dataset.offlineHidden = "1";
      }
      var current = document.getElementById("q-" + q.id);
      if (touched[q.id] && current && !current.hidden) { suggest(current, R.proposedFor(book, q, answers[q.id])); }
    });
  }

  var ready = load();
  document.addEventListener("fieldaudit:loaded", function () { ready.then(apply); });
  document.addEventListener("fieldaudit:queued", function () { ready.then(apply); });
  document.addEventListener("fieldaudit:queue", function () { ready.then(apply); });
})();
