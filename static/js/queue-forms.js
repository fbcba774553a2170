// Finding forms (new and edit) are whole-page forms, not htmx: sent here with a key so that, when the site server
// is out of reach, the finding (with its photos) goes into the tablet's queue instead of the browser's error page.
// Online the result is the same as a plain submit: the next page, or the form again with the server's reason.
(function () {
  "use strict";

  var Q = window.FAQueue, S = window.FAQueueStore;
  var FINDING = /^\/audits\/([0-9A-Za-z]+)\/findings\/(new|[0-9A-Za-z]+)$/;
  if (!Q || !S) { return; }

  function actionPath(form) {
    try { return new URL(form.getAttribute("action") || location.href, location.href); } catch (e) { return null; }
  }

  function kept(form, record, error) {
    var note = form.querySelector(".queue-note") || form.insertBefore(document.createElement("p"), form.firstChild);
    note.className = "flash queue-note " + (error ? "flash-error" : "flash-warning");
    note.setAttribute("role", "alert");
    if (error) {
      note.textContent = error.name === "QuotaExceededError"
        ? "Not kept: this tablet's storage is full. Everything already on the tablet is safe; remove a photo or " +
          "send what is waiting, then save again."
        : "Not kept on this tablet: " + error;
      return;
    }
    note.textContent = "Finding kept on this tablet; it goes to the site server when it answers. " +
      "You can go on with the audit.";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  }

  function queue(form, url, body, headers) {
    var record = Q.recordOf(url.pathname + url.search, "post", body, headers,
                            "Finding: " + String(body.get("description") || "").slice(0, 40));
    return Q.enqueue(record).then(function () { kept(form, record); Q.replay(); },
                                  function (error) { kept(form, record, error); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var url = actionPath(form);
    if (!url || form.method !== "post" || !FINDING.test(url.pathname) || form.dataset.native === "yes") { return; }
    event.preventDefault();
    var body = new FormData(form, event.submitter || undefined);
    var headers = { "Idempotency-Key": S.ulid(), "X-Made-At": new Date().toISOString() };
    var audit = FINDING.exec(url.pathname)[1];
    var waiting = Q.state.records.some(function (r) { return r.auditId === audit && r.state === "waiting"; });
    if (waiting) { queue(form, url, body, headers); return; }  // behind the changes already waiting
    var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
    fetch(url.href, { method: "POST", body: body, credentials: "same-origin", redirect: "follow",
                      headers: Object.assign({ "X-CSRFToken": token }, headers) })
      .then(function (response) {
        if (response.status === 503 && response.headers.get("X-FieldAudit-Offline") === "1") {
          return queue(form, url, body, headers);
        }
        if (response.redirected && new URL(response.url).pathname === "/login") {
          return queue(form, url, body, headers);  // the session ended: kept until the same person signs in
        }
        if (response.ok && response.redirected) { location.assign(response.url); return; }
        // A refusal stored nothing: the plain submit shows the form again with the server's reason.
        form.dataset.native = "yes";
        form.requestSubmit(event.submitter || undefined);
      }, function () { return queue(form, url, body, headers); });
  }, true);
})();
