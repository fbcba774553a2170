"""The sealed head of the audit trail: a small file beside the database that a deleted trail entry cannot reach
(on a PostgreSQL hub, in its DATA_DIR beside the blobs: outside the database, on the hub's own volume).

The database alone cannot prove it was not cut back: whoever deletes the last entries of a hash chain leaves a
shorter chain that is still intact. So after every commit that adds a trail entry, the newest (sequence, hash) of
each writer is written to `trail-seal.json` in the data folder (0600); verify then requires that exact entry. The
same head is printed on every audit report and, once devices sync, will be anchored on the hub.
"""
import json
import os
from pathlib import Path

from . import db as dbm

try:
    import fcntl
except ImportError:  # Windows: one server process per data folder, so no other writer to wait for
    fcntl = None

FILENAME = "trail-seal.json"


def path_of(db) -> Path | None:
    """Where the seal of this database lives: beside the SQLite file, or in a PostgreSQL hub's DATA_DIR (None for
    an in-memory database or a connection opened without the settings)."""
    folder = dbm.folder_of(db)
    return folder / FILENAME if folder else None


def heads(db) -> dict[str, dict]:
    """The newest entry of every writer's chain in the database: {writer: {"seq", "hash"}}."""
    rows = dbm.query(db, "SELECT writer, seq, hash FROM audit_trail t WHERE seq = "
                         "(SELECT MAX(seq) FROM audit_trail x WHERE x.writer = t.writer) ORDER BY writer")
    return {r["writer"]: {"seq": r["seq"], "hash": r["hash"]} for r in rows}


def read(path: Path) -> dict[str, dict] | None:
    """The sealed heads in a seal file, or None when there is none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["heads"]
    except FileNotFoundError:
        return None


def advance(db) -> None:
    """Move the seal forward to the committed heads; never back (another process may have sealed further)."""
    path = path_of(db)
    if path is None:
        return
    fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            sealed = read(path) or {}
        except (ValueError, KeyError, TypeError):
            sealed = {}  # a damaged seal is reported by verify; sealing again must not fail the user's action
        merged = dict(sealed)
        for writer, head in heads(db).items():
            if writer not in merged or head["seq"] > merged[writer]["seq"]:
                merged[writer] = head
        if merged != sealed:
            _write(path, {"heads": merged})
    finally:
        os.close(fd)


def _write(path: Path, value: dict) -> None:
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(value, sort_keys=True, indent=1))
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temp, 0o600)
    os.replace(temp, path)


def check(db) -> list[str]:
    """Problems found comparing the database's chains with the seal: a missing seal, or a chain cut back."""
    path = path_of(db)
    current = heads(db)
    if path is None:
        return []
    try:
        sealed = read(path)
    except (ValueError, KeyError, TypeError):
        return [f"trail seal {path}: it is damaged, so a shortened trail could go unnoticed"]
    if sealed is None:
        if current:
            return [f"trail seal {path}: it is missing, so a shortened trail could go unnoticed"]
        return []
    problems = []
    for writer, head in sorted(sealed.items()):
        row = dbm.query_one(db, "SELECT hash FROM audit_trail WHERE writer = ? AND seq = ?", (writer, head["seq"]))
        last = current.get(writer, {"seq": 0})["seq"]
        if row is None:
            problems.append(f"trail of {writer}: the seal names entry #{head['seq']} but the trail ends at "
                            f"#{last}; entries were deleted")
        elif row["hash"] != head["hash"]:
            problems.append(f"trail of {writer}: entry #{head['seq']} is not the sealed entry; the trail was "
                            "rewritten")
    return problems
