"""QR codes for workstation labels, as pure bytes-in/bytes-out helpers: SVG, PNG and a printable PDF sheet."""
import io
from dataclasses import dataclass
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from fpdf import FPDF

from .. import paths

# Medium error correction survives a scuffed or partly dirty label on the shop floor.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
PAPERS = {"a4": ("A4", 210.0, 297.0), "letter": ("Letter", 215.9, 279.4)}
COLUMNS, ROWS, MARGIN = 3, 4, 10.0  # mm; 12 labels a sheet, big enough to scan from arm's length


@dataclass(frozen=True)
class Label:
    """One label: the URL in the code and what is printed beside it."""

    url: str
    title: str
    code: str
    site: str = ""


def station_url(base: str, code: str) -> str:
    """The URL a workstation's label holds: BASE/w/<code>."""
    return f"{base.rstrip('/')}/w/{quote(code, safe='')}"


def _qr(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def matrix(url: str) -> list[list[bool]]:
    """The code's modules row by row (True = dark), the four-module quiet zone included."""
    return _qr(url).get_matrix()


def svg(url: str) -> bytes:
    """An SVG QR code on a white background (one path, no inline style), for screens."""
    return _qr(url).make_image(image_factory=qrcode.image.svg.SvgPathFillImage).to_string(encoding="UTF-8")


def png(url: str, box_size: int = 10) -> bytes:
    """A PNG QR code, `box_size` pixels per module, with the standard four-module quiet zone."""
    code = _qr(url)
    code.box_size = box_size
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


def _fonts(pdf: FPDF) -> None:
    folder = paths.resource("static") / "fonts"
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The code as vector rectangles (one per run of dark modules): sharp at any printer resolution."""
    modules = matrix(url)
    module = size / len(modules)
    for row, cells in enumerate(modules):
        col = 0
        while col < len(cells):
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < len(cells) and cells[col]:
                col += 1
            # A hair of overlap so no white seam appears between adjacent rows when rasterised.
            pdf.rect(x + start * module, y + row * module, (col - start) * module, module + 0.01, style="F")


def _fit(pdf: FPDF, text: str, width: float, size: float, minimum: float, style: str = "") -> str:
    """Shrink the font until the text fits the width, then cut it with an ellipsis if it still does not."""
    while size > minimum:
        pdf.set_font("DejaVu", style, size)
        if pdf.get_string_width(text) <= width:
            return text
        size -= 0.5
    pdf.set_font("DejaVu", style, minimum)
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…" if text else text


def _draw_label(pdf: FPDF, label: Label, x: float, y: float, w: float, h: float) -> None:
    pdf.set_draw_color(190, 190, 190)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    pdf.rect(x, y, w, h)  # cut line
    pdf.set_dash_pattern()
    inner = w - 8
    size = min(inner, h - 26)
    pdf.set_fill_color(0, 0, 0)
    _draw_qr(pdf, label.url, x + (w - size) / 2, y + 3, size)
    line_y = y + 3 + size + 1
    for text, points, minimum, style, grey, height in (
            (label.title, 11, 7, "B", 0, 5.0), (label.code, 15, 9, "B", 0, 6.5),
            (label.site, 8, 6, "", 90, 4.0), (label.url, 6.5, 5, "", 110, 3.5)):
        if not text:
            continue
        shown = _fit(pdf, text, inner, points, minimum, style)
        pdf.set_text_color(grey, grey, grey)
        pdf.set_xy(x + 4, line_y)
        pdf.cell(inner, height, shown, align="C")
        line_y += height
    pdf.set_text_color(0, 0, 0)


def label_sheet(labels: list[Label], paper: str = "a4", title: str = "Workstation labels",
                progress=lambda label: None) -> bytes:
    """A PDF of labels in a 3×4 grid per page (A4 or US Letter), with cut lines; `progress` is called per label."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
    if not labels:
        raise ValueError("no labels to print")
    fmt, page_w, page_h = PAPERS[paper]
    pdf = FPDF(orientation="P", unit="mm", format=fmt)
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN)
    pdf.set_title(title)
    pdf.set_creator("FieldAudit")
    _fonts(pdf)
    cell_w, cell_h = (page_w - 2 * MARGIN) / COLUMNS, (page_h - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    for index, label in enumerate(labels):
        if index % per_page == 0:
            pdf.add_page()
        row, col = divmod(index % per_page, COLUMNS)
        _draw_label(pdf, label, MARGIN + col * cell_w, MARGIN + row * cell_h, cell_w, cell_h)
        progress(label)
    return bytes(pdf.output())
