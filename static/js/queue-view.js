// What the auditor sees of the tablet's queue (queue.js): the status strip on every page, the queue laid over the
// section page when it loads (answers as given, photos as local thumbnails, progress), the changes set aside with
// what to do, sign-out refused while anything waits (and clearing the tablet when nothing does), and "Submit"
// explaining that the e-signature needs the server.
(function () {
  "use strict";

  var Q = window.FAQueue;
  if (!Q) { return; }
  var READY = "fieldaudit-ready:";  // localStorage: audits whose submission waits for the server

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function age(iso) {
    var minutes = Math.round((Date.now() - Date.parse(iso)) / 60000);
    if (minutes < 1) { return "just now"; }
    if (minutes < 60) { return minutes + " min ago"; }
    var hours = Math.round(minutes / 60);
    return hours < 48 ? hours + " h ago" : Math.round(hours / 24) + " days ago";
  }

  function photosIn(record) {
    return record.fields.filter(function (f) { return f[1] instanceof Blob; }).length;
  }

  // "3 answers and 1 photo": what is waiting, in the auditor's words.
  function summary(records) {
    var answers = 0, photos = 0, findings = 0, other = 0;
    records.forEach(function (r) {
      if (r.kind === "answer") { answers++; } else if (r.kind === "photo") { photos += Math.max(1, photosIn(r)); }
      else if (r.kind === "finding") { findings++; } else { other++; }
    });
    var parts = [];
    if (answers) { parts.push(plural(answers, "answer", "answers")); }
    if (findings) { parts.push(plural(findings, "finding", "findings")); }
    if (photos) { parts.push(plural(photos, "photo", "photos")); }
    if (other) { parts.push(plural(other, "change", "changes")); }
    return parts.length > 1 ? parts.slice(0, -1).join(", ") + " and " + parts[parts.length - 1] : parts[0] || "";
  }

  function strip() { return document.getElementById("queue-status"); }

  function render(state) {
    var el = strip();
    if (!el) { return; }
    // From here the strip speaks for the tablet's store (the server's "All saved" is written before it is read).
    el.setAttribute("data-read", "");
    var waiting = state.records.filter(function (r) { return r.state === "waiting"; });
    var aside = state.records.filter(function (r) { return r.state === "aside"; });
    var text = el.querySelector(".queue-text");
    el.classList.toggle("queue-waiting", waiting.length > 0);
    el.classList.toggle("queue-aside", aside.length > 0);
    if (waiting.length) {
      text.textContent = summary(waiting) + " on this tablet, " + (state.paused
        ? "waiting for you to sign in again (as the same person) to send them"
        : state.replaying ? "sending to the site server\u2026" : "waiting for the site server") +
        " \u00b7 oldest " + age(waiting[0].madeAt);
    } else {
      text.textContent = aside.length ? "Everything else is saved." : "All saved";
    }
    var ready = Object.keys(localStorage).filter(function (k) { return k.indexOf(READY) === 0; });
    var readyEl = el.querySelector(".queue-ready");
    readyEl.hidden = ready.length === 0;
    readyEl.textContent = ready.length ? plural(ready.length, "audit", "audits") +
      " ready to submit once the site server answers." : "";
    var list = el.querySelector(".queue-aside-list");
    list.replaceChildren();
    list.hidden = aside.length === 0;
    aside.forEach(function (r) {
      var item = document.createElement("li");
      var what = document.createElement("strong");
      what.textContent = "Not saved: " + (r.label || r.kind) + ". ";
      var why = document.createElement("span");
      why.textContent = r.reason + " " + r.todo + " ";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-quiet queue-remove";
      remove.dataset.key = r.key;
      remove.textContent = "Discard this change";
      item.append(what, why, remove);
      list.append(item);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".queue-remove") : null;
    if (button) { Q.remove(button.dataset.key); }
  });

  // -- the section page: a queued change shown as given ----------------------------------------------------------
  function question(record) {
    return record.questionId ? document.getElementById("q-" + record.questionId) : null;
  }

  function showOnTablet(el, record) {
    if (!el) { return; }
    el.classList.remove("save-failed");
    el.classList.add("on-tablet");
    var state = el.querySelector(".save-state");
    if (state) { state.textContent = "On this tablet"; state.classList.remove("retryable"); }
    var retry = el.querySelector("button.retry");
    if (retry) { retry.remove(); }
    if (record.kind === "answer" && !el.classList.contains("answered")) {
      el.classList.add("answered", "answered-offline");
    }
    if (record.kind === "photo") {
      var thumbs = el.querySelector(".tablet-thumbs") || el.insertBefore(document.createElement("div"),
        el.querySelector(".photo-need"));
      thumbs.className = "tablet-thumbs";
      record.fields.forEach(function (f) {
        if (!(f[1] instanceof Blob) || thumbs.querySelector('[data-key="' + record.key + '"]')) { return; }
        var img = document.createElement("img");
        img.src = URL.createObjectURL(f[1]);
        img.alt = "Photo on this tablet";
        img.className = "thumb tablet-thumb";
        img.dataset.key = record.key;
        thumbs.append(img);
      });
    }
  }

  function applyValues(el, record) {
    var wanted = {};
    record.fields.forEach(function (f) {
      if (f[0] === "v-" + record.questionId || f[0] === "n-" + record.questionId || f[0] === "value" || f[0] === "note") {
        var name = f[0] === "value" ? "v-" + record.questionId : f[0] === "note" ? "n-" + record.questionId : f[0];
        (wanted[name] = wanted[name] || []).push(String(f[1]));
      }
    });
    el.querySelectorAll("input, textarea, select").forEach(function (input) {
      if (!(input.name in wanted)) { return; }
      if (input.type === "radio" || input.type === "checkbox") { input.checked = wanted[input.name].indexOf(input.value) >= 0; }
      else { input.value = wanted[input.name][0]; }
    });
  }

  function progress() {
    var counter = document.querySelector("#audit-progress .progress-text strong");
    if (!counter) { return; }
    var parts = counter.textContent.split("/");
    var extra = document.querySelectorAll(".question.answered-offline").length;
    if (!counter.dataset.server) { counter.dataset.server = parts[0]; }
    counter.textContent = (Number(counter.dataset.server) + extra) + "/" + parts[1];
    var text = counter.parentNode;
    var note = text.querySelector(".score-pending");
    if (extra && !note) {
      note = document.createElement("span");
      note.className = "score-pending muted";
      note.textContent = " (score recomputed when back online)";
      text.append(note);
    }
  }

  function overlay(state) {
    var audit = (/^\/audits\/([0-9A-Za-z]+)\//.exec(location.pathname) || [])[1];
    if (!audit) { return; }
    state.records.forEach(function (r) {
      if (r.auditId !== audit || r.state !== "waiting") { return; }
      var el = question(r);
      if (!el) { return; }
      if (r.kind === "answer") { applyValues(el, r); }
      showOnTablet(el, r);
    });
    progress();
  }

  document.addEventListener("fieldaudit:queue", function (event) { render(event.detail); });
  document.addEventListener("fieldaudit:loaded", function () { overlay(Q.state); });
  document.addEventListener("fieldaudit:queued", function (event) {
    var d = event.detail;
    var el = d.elt && d.elt.closest ? d.elt.closest(".question") : null;
    if (d.error) {
      var quota = d.error && d.error.name === "QuotaExceededError";
      var state = el ? el.querySelector(".save-state") : null;
      if (el) { el.classList.add("save-failed"); }
      if (state) {
        state.textContent = quota ? "Not kept: this tablet's storage is full. Everything already on the tablet " +
          "is safe; free space (or send what is waiting) and try again." : "Not kept on this tablet: " + d.error;
      }
      return;
    }
    showOnTablet(el || question(d.record), d.record);
    progress();
  });
  document.addEventListener("fieldaudit:replayed", function (event) {
    var d = event.detail;
    var el = question(d.record);
    if (!el || d.outcome !== "done") { return; }
    el.classList.remove("on-tablet");
    var state = el.querySelector(".save-state");
    if (state) { state.textContent = "Saved"; }
  });

  // -- sign-out on a shared tablet ---------------------------------------------------------------------------
  function clearTablet() {
    var caches = window.caches ? window.caches.keys().then(function (names) {
      // The pages of this tablet's people, and the worker's note of who is signed in.
      return Promise.all(names.filter(function (n) {
        return n.indexOf("fieldaudit-pages-") === 0 || n === "fieldaudit-user";
      })
        .map(function (n) { return window.caches.delete(n); }));
    }) : Promise.resolve();
    return caches.then(function () {
      // Another person's changes still waiting stay (they are theirs, keyed by their id); otherwise all goes.
      return window.FAQueueStore.count().then(function (n) {
        return n === 0 ? window.FAQueueStore.destroy() : window.FAQueueStore.clearRules();
      });
    }).then(function () { localStorage.clear(); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches('form[action$="/logout"]') || form.dataset.cleared === "yes") { return; }
    event.preventDefault();
    Q.refresh().then(function (records) {
      if (records.length) {
        var el = strip();
        el.classList.add("queue-refused");
        el.querySelector(".queue-text").textContent = "Not signed out: " + summary(records) + " still on this " +
          "tablet, not yet on the site server" + (records.some(function (r) { return r.state === "aside"; })
            ? " (some need your decision, listed below)" : "") +
          ". Signing out would delete them. Wait for \u201cAll saved\u201d, then sign out.";
        return;
      }
      return clearTablet().then(function () { form.dataset.cleared = "yes"; form.submit(); });
    });
  }, true);

  // -- submission needs the server ------------------------------------------------------------------------------
  // Decided at once, from what the tablet knows (the browser is offline, the last save or replay found no server,
  // or changes of this audit are still waiting), so an online submit goes as a plain form, untouched.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "submit-form") { return; }
    var audit = (/^\/audits\/([0-9A-Za-z]+)\//.exec(location.pathname) || [])[1];
    var waiting = Q.state.records.filter(function (r) { return r.auditId === audit && r.state === "waiting"; });
    if (navigator.onLine !== false && !Q.state.offline && !waiting.length) {
      localStorage.removeItem(READY + audit);
      return;
    }
    event.preventDefault();
    var note = document.getElementById("submit-offline") || form.insertBefore(document.createElement("p"),
      form.firstChild);
    note.id = "submit-offline";
    note.className = "flash flash-warning";
    note.setAttribute("role", "alert");
    localStorage.setItem(READY + audit, location.pathname);
    note.textContent = waiting.length
      ? "Ready to submit: " + summary(waiting) + " of this audit are still on this tablet. They go to the site " +
        "server first; submit once the status says \u201cAll saved\u201d."
      : "Ready to submit. Submitting needs the site server: your signature (your password) is checked there and " +
        "never kept on this tablet. Submit again when the server answers.";
    var password = form.querySelector('input[type="password"]');
    if (password) { password.value = ""; }
    render(Q.state);
    if (waiting.length) { Q.replay(); }
  }, true);
})();
