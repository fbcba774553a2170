"""Write a checklist in our spreadsheet layout (.xlsx, .csv) and the downloadable template with its README."""
from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from ..loader import ChecklistError, Problem
from ..model import Checklist
from . import layout
from .yamlfmt import as_checklist

HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TEXT_COLUMNS = {"clause", "id", "section_id", "show_if_answers"}  # Excel would turn 8.10 into 8.1, 1-2 into a date
WIDTHS = {"section": 24, "id": 22, "text": 60, "guidance": 50, "options": 40, "finding": 30, "type": 14,
          "show_if_question": 18, "show_if_answers": 18}
EXAMPLE = {
    "id": "my-checklist", "version": 1, "title": "My checklist", "standard": "ISO 9001:2015",
    "description": "Replace these rows with your own questions; keep the header row.",
    "sections": [
        {"title": "Standard work", "questions": [
            {"id": "wi-available", "text": "The current work instruction is at the station", "type": "pass_fail",
             "procedure": "WI-ASM-012", "clause": "8.5.1", "guidance": "Compare part number and revision."},
            {"id": "deviation", "text": "Describe what was different", "type": "text",
             "show_if": {"question": "wi-available", "equals": "fail"}},
            {"id": "torque", "text": "Measured torque of the M8 screw", "type": "numeric", "unit": "Nm", "min": 22,
             "max": 26, "decimals": 1, "weight": 3, "finding": {"out_of_limits": "major"}}]},
        {"title": "Housekeeping", "questions": [
            {"id": "layer", "text": "Your audit layer", "type": "single_choice", "required": False,
             "options": [{"value": "team-leader", "label": "Team leader"}, {"value": "manager", "label": "Manager"}]},
            {"id": "order", "text": "Order at the workplace", "type": "rating", "allow_na": True,
             "labels": ["Poor", "Fair", "Good"], "finding": {"when": ["Poor"], "severity": "minor"}},
            {"id": "burrs", "text": "Inspect 20 parts: how many show burrs?", "type": "defects", "samples": 20,
             "max_defects": 0},
            {"id": "board", "text": "Photo of the team board", "type": "photo", "min_photos": 1},
            {"id": "last-check", "text": "Date of the last gauge calibration", "type": "date"}]},
    ],
}


def rows(data: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    """(checklist KEY/VALUE rows, question rows with the header first) of a checklist; ChecklistError if unwritable."""
    checklist = as_checklist(data)
    head = [["key", "value"]] + [[key, getattr(checklist, key)] for key in layout.CHECKLIST_KEYS
                                 if getattr(checklist, key) is not None]
    body = [list(layout.NAMES)]
    problems = []
    for section in checklist.sections:
        for q in section.questions:
            try:
                cells = layout.question_row(q)
            except layout.Unwritable as exc:
                problems.append(Problem("<export>", f"sections.{section.id}.{q.id}", str(exc)))
                continue
            cells.update(section=section.title, section_id=section.id)
            body.append([cells.get(name) for name in layout.NAMES])
    if problems:
        raise ChecklistError(problems)
    return head, body


def write_csv(data: Any) -> str:
    """The checklist as CSV: KEY,VALUE rows, an empty row, then the question table (UTF-8; add a BOM for Excel)."""
    head, body = rows(data)
    for cells in head + body:
        for value in cells:
            if isinstance(value, str) and value.startswith("="):
                raise ChecklistError([Problem("<export>", "", f"the text {value[:40]!r} starts with '=', which a "
                                                              "spreadsheet program runs as a formula; export .xlsx "
                                                              "or YAML instead")])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(head[1:])
    writer.writerow([])
    writer.writerows(body)
    return out.getvalue()


def write_xlsx(data: Any) -> bytes:
    """The checklist as an .xlsx workbook: a 'checklist' sheet, a 'questions' sheet and a README sheet."""
    head, body = rows(data)
    return _workbook(head, body, as_checklist(data))


def template_xlsx() -> bytes:
    """The downloadable template: the layout filled with a small example of every common type."""
    head, body = rows(EXAMPLE)
    return _workbook(head, body, None)


def _workbook(head: list, body: list, checklist: Checklist | None) -> bytes:
    """Build the workbook (write-only mode: fast, and strings are stored as text, never as formulas)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("checklist")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 70
    for index, cells in enumerate(head):
        sheet.append([_cell(sheet, value, bold=index == 0) for value in cells])
    questions = book.create_sheet("questions")
    for index, name in enumerate(layout.NAMES, start=1):
        questions.column_dimensions[_letter(index)].width = WIDTHS.get(name, 12)
    questions.freeze_panes = "D2"
    text_format = [name in TEXT_COLUMNS for name in layout.NAMES]
    for index, cells in enumerate(body):
        questions.append([_cell(questions, value, bold=index == 0, text_format=index > 0 and fmt)
                          for value, fmt in zip(cells, text_format)])
    readme = book.create_sheet("README")
    readme.column_dimensions["A"].width = 20
    readme.column_dimensions["B"].width = 110
    for cells in _readme(checklist):
        readme.append([_cell(readme, value, bold=cells[0] in ("Column", "Sheet")) for value in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet, value: Any, bold: bool = False, text_format: bool = False) -> Any:
    """A cell value; texts starting with '=' stay texts (never formulas) and clause '8.10' is kept as text.

    Styles are set only where they matter: each one costs a lookup in openpyxl's style list."""
    if value is None and not bold:
        return None
    plain = not bold and not text_format and not (isinstance(value, str) and (value.startswith("=")
                                                                              or len(value) > 60))
    if plain:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if text_format:
        cell.number_format = "@"
    if bold:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    elif isinstance(value, str) and len(value) > 60:
        cell.alignment = WRAP
    return cell


def _letter(index: int) -> str:
    """1 -> 'A'."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _readme(checklist: Checklist | None) -> list[list[str]]:
    """The README sheet: how the workbook is laid out and what each column holds."""
    what = f"{checklist.title} (id {checklist.id}, version {checklist.version})" if checklist else \
        "Template: replace the example rows with your questions."
    return [
        ["FieldAudit checklist", what],
        ["Sheet", "What it holds"],
        ["checklist", "One row per checklist field: id (slug), version (whole number), title, standard, description."],
        ["questions", "The header row, then one row per question, in the order the auditor sees them."],
        ["README", "This help; ignored on import."],
        ["Column", "What it holds"],
        *[[name, doc] for name, _, doc in layout.COLUMNS],
        ["", ""],
        ["Import", "fieldaudit checklist validate FILE.xlsx  — lists every problem by sheet, row and column."],
        ["", "Importing the same checklist id again makes a new version of it, never a second checklist."],
        ["", "Formulas and merged cells are refused: type values and write the section on each row (or leave it "
             "empty to continue the section above)."],
        ["", "Columns whose header starts with # are ignored: use them for your own notes."],
    ]
