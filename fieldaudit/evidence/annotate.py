"""Annotating a stored photo: arrows, circles and boxes drawn on a copy, saved as a new derived image."""

from __future__ import annotations

import math

from PIL import ImageColor, ImageDraw

from .limits import DEFAULT
from .pipeline import JPEG_QUALITY, PhotoError, _decoded, _flatten, _jpeg, _quiet, _to_srgb

# annotate(): each shape is {"type": "arrow" | "circle" | "rect", "x1", "y1", "x2", "y2": 0..1 fractions of the
# image width/height, "color": any CSS colour (default red), "width": stroke in pixels of the stored image}.
# A rect is the box, a circle the ellipse inscribed in the box, an arrow runs from (x1, y1) to its head at (x2, y2).
MAX_SHAPES = 100


def _draw_shape(draw: ImageDraw.ImageDraw, shape: dict, size: tuple[int, int]) -> None:
    """Validate one annotation shape and draw it."""
    if not isinstance(shape, dict):
        raise PhotoError("Each annotation must be an object.", 400)
    for key in ("x1", "y1", "x2", "y2"):
        value = shape.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise PhotoError(f"Annotation coordinate {key!r} must be a number from 0 to 1.", 400)
    x1, x2 = (shape[k] * (size[0] - 1) for k in ("x1", "x2"))
    y1, y2 = (shape[k] * (size[1] - 1) for k in ("y1", "y2"))
    try:
        color = ImageColor.getrgb(str(shape.get("color", "#ff0000")))
    except ValueError as exc:
        raise PhotoError(f"Unknown annotation colour {shape.get('color')!r}.", 400) from exc
    stroke = shape.get("width", max(3, max(size) // 300))
    if isinstance(stroke, bool) or not isinstance(stroke, int) or not 1 <= stroke <= 64:
        raise PhotoError("Annotation width must be a whole number of pixels from 1 to 64.", 400)
    box = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    kind = shape.get("type")
    if kind == "rect":
        draw.rectangle(box, outline=color, width=stroke)
    elif kind == "circle":
        draw.ellipse(box, outline=color, width=stroke)
    elif kind == "arrow":
        draw.line((x1, y1, x2, y2), fill=color, width=stroke)
        angle, head = math.atan2(y2 - y1, x2 - x1), max(stroke * 4, max(size) * 0.03)
        wings = [(x2 - head * math.cos(angle + s * math.pi / 7), y2 - head * math.sin(angle + s * math.pi / 7))
                 for s in (-1, 1)]
        draw.polygon([(x2, y2), *wings], fill=color)
    else:
        raise PhotoError(f"Unknown annotation type {kind!r}; use arrow, circle or rect.", 400)


def annotate(image_bytes: bytes, shapes: list[dict], *, max_pixels: int = DEFAULT.max_pixels) -> bytes:
    """Draw arrows, circles and rectangles on a copy of a stored photo; returns new metadata-free JPEG bytes."""
    if not isinstance(shapes, list) or len(shapes) > MAX_SHAPES:
        raise PhotoError(f"Annotations must be a list of at most {MAX_SHAPES} shapes.", 400)
    if not image_bytes:
        raise PhotoError("The photo to annotate is empty.", 400)
    with _quiet():
        im, facts = _decoded(image_bytes, max_pixels, max_side=1 << 30)
        canvas = _to_srgb(_flatten(im), facts["icc"])
        if canvas is im:
            canvas = im.copy()  # never draw on anything the caller could still hold
        draw = ImageDraw.Draw(canvas)
        for shape in shapes:
            _draw_shape(draw, shape, canvas.size)
        return _jpeg(canvas, JPEG_QUALITY)
