"""Checklist files of every format for the command line: validate, import (same key: a new version) and export."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ... import db as dbm
from .. import store
from ..loader import ChecklistError, Problem, _check_files, build_checklist
from ..model import Checklist
from .common import MAX_UPLOAD_BYTES, YAML_SUFFIXES
from .reading import read_with_notes

FORMATS = ("yaml", "xlsx", "csv")


@dataclass
class Checked:
    """One file's outcome: the checklist or the problems, and what an XLSForm import left out."""

    name: str
    checklist: Checklist | None
    problems: list[Problem]
    notes: list = field(default_factory=list)
    kind: str = "yaml"


def check_files(paths: Iterable[str | Path], progress: Callable[[str], None] = lambda name: None) -> list[Checked]:
    """Every named file read and validated (folders mean their YAML files); one id and version per checklist."""
    results: list[Checked] = []
    for given in paths:
        progress(str(given))
        path = Path(given)
        if path.is_dir() or path.suffix.lower() in YAML_SUFFIXES:
            results.extend(Checked(name, checklist, problems) for name, checklist, problems in _check_files([given]))
        else:
            results.append(_check_other(path, str(given)))
    owners: dict[tuple[str, int], str] = {}
    for result in results:
        if result.checklist is None:
            continue
        key = (result.checklist.id, result.checklist.version)
        if key in owners and result.kind == "yaml":
            result.problems = [Problem(result.name, "id", f"checklist {key[0]!r} version {key[1]} is also defined "
                                                          f"in {owners[key]}; give each file its own id or version")]
            result.checklist = None
        owners.setdefault(key, result.name)
    return results


def _check_other(path: Path, name: str) -> Checked:
    """A spreadsheet or XLSForm file."""
    try:
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            return Checked(name, None, [Problem(name, "", f"the file is larger than {MAX_UPLOAD_BYTES // 1_000_000} "
                                                          "MB; a checklist workbook is a few hundred kB")])
        data = path.read_bytes()
    except FileNotFoundError:
        return Checked(name, None, [Problem(name, "", "no such file; check the path")])
    except OSError as exc:
        return Checked(name, None, [Problem(name, "", f"cannot read the file: {exc.strerror or exc}")])
    try:
        result = read_with_notes(data, name)
        return Checked(name, build_checklist(result.data, name), [], result.notes, result.kind)
    except ChecklistError as exc:
        return Checked(name, None, exc.problems)


def validate_lines(results: list[Checked]) -> tuple[int, list[str]]:
    """What `fieldaudit checklist validate` prints and its exit code (0 all valid, 2 otherwise)."""
    if not results:
        return 2, ["no checklist files given; name .yaml, .xlsx or .csv files or a folder of .yaml files"]
    lines, bad = [], 0
    for result in results:
        if result.problems:
            bad += 1
            lines.extend(str(p) for p in result.problems)
            continue
        c = result.checklist
        count = sum(1 for _ in c.all_questions())
        lines.append(f"{result.name}: ok: {c.id} v{c.version} \"{c.title}\", {_plural(len(c.sections), 'section')}, "
                     f"{_plural(count, 'question')}")
        lines.extend(f"{result.name}: not imported: {note}" for note in result.notes)
    if bad:
        total = sum(len(r.problems) for r in results)
        return 2, lines + [f"{total} problem(s) in {bad} of {len(results)} file(s)"]
    return 0, lines + [f"all {len(results)} file(s) valid"]


def _plural(count: int, word: str) -> str:
    """'1 section', '2 sections'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def publish_checked(db, result: Checked, by: str | None = None) -> tuple[dict, bool, Checklist]:
    """Publish a checked file; a spreadsheet or XLSForm whose key exists becomes that checklist's next version.

    YAML files carry an authoritative version (today's rule: changed content needs a higher one); people who keep a
    checklist in Excel re-import the same sheet, so its content is compared with the latest version instead.
    """
    checklist = result.checklist
    if result.kind != "yaml":
        head = dbm.query_one(db, "SELECT id FROM checklists WHERE key = ?", (checklist.id,))
        latest = store.latest_version_number(db, head["id"]) if head else 0
        if latest:
            row = dbm.query_one(db, "SELECT * FROM checklist_versions WHERE checklist_id = ? AND version = ?",
                                (head["id"], latest))
            if row["content_hash"] == replace(checklist, version=latest).content_hash():
                return row, False, replace(checklist, version=latest)
            if checklist.version <= latest:
                checklist = replace(checklist, version=latest + 1)
    row, created = store.publish(db, checklist, by=by, source=Path(result.name).name)
    return row, created, checklist


def latest_published(db, key: str, version: int | None = None) -> Checklist:
    """The latest (or a given) published version of a checklist by key; ChecklistError naming what exists."""
    head = dbm.query_one(db, "SELECT id FROM checklists WHERE key = ?", (key,))
    if head is None:
        keys = [r["key"] for r in dbm.query(db, "SELECT key FROM checklists ORDER BY key")]
        raise ChecklistError([Problem(key, "", f"no checklist {key!r}; known: {', '.join(keys) or 'none yet'}")])
    number = version or store.latest_version_number(db, head["id"])
    text = dbm.scalar(db, "SELECT definition FROM checklist_versions WHERE checklist_id = ? AND version = ? AND "
                          "status = 'published'", (head["id"], number))
    if text is None:
        raise ChecklistError([Problem(key, "", f"{key} has no published version {number}")])
    return Checklist.from_dict(json.loads(text))
