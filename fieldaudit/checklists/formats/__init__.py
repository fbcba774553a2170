"""Checklist file formats: read YAML, our spreadsheet layout (.xlsx/.csv) and XLSForm into the plain checklist data
the YAML loader reads, and write a checklist back out as YAML, .xlsx or .csv."""
from __future__ import annotations

from .common import CellProblem, ReadResult, read_any, read_with_notes
from .yamlfmt import write_yaml

__all__ = ["CellProblem", "ReadResult", "read_any", "read_with_notes", "write_yaml"]
