"""Choosing the reader by file kind: every supported file into the plain checklist data the YAML loader reads.

Apart from common.py because the readers import common's types: the dispatcher importing them back made a circle.
"""
from __future__ import annotations

from pathlib import PurePath
from typing import Any

from ..loader import ChecklistError, Problem
from .common import MAX_UPLOAD_BYTES, SPREADSHEET_SUFFIXES, YAML_SUFFIXES, ReadResult
from .sheets import read_spreadsheet
from .yamlfmt import read_yaml


def read_with_notes(data: bytes, filename: str) -> ReadResult:
    """Read any supported file into checklist data and notes; ChecklistError listing every problem."""
    suffix = PurePath(filename).suffix.lower()
    if len(data) > MAX_UPLOAD_BYTES:
        raise ChecklistError([Problem(filename, "", f"the file is {len(data) / 1e6:.1f} MB; a checklist file is at "
                                                    f"most {MAX_UPLOAD_BYTES // 1_000_000} MB")])
    if suffix in YAML_SUFFIXES:
        return ReadResult(read_yaml(data, filename), [], "yaml")
    if suffix in SPREADSHEET_SUFFIXES:
        return read_spreadsheet(data, filename)
    raise ChecklistError([Problem(filename, "", f"unsupported file type {suffix or '(no extension)'!r}; give a "
                                                ".yaml, .xlsx or .csv file (an XLSForm is an .xlsx)")])


def read_any(data: bytes, filename: str) -> dict[str, Any]:
    """Read any supported file into checklist data that `build_checklist` accepts; ChecklistError otherwise."""
    return read_with_notes(data, filename).data
