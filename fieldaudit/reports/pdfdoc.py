"""The PDF page every report shares: shipped Unicode font, fallbacks, footer "page X of Y", draft watermark.

fpdf2 only logs a warning for a glyph no loaded font has and leaves it out; `text()` replaces such characters
with U+FFFD first, so nothing is dropped silently and the replacement is visible on paper.
"""
from __future__ import annotations

import logging
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from ..paths import resource

REPLACEMENT = "\ufffd"
# Lines one table row may hold before it continues in the next row; comfortably less than a page.
ROW_LINES = 40
HIGHLIGHT = FontFace(emphasis="BOLD", color=(150, 30, 20), fill_color=(253, 236, 234))
# System fonts used, when installed, for scripts DejaVu Sans lacks (CJK above all). None is required.
FALLBACK_CANDIDATES = [
    ("NotoCJK", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    ("WenQuanYi", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    ("DroidFallback", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
]
COVERED_SCRIPTS = "Latin (all European languages), Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic letters, " \
                  "common symbols and arrows; CJK when a system CJK font is installed"

# fpdf2 reports font-subsetting chatter at INFO/WARNING; missing glyphs are handled above, so keep logs quiet.
logging.getLogger("fpdf").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def font_path(bold: bool = False) -> Path:
    """The shipped DejaVu Sans file."""
    return resource("static") / "fonts" / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


class ReportPDF(FPDF):
    """A4 portrait report with the shipped font, a footer on every page and an optional DRAFT watermark."""

    def __init__(self, *, title: str, document_id: str, generated: str, draft: bool = False):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.document_id = document_id
        self.generated = generated
        self.draft = draft
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        self.add_font("DejaVu", "", str(font_path()))
        self.add_font("DejaVu", "B", str(font_path(bold=True)))
        fallbacks = []
        for name, path in FALLBACK_CANDIDATES:
            if Path(path).exists():
                try:
                    self.add_font(name, "", path)
                    fallbacks.append(name)
                except Exception:  # noqa: BLE001 - an unusable system font is simply not used
                    continue
        if fallbacks:
            self.set_fallback_fonts(fallbacks, exact_match=False)
        self._covered = set()
        for key in ["dejavu", *[f.lower() for f in fallbacks]]:
            self._covered |= set(self.fonts[key].cmap)
        self.set_title(title)
        self.set_creator("FieldAudit")
        self.set_font("DejaVu", size=10)

    def to_bytes(self) -> bytes:
        """The finished PDF; the font files fontTools keeps open are closed here, not left to the garbage collector."""
        try:
            return bytes(self.output())
        finally:
            for font in self.fonts.values():
                close = getattr(font, "close", None)
                if close:
                    close()

    def text_of(self, value) -> str:
        """Text with every character no loaded font can draw replaced by U+FFFD (never silently dropped)."""
        text = "" if value is None else str(value)
        return "".join(c if ord(c) in self._covered or c in "\n\r\t" else REPLACEMENT for c in text)

    def header(self):
        """Draft reports say so on every page, diagonally, in light grey."""
        if self.draft:
            with self.local_context(text_color=(225, 225, 225)):
                self.set_font("DejaVu", "B", 70)
                with self.rotation(35, x=self.w / 2, y=self.h / 2):
                    self.text(self.w / 2 - 60, self.h / 2 + 10, "DRAFT")
            self.set_font("DejaVu", size=10)

    def footer(self):
        """Page X of Y, the document id and when it was made."""
        self.set_y(-12)
        self.set_font("DejaVu", size=7.5)
        self.set_text_color(110, 110, 110)
        # A title that already names the document ("Audit report AUD-PLT1-0009") does not repeat its id.
        named = self.report_title if self.document_id in self.report_title else \
            f"{self.report_title} · {self.document_id}"
        self.cell(0, 5, self.text_of(f"{named} · generated {self.generated}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # -- small layout helpers ---------------------------------------------------------------------------------

    def rows_table(self, headings, widths, rows, *, size: float = 8.5, line_height: float = 4.2,
                   align="LEFT", highlight=()) -> None:
        """A bordered table whose rows never outgrow a page: a cell taller than ROW_LINES lines continues in the
        next row (fpdf2 cannot split one row across pages). `widths` are in mm and fill the text width; the rows
        whose index is in `highlight` print bold on a light red ground."""
        self.set_font("DejaVu", size=size)
        with self.table(col_widths=widths, text_align=align, line_height=line_height,
                        first_row_as_headings=bool(headings)) as out:
            if headings:
                head = out.row()
                for text in headings:
                    head.cell(text)
            for index, row in enumerate(rows):
                style = HIGHLIGHT if index in highlight else None
                cells = [self.text_of(value) for value in row]
                lines = [self.multi_cell(w - 2, line_height, text, dry_run=True, output="LINES") if text else [""]
                         for w, text in zip(widths, cells)]
                tallest = max(len(cell) for cell in lines)
                chunks = [cells] if tallest <= ROW_LINES else [
                    ["\n".join(cell[k * ROW_LINES:(k + 1) * ROW_LINES]) for cell in lines]
                    for k in range(-(-tallest // ROW_LINES))]
                for chunk in chunks:
                    line = out.row()
                    for text in chunk:
                        line.cell(text, style=style)
        self.set_font("DejaVu", size=10)

    def h1(self, text: str) -> None:
        self.set_font("DejaVu", "B", 16)
        self.multi_cell(0, 8, self.text_of(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=10)

    def h2(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.set_font("DejaVu", "B", 12.5)
        self.multi_cell(0, 7, self.text_of(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_font("DejaVu", size=10)

    def para(self, text: str, size: float = 10, bold: bool = False, color=(0, 0, 0)) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, self.text_of(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font("DejaVu", size=10)

    def facts(self, rows: list[tuple[str, str]], label_width: float = 45) -> None:
        """Label/value lines; long values wrap under themselves."""
        for label, value in rows:
            y = self.get_y()
            self.set_font("DejaVu", "B", 9.5)
            self.multi_cell(label_width, 5.2, self.text_of(label), align="L", new_x="RIGHT", new_y="TOP")
            self.set_font("DejaVu", size=9.5)
            self.set_xy(self.l_margin + label_width, y)
            self.multi_cell(0, 5.2, self.text_of(value) or "—", align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=10)
