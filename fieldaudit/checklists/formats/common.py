"""What every reader shares: the result type, problems that name a cell, the size limit and the file kinds."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..loader import Problem

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
