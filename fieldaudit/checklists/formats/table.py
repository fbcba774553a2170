"""Read our spreadsheet layout (checklist rows, a header row, one row per question) into checklist data, and
place every problem the validator finds back on the sheet, row and column it came from."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import schema
from ..loader import ChecklistError
from ..typespec import suggest
from . import layout
from .workbook import MAX_QUESTIONS, Sheet, place
_PATH = re.compile(r"^sections\[(\d+)\](?:\.questions\[(\d+)\])?(?:\.(.*))?$")


@dataclass
class Table:
    """What was read, with where it came from, so validator paths can be turned into cells."""

    filename: str
    data: dict[str, Any] = field(default_factory=dict)
    key_cells: dict[str, tuple[str | None, int]] = field(default_factory=dict)  # checklist key -> (sheet, row)
    columns: dict[str, int] = field(default_factory=dict)                       # column name -> 1-based index
    sheet: str | None = None                                                    # of the question rows
    question_rows: dict[tuple[int, int], int] = field(default_factory=dict)     # (section, question) -> row
    section_rows: dict[int, int] = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def at(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        """Report a problem at a cell of the question sheet (or any sheet and row)."""
        index = self.columns.get(column) if column else None
        self.problems.append(place(self.filename, sheet, row, index, column, message))


def read_table(sheets: list[Sheet], filename: str, checklist_sheet: Sheet | None = None) -> dict[str, Any]:
    """Checklist data from our layout; ChecklistError naming sheet, row and column of every problem."""
    table = Table(filename)
    if checklist_sheet is not None:
        _checklist_rows(table, checklist_sheet.name, checklist_sheet.rows, header_allowed=True)
    main = sheets[0]
    table.sheet = main.name
    header_at = next((i for i, (_, values) in enumerate(main.rows)
                      if {"type", "text"} <= {layout.column_name(v) for v in values}), None)
    if header_at is None:
        what = "is empty" if not main.rows else "has no header row (a row with the column names)"
        table.at(main.name, None, None, f"the sheet {what}; the question table needs a header row with at least "
                                        f"the columns {', '.join(layout.REQUIRED_COLUMNS)} (download the template)")
        raise ChecklistError(table.problems)
    _checklist_rows(table, main.name, main.rows[:header_at], header_allowed=False)
    header_row, header = main.rows[header_at]
    if not _header(table, main.name, header_row, header):
        raise ChecklistError(table.problems)
    body = main.rows[header_at + 1:]
    if main.truncated or len(body) > MAX_QUESTIONS:
        table.at(main.name, None, None, f"the sheet has more than {MAX_QUESTIONS:,} question rows; a checklist "
                                        f"holds at most {MAX_QUESTIONS:,} questions (an auditor answers them all on "
                                        "one visit) — split it into several checklists")
        raise ChecklistError(table.problems)
    if not body:
        table.at(main.name, header_row + 1, None, "there are no question rows below the header; write one row per "
                                                  "question")
    _questions(table, main.name, body)
    if not table.problems:
        schema.build_checklist(table.data, lambda path, message: _locate(table, path, message))
    if table.problems:
        raise ChecklistError(table.problems)
    return table.data


def _checklist_rows(table: Table, sheet: str, rows: list, header_allowed: bool) -> None:
    """KEY | VALUE rows (id, version, title, standard, description) from the checklist sheet or above the header."""
    for number, values in rows:
        key = layout.column_name(values[0]) if values else ""
        if header_allowed and key == "key" and not table.key_cells:
            continue
        if key not in layout.CHECKLIST_KEYS:
            table.at(sheet, number, None, f"{layout.text_of(values[0])!r} is not a checklist field; the rows above "
                                          f"the question table are 'KEY | VALUE' with KEY one of "
                                          f"{', '.join(layout.CHECKLIST_KEYS)}{suggest(key, layout.CHECKLIST_KEYS)}")
            continue
        if key in table.key_cells:
            table.at(sheet, number, None, f"{key!r} is given twice (also in row {table.key_cells[key][1]}); keep one")
            continue
        if any(v is not None for v in values[2:]):
            table.at(sheet, number, None, f"the {key!r} row has more than one value; put the value in column B only")
        table.key_cells[key] = (sheet, number)
        value = values[1] if len(values) > 1 else None
        table.data[key] = layout.number_of(value) if key == "version" else layout.text_of(value)


def _header(table: Table, sheet: str, number: int, header: list) -> bool:
    """Map column names to positions; False when the header cannot be used."""
    ok = True
    for index, cell in enumerate(header, start=1):
        name = layout.column_name(cell)
        if not name or name.startswith("#"):
            continue
        if name not in layout.NAMES:
            table.problems.append(place(table.filename, sheet, number, index, str(cell),
                                        layout.unknown_column_hint(name)))
            ok = False
        elif name in table.columns:
            table.problems.append(place(table.filename, sheet, number, index, name,
                                        f"column {name!r} appears twice; keep one"))
            ok = False
        else:
            table.columns[name] = index
    missing = [name for name in layout.REQUIRED_COLUMNS if name not in table.columns]
    if missing:
        table.at(sheet, number, None, f"missing column(s) {', '.join(map(repr, missing))}; the header row needs "
                                      f"{', '.join(layout.REQUIRED_COLUMNS)} (other columns are optional)")
        ok = False
    return ok


def _questions(table: Table, sheet: str, body: list) -> None:
    """One question per row, grouped into sections by the section column."""
    sections: list[dict] = []
    table.data["sections"] = sections
    for number, values in body:
        cells = {name: values[i - 1] if i - 1 < len(values) else None for name, i in table.columns.items()}
        title, section_id = layout.text_of(cells.get("section")), layout.text_of(cells.get("section_id"))
        current = sections[-1] if sections else None
        if current is None or (title and title != current["title"]) or (section_id and section_id != current.get("id")):
            if not title:
                table.at(sheet, number, "section", "the first question needs a section title")
                title = ""
            current = {"title": title, **({"id": section_id} if section_id else {}), "questions": []}
            sections.append(current)
            table.section_rows[len(sections) - 1] = number
        table.question_rows[(len(sections) - 1, len(current["questions"]))] = number
        current["questions"].append(_question(table, sheet, number, cells))


def _question(table: Table, sheet: str, number: int, cells: dict) -> dict:
    """The question data of one row; cells that cannot be read are reported and left out."""
    question: dict[str, Any] = {}
    qtype = (layout.text_of(cells.get("type")) or "").lower() or None
    for name, value in cells.items():
        if value is None or name in ("section", "section_id"):
            continue
        kind = layout.KINDS[name]
        try:
            if kind == "bool":
                question[name] = layout.bool_of(value)
            elif kind == "number":
                question[name] = layout.number_of(value)
            else:
                question[name] = layout.text_of(value)
        except ValueError as exc:
            table.at(sheet, number, name, str(exc))
    if qtype is not None:
        question["type"] = qtype
    _structured(table, sheet, number, question, qtype)
    return question


def _structured(table: Table, sheet: str, number: int, question: dict, qtype: str | None) -> None:
    """Options, rating scale, show_if and finding cells into the YAML format's shapes."""
    try:
        if "options" in question:
            items = layout.options_of(question.pop("options"), rating=qtype == "rating")
            question["labels" if qtype == "rating" else "options"] = items
    except ValueError as exc:
        table.at(sheet, number, "options", str(exc))
    if qtype == "rating" and ("min" in question or "max" in question):
        question["scale"] = {k: question.pop(k) for k in ("min", "max") if k in question}
    target, answers = question.pop("show_if_question", None), question.pop("show_if_answers", None)
    if target is not None or answers is not None:
        values = [a.strip() for a in re.split(r"[,|\n]", answers or "") if a.strip()]
        show_if: dict[str, Any] = {"question": target} if target is not None else {}
        if len(values) == 1:
            show_if["equals"] = values[0]
        elif values:
            show_if["in"] = values
        question["show_if"] = show_if
    if "finding" in question:
        try:
            question["finding"] = layout.finding_of(question["finding"])
        except ValueError as exc:
            del question["finding"]
            table.at(sheet, number, "finding", str(exc))


