// Annotation on a canvas laid over the photo. Shapes are sent as fractions of the image size; the server draws
// them with Pillow on a copy, so what is stored never depends on the tablet's screen size.
(function () {
  "use strict";
  var canvas = document.getElementById("annotate-canvas");
  if (!canvas) { return; }
  var ctx = canvas.getContext("2d");
  var field = document.getElementById("annotate-shapes");
  var shapes = [];
  var tool = "arrow";
  var start = null;
  var stroke = Math.max(3, Math.round(Math.max(canvas.width, canvas.height) / 300));

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return { x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
             y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)) };
  }

  function drawShape(s) {
    var w = canvas.width, h = canvas.height;
    var x1 = s.x1 * w, y1 = s.y1 * h, x2 = s.x2 * w, y2 = s.y2 * h;
    ctx.strokeStyle = "#ff0000"; ctx.fillStyle = "#ff0000"; ctx.lineWidth = stroke;
    ctx.beginPath();
    if (s.type === "rect") {
      ctx.strokeRect(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1));
    } else if (s.type === "circle") {
      ctx.ellipse((x1 + x2) / 2, (y1 + y2) / 2, Math.abs(x2 - x1) / 2, Math.abs(y2 - y1) / 2, 0, 0, 2 * Math.PI);
      ctx.stroke();
    } else {
      var angle = Math.atan2(y2 - y1, x2 - x1), head = Math.max(stroke * 4, Math.max(w, h) * 0.03);
      ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x2, y2);
      ctx.lineTo(x2 - head * Math.cos(angle - Math.PI / 7), y2 - head * Math.sin(angle - Math.PI / 7));
      ctx.lineTo(x2 - head * Math.cos(angle + Math.PI / 7), y2 - head * Math.sin(angle + Math.PI / 7));
      ctx.closePath(); ctx.fill();
    }
  }

  function redraw(extra) {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    shapes.forEach(drawShape);
    if (extra) { drawShape(extra); }
    field.value = JSON.stringify(shapes.map(function (s) {
      return { type: s.type, x1: s.x1, y1: s.y1, x2: s.x2, y2: s.y2, color: "#ff0000", width: stroke };
    }));
  }

  canvas.addEventListener("pointerdown", function (e) {
    start = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!start) { return; }
    var p = point(e);
    redraw({ type: tool, x1: start.x, y1: start.y, x2: p.x, y2: p.y });
  });
  canvas.addEventListener("pointerup", function (e) {
    if (!start) { return; }
    var p = point(e);
    if (Math.abs(p.x - start.x) + Math.abs(p.y - start.y) > 0.01) {
      shapes.push({ type: tool, x1: start.x, y1: start.y, x2: p.x, y2: p.y });
    }
    start = null; redraw();
  });
  document.querySelectorAll(".tool").forEach(function (button) {
    button.addEventListener("click", function () {
      tool = button.getAttribute("data-tool");
      document.querySelectorAll(".tool").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
    });
  });
  document.getElementById("annotate-undo").addEventListener("click", function () { shapes.pop(); redraw(); });
  redraw();
})();
