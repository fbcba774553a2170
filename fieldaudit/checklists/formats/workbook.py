"""Opening an uploaded .xlsx safely and reading its sheets as rows of plain values, refusing formulas and merges."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from ..loader import ChecklistError, Problem
from .common import CellProblem

MAX_UNPACKED_BYTES = 50_000_000  # declared size of all parts; a 2,000-question sheet unpacks to ~2 MB
MAX_RATIO = 200                  # unpacked/packed of one part: XML packs ~10:1, a zip bomb 1000:1 and more
MAX_PARTS = 2_000
MAX_QUESTIONS = 2_000            # ~30 times the largest shipped checklist (68); an audit page shows them all at once
MAX_ROWS = MAX_QUESTIONS + 50    # non-empty rows read: questions plus header and checklist rows
# Rows of any kind (empty formatted rows too) a sheet may have. Counted in the packed XML before openpyxl opens it:
# openpyxl scans a whole sheet that lacks a <dimension> (write-only files) — 50,000 rows took 10-40 s.
MAX_SHEET_ROWS = 10_000
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_SIGNATURES = ((b"\xff\xd8\xff", "a JPEG image"), (b"\x89PNG", "a PNG image"), (b"%PDF", "a PDF document"),
               (b"\xd0\xcf\x11\xe0", "an old Excel 97-2003 .xls workbook (save it as .xlsx)"),
               (b"GIF8", "a GIF image"))


@dataclass
class Sheet:
    """One worksheet's non-empty rows as (row number, values), and whether reading stopped at the row limit."""

    name: str
    rows: list[tuple[int, list[Any]]]
    truncated: bool = False


def place(filename: str, sheet: str | None, row: int | None, column: int | None, name: str | None,
          message: str) -> CellProblem:
    """A problem at a cell (or a row, a column, a sheet): 'sheet 'questions', row 12, column F (min)'."""
    letter = get_column_letter(column) if column else None
    parts = [f"sheet {sheet!r}" if sheet else None, f"row {row}" if row else None,
             f"column {letter} ({name})" if letter and name else f"column {letter}" if letter
             else f"column {name!r}" if name else None]
    return CellProblem(filename, ", ".join(p for p in parts if p), message, sheet=sheet, row=row,
                       column=letter or name)


def open_workbook(data: bytes, filename: str):
    """The workbook in read-only mode, after checking it is a real, reasonably sized .xlsx; ChecklistError else."""
    def refuse(message: str):
        """Refuse the whole file."""
        raise ChecklistError([Problem(filename, "", message)])

    if not zipfile.is_zipfile(io.BytesIO(data)):
        what = next((name for magic, name in _SIGNATURES if data.startswith(magic)), None)
        refuse(f"this is not an .xlsx spreadsheet{f'; it looks like {what}' if what else ''}. Save the sheet from "
               "Excel or LibreOffice as .xlsx (or .csv)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        refuse(f"the .xlsx file is damaged ({exc}); save it again from the spreadsheet program")
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        refuse("this is a zip file but not an Excel workbook (no xl/workbook.xml); save the sheet as .xlsx")
    if len(parts) > MAX_PARTS:
        refuse(f"the workbook has {len(parts)} parts; a checklist workbook has a few dozen")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        refuse(f"the workbook unpacks to {unpacked / 1e6:.0f} MB (more than {MAX_UNPACKED_BYTES // 1_000_000} MB); "
               "a checklist workbook unpacks to a few MB — remove images or unused sheets")
    for part in parts:
        if part.file_size > 1_000_000 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            refuse(f"the part {part.filename} unpacks {part.file_size // max(part.compress_size, 1)} times larger "
                   "than it is packed, which no real spreadsheet does; the file is refused")
    for part, rows in _row_counts(archive, parts).items():
        if rows > MAX_SHEET_ROWS:
            sheet = _sheet_names(archive).get(part, part)
            message = (f"the sheet has {rows:,} rows; a checklist holds at most {MAX_QUESTIONS:,} questions (an "
                       "auditor answers them all on one visit) — split it into several checklists")
            raise ChecklistError([CellProblem(filename, f"sheet {sheet!r}", message, sheet=sheet)])
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False), archive
    except Exception as exc:  # openpyxl raises many types for damaged parts; all mean the same to the user
        refuse(f"the .xlsx file cannot be read ({type(exc).__name__}: {exc}); save it again from the spreadsheet "
               "program")


def read_sheet(workbook, archive: zipfile.ZipFile, name: str, filename: str, problems: list) -> Sheet:
    """A sheet's non-empty rows (values only, up to MAX_ROWS); formulas and merged cells are reported."""
    worksheet = workbook[name]
    worksheet.reset_dimensions()  # a stale <dimension> (some generators write A1:A1) would hide rows
    rows: list[tuple[int, list[Any]]] = []
    truncated = False
    for cells in worksheet.iter_rows():
        values, number = [], None
        for cell in cells:
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")
                                                          and getattr(cell, "data_type", None) != "s"):
                problems.append(place(filename, name, cell.row, cell.column, None,
                                      f"the cell holds a formula ({str(value)[:60]}); type the value itself — "
                                      "an imported checklist must not change when the sheet is recalculated"))
                value = None
            if isinstance(value, str) and not value.strip():
                value = None
            values.append(value)
            number = number or getattr(cell, "row", None)
        while values and values[-1] is None:
            values.pop()
        if not values:
            continue
        if len(rows) >= MAX_ROWS:
            truncated = True
            break
        rows.append((number, values))
    for ref in _merged(worksheet, archive):
        problems.append(CellProblem(filename, f"sheet {name!r}, cells {ref}",
                                    f"cells {ref} are merged; unmerge them and write the value in every row "
                                    "(one row per question)", sheet=name, row=_first_row(ref), column=ref))
    return Sheet(name, rows, truncated)


def _merged(worksheet, archive: zipfile.ZipFile) -> list[str]:
    """The merged ranges of a sheet, read from its XML (openpyxl's read-only mode does not expose them)."""
    path = getattr(worksheet, "_worksheet_path", None)  # private, but the only link from a read-only sheet to its part
    if not path:
        return []
    with archive.open(path.lstrip("/")) as part:
        xml = part.read()
    return [match.decode() for match in _MERGE.findall(xml)]


def _first_row(ref: str) -> int:
    """The first row of a range like 'A2:A5'."""
    return int(re.search(r"[0-9]+", ref).group())


def _row_counts(archive: zipfile.ZipFile, parts) -> dict[str, int]:
    """Rows per worksheet part, counted in its XML (already limited in size by MAX_UNPACKED_BYTES)."""
    counts = {}
    for part in parts:
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            with archive.open(part) as stream:
                counts[part.filename] = len(_ROW.findall(stream.read()))
    return counts


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> the sheet's name, from the workbook and its relationships."""
    def attribute(tag: bytes, name: bytes) -> str | None:
        """One attribute of an XML start tag."""
        match = re.search(rb"\b" + name + rb'="([^"]*)"', tag)
        return match.group(1).decode("utf-8", "replace") if match else None
    try:
        targets = {attribute(tag, b"Id"): attribute(tag, b"Target")
                   for tag in _RELATION.findall(archive.read("xl/_rels/workbook.xml.rels"))}
        sheets = _SHEET.findall(archive.read("xl/workbook.xml"))
    except KeyError:
        return {}
    names = {}
    for tag in sheets:
        target = targets.get(attribute(tag, b"r:id") or attribute(tag, b"id"))
        if target:
            names["xl/" + target.lstrip("/").removeprefix("xl/")] = attribute(tag, b"name")
    return names