def _locate(table: Table, path: str, message: str) -> None:
    """A validator problem (path in the YAML shape) placed on the sheet."""
    match = _PATH.match(path)
    if match is None:
        key = path.split(".")[0].split("[")[0]
        if key == "sections":
            table.at(table.sheet, None, None, message)
            return
        sheet, row = table.key_cells.get(key, (None, None))
        where = "" if row else f" (add a row '{key} | VALUE' to the checklist sheet or above the header)"
        table.problems.append(place(table.filename, sheet or "checklist", row, 2 if row else None, key,
                                    message + where))
        return
    section, question, rest = int(match.group(1)), match.group(2), match.group(3) or ""
    if question is None:
        column = "section_id" if rest.startswith("id") else "section"
        table.at(table.sheet, table.section_rows.get(section), column, message)
        return
    row = table.question_rows.get((section, int(question)))
    table.at(table.sheet, row, _column_of(rest), message)


def _column_of(rest: str) -> str | None:
    """The column a validator key lives in: scale.min -> min, labels -> options, show_if.in -> show_if_answers."""
    first = re.split(r"[.\[]", rest, maxsplit=1)[0]
    if first == "scale":
        return "max" if rest.startswith("scale.max") else "min"
    if first == "labels":
        return "options"
    if first == "show_if":
        return "show_if_question" if rest in ("show_if", "show_if.question") else "show_if_answers"
    return first or None
