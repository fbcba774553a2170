// Changes made while the site server is out of reach: kept on the tablet (queue-store.js), replayed in order.
// Every change request of the audit screens carries an Idempotency-Key (a ULID) and X-Made-At, online or not, so a
// change whose response was lost is sent again with the same key and the server applies it once. A request that
// fails for network reasons (htmx:sendError, a timeout, or a 503 marked X-FieldAudit-Offline by the service
// worker) goes into the queue; so does every new change of an audit that still has changes waiting (order).
// Exposes window.FAQueue for queue-view.js (the status strip, overlay, sign-out and submit guards).
(function () {
  "use strict";

  var Store = window.FAQueueStore;
  if (!Store || !window.indexedDB) { return; }
  var KEYED = /^\/(audits\/([0-9A-Za-z]+)\/(answers\/|evidence$|sections\/|findings\/)|evidence\/[0-9A-Za-z]+\/caption$)/;
  var LOCK = "fieldaudit-replay";
  var channel = window.BroadcastChannel ? new BroadcastChannel("fieldaudit-queue") : null;
  var state = { records: [], paused: false, offline: false, replaying: false, inFlight: 0, writing: 0 };
  var backoff = 0;
  var timer = null;

  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute("content") : "";
  }

  function userId() { return meta("fieldaudit-user"); }

  function pathOf(url) {
    try { return new URL(url, location.href).pathname; } catch (e) { return ""; }
  }

  function auditOf(path) {
    var m = /^\/audits\/([0-9A-Za-z]+)\//.exec(path);
    return m ? m[1] : null;
  }

  function kindOf(path) {
    if (/\/answers\//.test(path)) { return "answer"; }
    if (/\/evidence$/.test(path)) { return "photo"; }
    if (/\/findings\//.test(path)) { return "finding"; }
    return "change";
  }

  function changed() {
    document.dispatchEvent(new CustomEvent("fieldaudit:queue", { detail: state }));
  }

  function refresh() {
    var user = userId();
    if (!user) { state.records = []; changed(); return Promise.resolve([]); }
    return Store.list(user).then(function (records) {
      state.records = records;
      changed();
      return records;
    });
  }

  function waitingFor(auditId) {
    return state.records.filter(function (r) { return r.auditId === auditId && r.state === "waiting"; }).length;
  }

  // A record from what htmx (or a form) was about to send; the CSRF token is not kept (a fresh one is sent).
  function recordOf(path, method, formData, headers, label) {
    var fields = [];
    formData.forEach(function (value, name) {
      if (name !== "csrf_token") { fields.push([name, value]); }
    });
    var qid = (/\/answers\/([^/]+)$/.exec(path) || [])[1] || (formData.get && formData.get("question_id")) || null;
    return { key: headers["Idempotency-Key"] || Store.ulid(), madeAt: headers["X-Made-At"] || new Date().toISOString(),
             userId: userId(), auditId: auditOf(path), url: path, method: method.toUpperCase(), kind: kindOf(path),
             questionId: qid, label: label || "", fields: fields, state: "waiting", tries: 0 };
  }

  function enqueue(record) {
    state.writing++;
    return Store.put(record).then(function () {
      state.writing--;
      state.offline = true;
      if (channel) { channel.postMessage("changed"); }
      requestBackgroundSync();
      return refresh().then(function () { schedule(); return record; });
    }, function (error) {
      state.writing--;
      throw error;
    });
  }

  function labelOf(elt) {
    var text = elt && elt.querySelector ? elt.querySelector(".q-text") : null;
    return text ? text.textContent.replace(/\s*\*$/, "").trim() : "";
  }

  function markQueued(elt, record, error) {
    document.dispatchEvent(new CustomEvent("fieldaudit:queued", { detail: { elt: elt, record: record, error: error } }));
  }

  function captureFailed(detail) {
    var config = detail.requestConfig;
    if (!config || !config.headers || !config.headers["Idempotency-Key"]) { return false; }
    detail.fieldauditQueued = true;
    var record = recordOf(pathOf(config.path), config.verb, config.formData, config.headers, labelOf(detail.elt));
    enqueue(record).then(function () { markQueued(detail.elt, record); },
                         function (error) { markQueued(detail.elt, record, error); });
    return true;
  }

  // -- capture -------------------------------------------------------------------------------------------------
  document.addEventListener("htmx:configRequest", function (event) {
    var d = event.detail;
    var path = pathOf(d.path);
    if (d.verb === "get" || !KEYED.test(path)) { return; }
    d.headers["Idempotency-Key"] = Store.ulid();
    d.headers["X-Made-At"] = new Date().toISOString();
    var auditId = auditOf(path);
    if (auditId && waitingFor(auditId) > 0) {
      // Older changes of this audit are still on the tablet: this one goes behind them, never past them.
      event.preventDefault();
      var record = recordOf(path, d.verb, d.formData, d.headers, labelOf(d.elt));
      enqueue(record).then(function () { markQueued(d.elt, record); replay(); },
                           function (error) { markQueued(d.elt, record, error); });
      return;
    }
    state.inFlight++;
  });

  function settled() { state.inFlight = Math.max(0, state.inFlight - 1); }

  // htmx fires afterRequest (which settles the count) and then sendError or timeout in the same task, so the
  // change is in `writing` before anything else can run.
  document.addEventListener("htmx:sendError", function (event) { captureFailed(event.detail); });
  document.addEventListener("htmx:timeout", function (event) { captureFailed(event.detail); });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 503 && xhr.getResponseHeader("X-FieldAudit-Offline") === "1") {
      captureFailed(event.detail);
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var config = event.detail.requestConfig;
    if (!config || !config.headers["Idempotency-Key"]) { return; }
    settled();
    if (event.detail.successful && !event.detail.fieldauditQueued) {
      state.offline = false;
      if (state.records.length) { replay(); }
    }
  });

  // -- replay --------------------------------------------------------------------------------------------------
  var TODO = {
    403: "You may no longer change this audit. Ask your quality manager, then remove it from this tablet.",
    404: "The question or finding is no longer in this audit. Nothing to redo: remove it from this tablet.",
    409: "The audit was submitted or changed elsewhere. Check the audit, enter the change again if it still " +
         "applies, then remove it from this tablet.",
    413: "The photo is too large for the server. Take it again at a lower resolution, then remove this one.",
    422: "The server did not accept this value. Open the question, correct it, then remove this entry."
  };
  var DEFAULT_TODO = "Check the audit and enter the change again if it is needed, then remove it from this tablet.";

  function reasonOf(text) {
    try {
      var doc = new DOMParser().parseFromString(text || "", "text/html");
      var p = doc.querySelector(".q-error, .error-card p, .form-error, [role=alert]");
      return p ? p.textContent.trim() : "";
    } catch (e) { return ""; }
  }

  function send(record, token) {
    var body = new FormData();
    record.fields.forEach(function (f) { body.append(f[0], f[1]); });
    return fetch(record.url, {
      method: record.method, body: body, credentials: "same-origin", redirect: "manual", cache: "no-store",
      headers: { "Idempotency-Key": record.key, "X-Made-At": record.madeAt, "X-CSRFToken": token, "HX-Request": "true" }
    });
  }

  function freshToken(record) {
    return fetch("/offline/csrf", { credentials: "same-origin", cache: "no-store", redirect: "manual",
                                     headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401 || r.type === "opaqueredirect") { return { signedOut: true }; }
        return r.json();
      });
  }

  // One change: "done", "offline" (stop, try later), "paused" (signed out) or "aside" (refused for good).
  function replayOne(record, token, refreshed) {
    return send(record, token).then(function (response) {
      var status = response.status;
      if (response.type === "opaqueredirect" || (status >= 200 && status < 400)) {
        // The next change is sent while this one leaves the store: the server has applied it, and should the page
        // close first, its repeat under the same key gets the stored response (exactly once either way).
        return { outcome: "done", token: token, removed: Store.remove(record.key) };
      }
      if (status === 401) { return { outcome: "paused", token: token }; }
      if (status >= 500) {
        var offline = status === 503 || status === 502 || status === 504;
        if (offline || record.tries >= 4) {
          if (offline) { return { outcome: "offline", token: token }; }
        } else {
          record.tries++;
          return Store.put(record).then(function () { return { outcome: "offline", token: token }; });
        }
      }
      if ((status === 400 || status === 403) && !refreshed) {
        // The session's token changed (a new sign-in of the same person): fetch it and send once more.
        return freshToken(record).then(function (fresh) {
          if (fresh.signedOut) { return { outcome: "paused", token: token }; }
          if (fresh.user_id !== record.userId) { return { outcome: "paused", token: token }; }
          var meta = document.querySelector('meta[name="csrf-token"]');
          if (meta) { meta.setAttribute("content", fresh.token); }
          return replayOne(record, fresh.token, true);
        });
      }
      return response.text().then(function (text) {
        record.state = "aside";
        record.status = status;
        record.reason = reasonOf(text) || ("The server refused this change (" + status + ").");
        record.todo = TODO[status] || DEFAULT_TODO;
        return Store.put(record).then(function () { return { outcome: "aside", token: token }; });
      });
    }, function () { return { outcome: "offline", token: token }; });
  }

  function drain() {
    var user = userId();
    if (!user) { return Promise.resolve(); }
    state.replaying = true;
    changed();
    return Store.list(user).then(function (records) {
      var waiting = records.filter(function (r) { return r.state === "waiting"; });
      var token = meta("csrf-token");
      var i = 0;
      var removals = [];
      var shown = 0;
      function next() {
        if (i >= waiting.length) { return "empty"; }
        var record = waiting[i++];
        return replayOne(record, token, false).then(function (result) {
          token = result.token;
          if (result.outcome === "offline" || result.outcome === "paused") { return result.outcome; }
          if (result.removed) { removals.push(result.removed); }
          // Each change leaves the strip at once, but the strip, the overlay and the other tabs are told at most
          // every 250 ms: re-reading the whole store after each of 300 changes made the replay quadratic.
          state.records = state.records.filter(function (r) {
            return r.key !== record.key || result.outcome === "aside";
          });
          document.dispatchEvent(new CustomEvent("fieldaudit:replayed", { detail: { record: record, outcome: result.outcome } }));
          if (result.outcome === "aside" || Date.now() - shown > 250) {
            shown = Date.now();
            return Promise.all(removals).then(function () {
              if (channel) { channel.postMessage("changed"); }
              return refresh();
            }).then(next);
          }
          return next();
        });
      }
      return next().then(function (outcome) {
        return Promise.all(removals).then(function () { return outcome; }, function () { return outcome; });
      });
    }).then(function (outcome) {
      state.replaying = false;
      state.paused = outcome === "paused";
      state.offline = outcome === "offline";
      backoff = outcome === "offline" ? Math.min(backoff + 1, 6) : 0;
      if (channel) { channel.postMessage("changed"); }
      return refresh().then(schedule);
    }, function () {
      state.replaying = false;
      return refresh().then(schedule);
    });
  }

  // One replayer at a time across tabs: the Web Locks API, else a lease in localStorage.
  function withReplayLock(work) {
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, { ifAvailable: true }, function (lock) { return lock ? work() : null; });
    }
    var now = Date.now();
    var lease = JSON.parse(localStorage.getItem(LOCK) || "null");
    if (lease && lease.until > now && lease.tab !== tabId) { return Promise.resolve(); }
    localStorage.setItem(LOCK, JSON.stringify({ tab: tabId, until: now + 60000 }));
    return work().then(function () { localStorage.removeItem(LOCK); });
  }
  var tabId = Store.ulid();

  function replay() {
    if (!userId() || state.replaying) { return Promise.resolve(); }
    return withReplayLock(drain);
  }

  function schedule() {
    clearTimeout(timer);
    var waiting = state.records.some(function (r) { return r.state === "waiting"; });
    if (!waiting || state.paused) { return; }
    timer = setTimeout(replay, 5000 * Math.pow(2, backoff));  // 5 s, doubling to 5 min 20 s
  }

  function requestBackgroundSync() {
    // Where the browser has Background Sync and a service worker controls the page; never the only trigger.
    if (!navigator.serviceWorker || !navigator.serviceWorker.controller) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) { return reg.sync.register("fieldaudit-replay"); }
    }).catch(function () {});
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "fieldaudit-replay") { replay(); }
    });
  }
  if (channel) { channel.onmessage = function () { refresh(); }; }
  window.addEventListener("online", function () { backoff = 0; replay(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { replay(); }
  });
  // A save on its way to the server or to the tablet's store is not yet safe: say so before leaving the page.
  window.addEventListener("beforeunload", function (event) {
    if (state.inFlight > 0 || state.writing > 0) { event.preventDefault(); event.returnValue = ""; }
  });

  window.FAQueue = {
    state: state, refresh: refresh, replay: replay, enqueue: enqueue, recordOf: recordOf, userId: userId,
    remove: function (key) { return Store.remove(key).then(refresh); }
  };
  document.addEventListener("DOMContentLoaded", function () {
    refresh().then(function () { document.dispatchEvent(new CustomEvent("fieldaudit:loaded")); replay(); });
  });
})();
