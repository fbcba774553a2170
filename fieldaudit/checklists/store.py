"""Checklists in the database: publishing immutable versions and loading the exact version an audit uses."""
import json

from .. import db as dbm
from .. import ids, settings, trail
from ..refusal import Refusal
from .model import Checklist


# What a publication seals into the audit trail (the definition through its SHA-256, content_hash).
PUBLISHED_FIELDS = ("checklist_id", "version", "title", "content_hash", "question_count", "published_at",
                    "published_by")


class PublishError(Refusal):
    """Why a checklist version cannot be published: each case is a conflict with what is already there (409)."""

    status = 409


def ensure_editable(db) -> None:
    """Checklists are authored on the hub once this site server is paired."""
    if settings.hub_paired(db):
        raise PublishError("This site server is paired with a hub: checklists are published at head office.")


def publish(db, checklist: Checklist, *, by: str | None, source: str = "") -> tuple[dict, bool]:
    """Publish a validated checklist; returns (version row, created). Same content again is a no-op.

    The file's `version` is authoritative: a published version never changes, so changed content must come
    with a higher version number.
    """
    ensure_editable(db)
    now = ids.now_iso()
    with dbm.transaction(db):
        head = dbm.query_one(db, "SELECT * FROM checklists WHERE key = ?", (checklist.id,))
        if head is None:
            head = {"id": ids.new_id(), "key": checklist.id, "title": checklist.title,
                    "standard": checklist.standard or "", "active": 1, "created_at": now, "updated_at": now,
                    "origin": settings.device_id(db)}
            db["checklists"].insert(head)
        same = dbm.query_one(db, "SELECT * FROM checklist_versions WHERE checklist_id = ? AND version = ?",
                             (head["id"], checklist.version))
        if same is not None:
            if same["content_hash"] == checklist.content_hash():
                return same, False
            raise PublishError(f"{checklist.id} version {checklist.version} is already published and cannot "
                               f"change; raise `version` to {latest_version_number(db, head['id']) + 1}.")
        latest = latest_version_number(db, head["id"])
        if checklist.version < latest:
            raise PublishError(f"{checklist.id} is already at version {latest}; a new version must be higher.")
        row = {"id": ids.new_id(), "checklist_id": head["id"], "version": checklist.version,
               "title": checklist.title, "definition": checklist.to_json(),
               "content_hash": checklist.content_hash(),
               "question_count": sum(1 for _ in checklist.all_questions()), "status": "published",
               "published_at": now, "published_by": by, "source": source, "created_at": now, "updated_at": now,
               "origin": settings.device_id(db)}
        db["checklist_versions"].insert(row)
        trail.append(db, actor_id=by, action="checklist.published", record_type="checklist_version",
                     record_id=row["id"], payload={k: row[k] for k in PUBLISHED_FIELDS})
        dbm.execute(db, "UPDATE checklists SET title = ?, standard = ?, updated_at = ? WHERE id = ?",
                    (checklist.title, checklist.standard or "", now, head["id"]))
    return row, True


def latest_version_number(db, checklist_id: str) -> int:
    """The highest published version of a checklist (0 when none)."""
    return dbm.scalar(db, "SELECT MAX(version) FROM checklist_versions WHERE checklist_id = ?"
                          " AND status = 'published'", (checklist_id,)) or 0


def list_checklists(db, active_only: bool = True) -> list[dict]:
    """Checklists with their latest published version, by title."""
    return dbm.query(
        db, "SELECT c.*, v.id AS version_id, v.version, v.question_count, v.published_at"
            " FROM checklists c JOIN checklist_versions v ON v.checklist_id = c.id AND v.status = 'published'"
            " AND v.version = (SELECT MAX(version) FROM checklist_versions x WHERE x.checklist_id = c.id"
            " AND x.status = 'published')"
            + (" WHERE c.active = 1" if active_only else "") + " ORDER BY c.title")


def list_versions(db, checklist_id: str) -> list[dict]:
    """The published versions of a checklist, newest first (without their definitions; drafts are in drafts.py)."""
    return dbm.query(db, "SELECT id, version, title, status, question_count, published_at, published_by, source"
                         " FROM checklist_versions WHERE checklist_id = ? AND status = 'published'"
                         " ORDER BY version DESC", (checklist_id,))


def get_checklist(db, checklist_id: str) -> dict | None:
    """One checklist head row."""
    return dbm.query_one(db, "SELECT * FROM checklists WHERE id = ?", (checklist_id,))


def find_checklist(db, key: str) -> dict | None:
    """One checklist head row by its key (the file's `id`)."""
    return dbm.query_one(db, "SELECT * FROM checklists WHERE key = ?", (key,))


def load_version(db, version_id: str) -> Checklist:
    """The Checklist of a published version; parsed once per process, since a published version never changes."""
    checklist = _parsed.get(version_id)
    if checklist is None:
        text = dbm.scalar(db, "SELECT definition FROM checklist_versions WHERE id = ? AND status = 'published'",
                          (version_id,))
        if text is None:
            raise KeyError(version_id)
        checklist = Checklist.from_dict(json.loads(text))
        if len(_parsed) >= 256:
            _parsed.clear()
        _parsed[version_id] = checklist
    return checklist


# ULIDs are unique across databases, so one process-wide cache serves every database it opens.
_parsed: dict[str, Checklist] = {}
