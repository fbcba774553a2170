// This tablet page: persistent storage and the space used, and the install step (a prompt on Chromium, the
// Share → Add to Home Screen explanation on iPad). Loaded by that page only; offline.js does the rest.
(function () {
  "use strict";

  // -- storage: persistence and space -----------------------------------------------------------------------------

  function megabytes(bytes) { return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0) + " MB"; }

  function renderStorage() {
    var panel = document.getElementById("tablet-storage");
    if (!panel || !navigator.storage || !navigator.storage.estimate) { return; }
    Promise.all([navigator.storage.persisted(), navigator.storage.estimate()]).then(function (r) {
      var persisted = r[0], estimate = r[1];
      panel.querySelector(".storage-persisted").hidden = !persisted;
      panel.querySelector(".storage-not-persisted").hidden = persisted;
      var share = estimate.quota ? estimate.usage / estimate.quota : 0;
      panel.querySelector(".storage-used").textContent = megabytes(estimate.usage || 0) + " used of " +
        megabytes(estimate.quota || 0) + " the browser allows (" + (100 * share).toFixed(share < 0.01 ? 2 : 0) + " %)";
      panel.querySelector(".storage-near-quota").hidden = share < 0.8;
      panel.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    if (!(event.target.closest && event.target.closest("button.storage-persist")) || !window.FieldAuditOffline) {
      return;
    }
    window.FieldAuditOffline.persist().then(renderStorage);
  });

  // -- install ----------------------------------------------------------------------------------------------------

  var installPrompt = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    installPrompt = event;
    renderInstall();
  });

  function renderInstall() {
    var box = document.getElementById("tablet-install");
    if (!box) { return; }
    var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
    var apple = /iPad|iPhone|iPod/.test(navigator.userAgent) ||
      (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1);
    box.querySelector(".install-done").hidden = !standalone;
    box.querySelector(".install-apple").hidden = standalone || !apple;
    box.querySelector(".install-prompt").hidden = standalone || apple || !installPrompt;
    box.querySelector(".install-other").hidden = standalone || apple || Boolean(installPrompt);
  }

  document.addEventListener("click", function (event) {
    if (!(event.target.closest && event.target.closest("button.install-now")) || !installPrompt) { return; }
    installPrompt.prompt();
    installPrompt.userChoice.then(function () { installPrompt = null; renderInstall(); });
  });

  renderStorage();
  renderInstall();
})();
