"""The app icons as PNG (the manifest needs 192 and 512 px, plain and maskable), drawn with Pillow from the same
shapes as static/img/icon.svg. Rebuild the committed files with `python -m fieldaudit.offline.icons`."""
import io
import sys

from PIL import Image, ImageDraw

from .. import paths

BLUE, WHITE, FOLD, GREEN = (11, 92, 171), (255, 255, 255), (207, 224, 245), (26, 127, 55)
SIZES = (192, 512)


def draw(size: int, maskable: bool = False) -> bytes:
    """One icon as PNG bytes. A maskable icon fills the square and keeps the mark inside the middle 80 %, the
    safe zone a launcher's circle or squircle never cuts."""
    scale = 4  # drawn large and scaled down: Pillow's shapes have no anti-aliasing
    big = size * scale
    image = Image.new("RGBA", (big, big), BLUE + (255,) if maskable else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if not maskable:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 12 // 64, fill=BLUE)
    # The SVG's 64-unit grid, shrunk towards the centre for the maskable safe zone.
    unit = big / 64 * (0.72 if maskable else 1)
    offset = (big - 64 * unit) / 2

    def at(x, y):
        return (offset + x * unit, offset + y * unit)
    pen.polygon([at(18, 14), at(40, 14), at(48, 22), at(48, 50), at(18, 50)], fill=WHITE)
    pen.polygon([at(40, 14), at(40, 22), at(48, 22)], fill=FOLD)
    pen.line([at(24, 36), at(30, 42), at(42, 28)], fill=GREEN, width=round(5 * unit), joint="curve")
    for x, y in ((24, 36), (42, 28)):
        cx, cy = at(x, y)
        r = 2.5 * unit
        pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=GREEN)
    out = io.BytesIO()
    image.resize((size, size), Image.LANCZOS).save(out, "PNG", optimize=True)
    return out.getvalue()


def filename(size: int, maskable: bool) -> str:
    """The icon's name under static/img/."""
    return f"icon-maskable-{size}.png" if maskable else f"icon-{size}.png"


def main() -> None:
    """Write every icon into static/img/."""
    folder = paths.resource("static") / "img"
    for size in SIZES:
        for maskable in (False, True):
            (folder / filename(size, maskable)).write_bytes(draw(size, maskable))
            print(folder / filename(size, maskable), file=sys.stderr)


if __name__ == "__main__":
    main()
