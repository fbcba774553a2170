// Signature pads: draw with a finger or pen; the drawing goes into a hidden field as a PNG data URL when the form
// is sent. An untouched pad sends nothing, so the drawn signature stays optional beside the password signature.
(function () {
  "use strict";
  document.querySelectorAll(".sigpad").forEach(function (pad) {
    var canvas = pad.querySelector("canvas");
    var field = pad.querySelector("input[type=hidden]");
    var ctx = canvas.getContext("2d");
    var drawing = false, used = false, last = null;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#0b2a4a";
    // A refused submission (a wrong password) sends the drawing back: show it again, never make anyone re-sign.
    if (field.value) {
      var kept = new Image();
      kept.onload = function () { ctx.drawImage(kept, 0, 0, canvas.width, canvas.height); };
      kept.src = field.value;
      used = true;
    }

    function point(e) {
      var box = canvas.getBoundingClientRect();
      return { x: (e.clientX - box.left) * canvas.width / box.width, y: (e.clientY - box.top) * canvas.height / box.height };
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) { return; }
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; used = true;
    });
    canvas.addEventListener("pointerup", function () {
      drawing = false;
      if (used) { field.value = canvas.toDataURL("image/png"); }
    });
    pad.querySelector(".sigpad-clear").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); used = false; field.value = "";
    });
  });
})();
