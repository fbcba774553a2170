// The in-app label scanner of the station search page (/w/): the camera through getUserMedia, the browser's own
// BarcodeDetector where it has one, else jsQR (vendored, loaded only then). A label of this server opens its station
// page by a normal navigation, so the service worker's stored copy answers when the tablet is offline; a label of
// another host is reported, never followed. The code form below stays the fallback.
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) { return; }
  var startButton = root.querySelector(".scanner-start");
  var stopButton = root.querySelector(".scanner-stop");
  var view = root.querySelector(".scanner-view");
  var video = root.querySelector(".scanner-video");
  var status = root.querySelector(".scanner-status");
  var CODE = /^[A-Z0-9][A-Z0-9-]{0,31}$/;
  var EVERY_MS = 150;
  var FRAME_SIDE = 720;  // frames are scaled down to this for jsQR: labels fill much of the view, and it is faster
  var TYPE_IT = " Type the code printed under the QR code instead.";
  // Labels may name this server by the address printed on them (BASE_URL), which can differ from the one in use.
  var labelOrigin = new URL(root.getAttribute("data-label-url"), location.href).origin;

  var stream = null;
  var timer = null;
  var detector = null;
  var canvas = null;
  var lastText = null;

  function say(text, problem) {
    status.textContent = text;
    status.classList.toggle("scanner-problem", !!problem);
  }

  // What a decoded text means here: {code} of a station of this server, or {problem} to show.
  function resolve(text) {
    var trimmed = (text || "").trim();
    if (CODE.test(trimmed.toUpperCase())) { return { code: trimmed.toUpperCase() }; }
    var url;
    try {
      url = new URL(trimmed);
    } catch (e) {
      return { problem: "This QR code is not a FieldAudit label." + TYPE_IT };
    }
    if (url.origin !== location.origin && url.origin !== labelOrigin) {
      return { problem: "This label belongs to another server (" + url.host + "), so it was not opened. " +
        "Scan a label of this plant's FieldAudit, or type the station's code." };
    }
    var match = /\/w\/([^/?#]+)\/?$/.exec(url.pathname);
    var code = match ? decodeURIComponent(match[1]).toUpperCase() : "";
    if (!CODE.test(code)) {
      return { problem: "This QR code is a link to this server but not a station label." + TYPE_IT };
    }
    return { code: code };
  }

  function found(text) {
    if (text === lastText) { return; }
    lastText = text;
    var meaning = resolve(text);
    if (meaning.problem) {
      say(meaning.problem, true);
      return;
    }
    say("Opening station " + meaning.code + "\u2026");
    stop();
    // A normal navigation (not fetch + swap): offline, the service worker answers it from the stored pages.
    location.assign(root.getAttribute("data-station-url").replace(/CODE$/, encodeURIComponent(meaning.code)));
  }

  function loadScript(src) {
    return new Promise(function (resolveLoad, rejectLoad) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () { resolveLoad(); };
      script.onerror = function () { rejectLoad(new Error("decoder")); };
      document.head.appendChild(script);
    });
  }

  function chooseDecoder() {
    var fallback = function () {
      root.setAttribute("data-decoder-used", "jsqr");
      return window.jsQR ? Promise.resolve() : loadScript(root.getAttribute("data-decoder"));
    };
    if (!("BarcodeDetector" in window)) { return fallback(); }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) { return fallback(); }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      root.setAttribute("data-decoder-used", "native");
      return undefined;
    }, fallback);
  }

  function decodeFrame() {
    if (detector) {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    }
    var scale = Math.min(1, FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight));
    var width = Math.round(video.videoWidth * scale);
    var height = Math.round(video.videoHeight * scale);
    canvas = canvas || document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    var result = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
      { inversionAttempts: "attemptBoth" });
    return Promise.resolve(result ? result.data : null);
  }

  function tick() {
    timer = null;
    if (!stream) { return; }
    var next = function () { if (stream) { timer = setTimeout(tick, EVERY_MS); } };
    if (video.readyState < 2 || !video.videoWidth) { next(); return; }
    decodeFrame().then(function (text) {
      if (text) { found(text); }
      next();
    }, next);
  }

  function cameraProblem(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "Camera access was refused. Allow the camera for this site in the browser's settings and tap " +
        "Scan a label again." + TYPE_IT;
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "No camera was found on this device." + TYPE_IT;
    }
    if (name === "NotReadableError" || name === "AbortError") {
      return "The camera is busy (another app may be using it). Close that app and try again." + TYPE_IT;
    }
    if (error && error.message === "decoder") {
      return "The scanner could not be loaded." + TYPE_IT;
    }
    return "The camera could not be started" + (name ? " (" + name + ")" : "") + "." + TYPE_IT;
  }

  function start() {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("The camera needs a secure (https://) connection to this server, and this one is not." + TYPE_IT, true);
      return;
    }
    lastText = null;
    say("Starting the camera\u2026");
    navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (media) {
      stream = media;
      return chooseDecoder();
    }).then(function () {
      video.srcObject = stream;
      view.hidden = false;
      startButton.hidden = true;
      say("Hold the label's QR code in the frame.");
      return video.play();
    }).then(function () {
      tick();
    }).catch(function (error) {
      stop();
      say(cameraProblem(error), true);
    });
  }

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    view.hidden = true;
    startButton.hidden = false;
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", function () {
    stop();
    say("");
  });
  // The camera light goes off when the person leaves the page, even into the back-forward cache.
  window.addEventListener("pagehide", stop);
  startButton.hidden = false;
})();
