"""Spreadsheet files in: .csv and .xlsx in our layout, or an XLSForm .xlsx (told apart by its sheets)."""
from __future__ import annotations

import csv
import io
from pathlib import PurePath

from ..loader import ChecklistError, Problem
from .common import ReadResult
from .table import read_table
from .workbook import MAX_ROWS, Sheet, open_workbook, place, read_sheet

QUESTIONS_SHEET = "questions"
CHECKLIST_SHEET = "checklist"
IGNORED_SHEETS = {"readme", "read me", "help", "lists"}
XLSFORM_SHEETS = ("survey", "choices", "settings")


def read_spreadsheet(data: bytes, filename: str) -> ReadResult:
    """A .csv or .xlsx file as checklist data; ChecklistError naming sheet, row and column of every problem."""
    if PurePath(filename).suffix.lower() == ".csv":
        return ReadResult(read_table([read_csv(data, filename)], filename), [], "sheet")
    workbook, archive = open_workbook(data, filename)
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        if "survey" in names:
            from .xlsform import read_xlsform

            problems: list = []
            for wanted in XLSFORM_SHEETS:  # pyxform reads cached values: a formula would import as nothing
                if wanted in names:
                    _refuse_long(read_sheet(workbook, archive, names[wanted], filename, problems), filename)
            if problems:
                raise ChecklistError(problems)
            return read_xlsform(data, filename)
        return ReadResult(_our_layout(workbook, archive, names, filename), [], "sheet")
    finally:
        workbook.close()
        archive.close()


def _our_layout(workbook, archive, names: dict[str, str], filename: str) -> dict:
    """Our layout: a 'questions' sheet (and optionally a 'checklist' sheet), or a workbook with one sheet."""
    problems: list = []
    if QUESTIONS_SHEET in names:
        main = names[QUESTIONS_SHEET]
    else:
        candidates = [name for key, name in names.items() if key not in IGNORED_SHEETS and key != CHECKLIST_SHEET]
        if len(candidates) != 1:
            found = ", ".join(map(repr, names.values()))
            raise ChecklistError([Problem(filename, "", f"the workbook has the sheets {found}; "
                                                        f"a checklist workbook has a {QUESTIONS_SHEET!r} sheet (and "
                                                        f"a {CHECKLIST_SHEET!r} sheet), an XLSForm has 'survey' and "
                                                        "'choices' sheets (download the template)")])
        main = candidates[0]
    sheet = read_sheet(workbook, archive, main, filename, problems)
    header = read_sheet(workbook, archive, names[CHECKLIST_SHEET], filename, problems) \
        if CHECKLIST_SHEET in names else None
    if problems:
        raise ChecklistError(problems)
    return read_table([sheet], filename, header)


def _refuse_long(sheet: Sheet, filename: str) -> None:
    """An XLSForm sheet past the row limit is refused before pyxform reads all of it."""
    if sheet.truncated:
        raise ChecklistError([place(filename, sheet.name, None, None, None,
                                    f"the sheet has more than {MAX_ROWS:,} rows; a checklist holds at most 2,000 "
                                    "questions — split the form")])


def read_csv(data: bytes, filename: str) -> Sheet:
    """A CSV file as rows; UTF-8 (with or without BOM) or Excel's Windows-1252, comma, semicolon or tab separated."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what Excel's "CSV (comma delimited)" writes on Windows
        except UnicodeDecodeError as exc:
            raise ChecklistError([Problem(filename, "", f"the file is neither UTF-8 nor Windows text (byte "
                                                        f"0x{data[exc.start]:02x}); save it as 'CSV UTF-8'")]) from None
    if "\x00" in text:
        raise ChecklistError([Problem(filename, "", "this is not a CSV text file (it contains binary data); save the "
                                                    "sheet as .csv or .xlsx")])
    rows, truncated, problems = [], False, []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text[:16384]))
    for number, values in enumerate(reader, start=1):
        values = [value if value.strip() else None for value in values]
        while values and values[-1] is None:
            values.pop()
        if not values:
            continue
        for column, value in enumerate(values, start=1):
            if value is not None and value.startswith("="):
                problems.append(place(filename, None, number, column, None,
                                      f"the cell holds a formula ({value[:60]}); a spreadsheet program would "
                                      "compute it when opening the file — type the value itself"))
        if len(rows) >= MAX_ROWS:
            truncated = True
            break
        rows.append((number, values))
    if problems:
        raise ChecklistError(problems)
    return Sheet("", rows, truncated)


def _delimiter(sample: str) -> str:
    """',' or what Excel writes where the decimal mark is a comma (';'), or tab: the one giving the widest row.

    csv.Sniffer guesses quoting too and gets it wrong on texts with quotes inside, so only the delimiter is guessed."""
    def widest(delimiter: str) -> int:
        """The most fields a row has with this delimiter."""
        try:
            return max((len(row) for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)),
                       default=0)
        except csv.Error:
            return 0
    return max((",", ";", "\t"), key=widest)
