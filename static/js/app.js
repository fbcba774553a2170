// FieldAudit front-end glue. No inline script anywhere: the CSP forbids it, so behaviour lives here.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the session's CSRF token in a header (forms also carry it as a field).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // A question whose autosave failed says so in its save state and offers a Retry button; tapping either sends
  // the form again. A successful save swaps in a fresh question, which removes both.
  var NOT_SAVED = "Not saved \u2014 tap to retry";

  function questionForm(elt) {
    return elt && elt.closest ? elt.closest(".question") : null;
  }

  function offerRetry(elt) {
    var form = questionForm(elt);
    var state = form ? form.querySelector(".save-state") : null;
    if (!state) { return; }
    state.textContent = NOT_SAVED;
    state.classList.add("retryable");
    if (!form.querySelector("button.retry")) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn retry";
      button.textContent = "Retry";
      state.insertAdjacentElement("afterend", button);
    }
  }

  document.addEventListener("click", function (event) {
    var hit = event.target && event.target.closest ? event.target.closest("button.retry, .save-state.retryable") : null;
    var form = questionForm(hit);
    if (!form || !window.htmx) { return; }
    event.preventDefault();
    var state = form.querySelector(".save-state");
    if (state) { state.textContent = "Saving\u2026"; }
    window.htmx.trigger(form, "change");
  });

  // A signed-out session answers 401 with HX-Redirect; htmx follows it. Anything else that failed is shown,
  // so nobody believes an answer was saved when it was not.
  // A refusal (4xx) answers the same way however often it is sent, so it gets its message and no Retry; a lost
  // session, a timeout or a rate limit (401, 408, 429) and a server error (5xx) may pass on a second try.
  function retryable(status) {
    return !(status >= 400 && status < 500) || status === 401 || status === 408 || status === 429;
  }

  function clearRetry(elt) {
    var form = questionForm(elt);
    if (!form) { return; }
    var state = form.querySelector(".save-state");
    if (state) {
      state.textContent = "Not saved";
      state.classList.remove("retryable");
    }
    var button = form.querySelector("button.retry");
    if (button) { button.remove(); }
  }

  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.fieldauditQueued) { return; }  // kept on the tablet by queue.js
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) { return; }
    var target = event.detail.elt;
    if (target) { target.classList.add("save-failed"); }
    if (retryable(xhr ? xhr.status : 0)) { offerRetry(target); } else { clearRetry(target); }
    var bar = document.getElementById("net-status");
    if (bar) {
      // The error fragment says what was wrong (e.g. "not a picture"); show that rather than a bare status.
      var reason = "";
      try {
        var p = new DOMParser().parseFromString((xhr && xhr.responseText) || "", "text/html").querySelector(".error-card p");
        reason = p ? p.textContent.trim() : "";
      } catch (e) { reason = ""; }
      bar.textContent = reason || ("The server refused that (" + (xhr ? xhr.status : "?") + ")." +
        (retryable(xhr ? xhr.status : 0) ? " Try again in a moment." : " Reload the page and try again."));
      bar.hidden = false;
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (event.detail.fieldauditQueued) { return; }  // kept on the tablet by queue.js
    var target = event.detail.elt;
    if (target) { target.classList.add("save-failed"); }
    offerRetry(target);
    var bar = document.getElementById("net-status");
    if (bar) {
      bar.textContent = "No connection to the site server. Your last change was not saved yet.";
      bar.hidden = false;
    }
  });

  // Upload progress for photo forms on a slow plant Wi-Fi.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest ? event.target.closest(".photo-form") : null;
    if (!form || !event.detail.lengthComputable) { return; }
    var bar = form.querySelector(".upload-progress");
    if (bar) { bar.value = Math.round(100 * event.detail.loaded / event.detail.total); }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      var target = event.detail.elt;
      if (target) { target.classList.remove("save-failed"); }
      var bar = document.getElementById("net-status");
      if (bar) { bar.hidden = true; }
    }
  });
})();
