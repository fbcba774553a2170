"""What every reader shares: the result type, problems that name a cell, and choosing the reader by file kind."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..loader import ChecklistError, Problem

MAX_UPLOAD_BYTES = 5_000_000  # the largest shipped checklist is 19 kB as .xlsx; 5 MB is room for photos of logos
YAML_SUFFIXES = (".yaml", ".yml")
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass(frozen=True)
class CellProblem(Problem):
    """A problem in a spreadsheet: `path` reads "sheet 'questions', row 12, column F (min)"; the parts stay apart."""

    sheet: str | None = None
    row: int | None = None
    column: str | None = None


@dataclass(frozen=True)
class ImportNote:
    """Something of the form that was not imported (or imported differently), with the survey row it is on."""

    row: int | None
    name: str
    message: str

    def __str__(self) -> str:
        """`survey row 9, adults: …`, or `settings: …` for the form as a whole."""
        where = f"survey row {self.row}" if self.row else "settings"
        return f"{where}, {self.name}: {self.message}" if self.name else f"{where}: {self.message}"


@dataclass
class ReadResult:
    """Checklist data as the YAML loader reads it, plus what an import could not carry over (XLSForm)."""

    data: dict[str, Any]
    notes: list[ImportNote] = field(default_factory=list)
    kind: str = "yaml"  # yaml, sheet (our spreadsheet layout) or xlsform


def read_with_notes(data: bytes, filename: str) -> ReadResult:
    """Read any supported file into checklist data and notes; ChecklistError listing every problem."""
    suffix = PurePath(filename).suffix.lower()
    if len(data) > MAX_UPLOAD_BYTES:
        raise ChecklistError([Problem(filename, "", f"the file is {len(data) / 1e6:.1f} MB; a checklist file is at "
                                                    f"most {MAX_UPLOAD_BYTES // 1_000_000} MB")])
    if suffix in YAML_SUFFIXES:
        from .yamlfmt import read_yaml

        return ReadResult(read_yaml(data, filename), [], "yaml")
    if suffix in SPREADSHEET_SUFFIXES:
        from .sheets import read_spreadsheet

        return read_spreadsheet(data, filename)
    raise ChecklistError([Problem(filename, "", f"unsupported file type {suffix or '(no extension)'!r}; give a "
                                                ".yaml, .xlsx or .csv file (an XLSForm is an .xlsx)")])


def read_any(data: bytes, filename: str) -> dict[str, Any]:
    """Read any supported file into checklist data that `build_checklist` accepts; ChecklistError otherwise."""
    return read_with_notes(data, filename).data
