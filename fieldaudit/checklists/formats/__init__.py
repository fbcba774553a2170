"""Checklist file formats: read YAML, our spreadsheet layout (.xlsx/.csv) and XLSForm into the plain checklist data
the YAML loader reads, and write a checklist back out as YAML, .xlsx or .csv."""
from __future__ import annotations

from .common import CellProblem, ImportNote, ReadResult
from .reading import read_any, read_with_notes
from .writers import template_xlsx, write_csv, write_xlsx
from .yamlfmt import write_yaml

__all__ = ["CellProblem", "ImportNote", "ReadResult", "read_any", "read_with_notes", "write_yaml", "write_xlsx",
           "write_csv", "template_xlsx"]
