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

  // A signed-out session answers 401 with HX-Redirect; htmx follows it. Anything else that failed is shown,
  // so nobody believes an answer was saved when it was not.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Redirect")) { return; }
    var target = event.detail.elt;
    if (target) { target.classList.add("save-failed"); }
    var bar = document.getElementById("net-status");
    if (bar) {
      bar.textContent = "The server refused that (" + (xhr ? xhr.status : "?") + "). Reload the page and try again.";
      bar.hidden = false;
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var target = event.detail.elt;
    if (target) { target.classList.add("save-failed"); }
    var bar = document.getElementById("net-status");
    if (bar) {
      bar.textContent = "No connection to the site server. Your last change was not saved yet.";
      bar.hidden = false;
    }
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
