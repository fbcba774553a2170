"""Checklist drafts: an editable, possibly invalid definition (the YAML-shaped dict) that becomes the next
immutable published version. A draft is a `checklist_versions` row with status 'draft' and version 0 (its number
is given when it is published, so a version imported meanwhile never collides with it); each save raises its
`revision`, and a save naming an older revision is refused, so one manager never silently overwrites another."""
from __future__ import annotations

import copy
import json
from typing import Any

from .. import db as dbm
from .. import ids, settings, trail
from ..refusal import Refusal
from . import loader, store
from .typespec import SLUG, slugify


class DraftConflict(Refusal):
    """Someone else saved the draft after this person opened it (409)."""

    status = 409


def get_draft(db, checklist_id: str) -> dict | None:
    """The draft row of a checklist, or None."""
    return dbm.query_one(db, "SELECT * FROM checklist_versions WHERE checklist_id = ? AND status = 'draft'",
                         (checklist_id,))


def get(db, version_id: str) -> tuple[dict, dict, dict]:
    """(version row, checklist head, definition dict) of a draft; 404 when it is not a draft any more."""
    row = dbm.query_one(db, "SELECT * FROM checklist_versions WHERE id = ?", (version_id,))
    if row is None or row["status"] != "draft":
        raise Refusal("This draft no longer exists: it was published or discarded.", 404)
    head = store.get_checklist(db, row["checklist_id"])
    return row, head, json.loads(row["definition"])


def list_drafts(db) -> list[dict]:
    """Every draft with its checklist key and who edited it last, newest edit first."""
    return dbm.query(db, "SELECT v.id, v.title, v.question_count, v.revision, v.edited_at, v.checklist_id, c.key,"
                         " u.display_name AS edited_by_name FROM checklist_versions v"
                         " JOIN checklists c ON c.id = v.checklist_id LEFT JOIN users u ON u.id = v.edited_by"
                         " WHERE v.status = 'draft' ORDER BY v.edited_at DESC")


def next_version(db, checklist_id: str) -> int:
    """The number the draft will be published as."""
    return store.latest_version_number(db, checklist_id) + 1


def save_draft(db, key: str, data: dict, *, by: str | None, source: str = "",
               revision: int | None = None) -> dict:
    """Create or replace the draft of checklist `key`; `revision` is the one the editor saw (None: no check)."""
    store.ensure_editable(db)
    if not isinstance(key, str) or not SLUG.match(key):
        raise Refusal(f"{key!r} is not a valid checklist id; use lowercase letters, digits, '-' or '_' "
                      f"(e.g. {slugify(str(key)) or 'my-checklist'!r}).", 422)
    if not isinstance(data, dict):
        raise Refusal("A checklist draft must be a mapping with title and sections.", 422)
    data = {**data, "id": key}
    now, origin = ids.now_iso(), settings.device_id(db)
    with dbm.transaction(db):
        head = dbm.query_one(db, "SELECT * FROM checklists WHERE key = ?", (key,))
        if head is None:
            head = {"id": ids.new_id(), "key": key, "title": _text(data.get("title")) or key,
                    "standard": _text(data.get("standard")), "active": 1, "created_at": now, "updated_at": now,
                    "origin": origin}
            db["checklists"].insert(head)
        data["version"] = next_version(db, head["id"])
        fields = {"title": _text(data.get("title")) or key, "definition": json.dumps(data, ensure_ascii=False),
                  "question_count": count_questions(data), "edited_by": by, "edited_at": now, "updated_at": now}
        row = get_draft(db, head["id"])
        if row is None:
            row = {"id": ids.new_id(), "checklist_id": head["id"], "version": 0, "content_hash": "",
                   "status": "draft", "source": source, "revision": 1, "created_at": now, "origin": origin,
                   **fields}
            db["checklist_versions"].insert(row)
            return row
        if revision is not None and int(revision) != row["revision"]:
            raise DraftConflict(_conflict_message(db, row))
        changed = dbm.execute(db, "UPDATE checklist_versions SET title = ?, definition = ?, question_count = ?,"
                                  " edited_by = ?, edited_at = ?, updated_at = ?, revision = revision + 1,"
                                  " source = CASE WHEN ? = '' THEN source ELSE ? END"
                                  " WHERE id = ? AND status = 'draft' AND revision = ?",
                              (fields["title"], fields["definition"], fields["question_count"], by, now, now,
                               source, source, row["id"], row["revision"]))
        if changed != 1:
            raise DraftConflict(_conflict_message(db, row))
    return {**row, **fields, "revision": row["revision"] + 1, "source": source or row["source"]}


def new_checklist(db, key: str, title: str, *, by: str | None) -> dict:
    """A new checklist whose only version is a draft with one empty section; 409 when the key is taken."""
    store.ensure_editable(db)
    title = (title or "").strip()
    if not title:
        raise Refusal("Give the checklist a title.", 422)
    key = (key or "").strip() or slugify(title)
    with dbm.transaction(db):
        if dbm.query_one(db, "SELECT 1 FROM checklists WHERE key = ?", (key,)):
            raise Refusal(f"A checklist with the id {key!r} already exists; open it, or choose another id.", 409)
        return save_draft(db, key, {"title": title, "sections": [{"title": "Section 1", "questions": []}]}, by=by)


def new_version_from(db, version_id: str, *, by: str | None) -> dict:
    """A draft that starts as a copy of a published version ("new version from this one")."""
    with dbm.transaction(db):
        row = dbm.query_one(db, "SELECT v.*, c.key FROM checklist_versions v JOIN checklists c"
                                " ON c.id = v.checklist_id WHERE v.id = ?", (version_id,))
        if row is None or row["status"] != "published":
            raise Refusal("No such published checklist version.", 404)
        if get_draft(db, row["checklist_id"]) is not None:
            raise Refusal("This checklist already has a draft: open it, or discard it first.", 409)
        return save_draft(db, row["key"], json.loads(row["definition"]), by=by,
                          source=f"from version {row['version']}")


def problems(db, version_id: str) -> list[loader.Problem]:
    """What the validator says about a draft as it is now (empty: it can be published)."""
    row, head, data = get(db, version_id)
    try:
        loader.build_checklist(_as_published(data, head, next_version(db, head["id"])), head["key"])
    except loader.ChecklistError as error:
        return error.problems
    return []


def publish_draft(db, version_id: str, *, by: str | None, revision: int | None = None) -> dict:
    """Validate the draft with the CLI's validator and turn it into the next immutable published version."""
    store.ensure_editable(db)
    now = ids.now_iso()
    with dbm.transaction(db):
        row, head, data = get(db, version_id)
        if revision is not None and int(revision) != row["revision"]:
            raise DraftConflict(_conflict_message(db, row))
        number = next_version(db, head["id"])
        checklist = loader.build_checklist(_as_published(data, head, number), head["key"])
        published = {"version": number, "title": checklist.title, "definition": checklist.to_json(),
                     "content_hash": checklist.content_hash(),
                     "question_count": sum(1 for _ in checklist.all_questions()), "status": "published",
                     "published_at": now, "published_by": by, "updated_at": now}
        assigned = ", ".join(f"{k} = ?" for k in published)
        dbm.execute(db, f"UPDATE checklist_versions SET {assigned} WHERE id = ? AND status = 'draft'",
                    (*published.values(), version_id))
        row = {**row, **published}
        trail.append(db, actor_id=by, action="checklist.published", record_type="checklist_version",
                     record_id=version_id, payload={k: row[k] for k in store.PUBLISHED_FIELDS})
        dbm.execute(db, "UPDATE checklists SET title = ?, standard = ?, updated_at = ? WHERE id = ?",
                    (checklist.title, checklist.standard or "", now, head["id"]))
    return row


def discard_draft(db, version_id: str, *, by: str | None, revision: int | None = None) -> dict:
    """Delete a draft; a checklist that was never published goes with it. Returns the checklist head."""
    store.ensure_editable(db)
    with dbm.transaction(db):
        row, head, _ = get(db, version_id)
        if revision is not None and int(revision) != row["revision"]:
            raise DraftConflict(_conflict_message(db, row))
        dbm.execute(db, "DELETE FROM checklist_versions WHERE id = ? AND status = 'draft'", (version_id,))
        if not store.latest_version_number(db, head["id"]):
            dbm.execute(db, "DELETE FROM checklists WHERE id = ?", (head["id"],))
    return head


def count_questions(data: dict) -> int:
    """How many question entries a (possibly invalid) definition has."""
    sections = data.get("sections") if isinstance(data, dict) else None
    return sum(len(s["questions"]) for s in sections or () if isinstance(s, dict)
               and isinstance(s.get("questions"), list))


def _as_published(data: dict, head: dict, number: int) -> dict:
    """The definition with the checklist's own id and the version number it is published as."""
    return {**copy.deepcopy(data), "id": head["key"], "version": number}


def _text(value: Any) -> str:
    """A title-like value as text ('' when missing or not text)."""
    return value.strip() if isinstance(value, str) else ""


def _conflict_message(db, row: dict) -> str:
    """What a person is told when the draft changed under them."""
    current = get_draft(db, row["checklist_id"]) or row
    who = dbm.scalar(db, "SELECT display_name FROM users WHERE id = ?", (current.get("edited_by"),)) or "someone"
    return (f"{who} changed this draft after you opened it; your change was not saved. Reload the draft to see "
            "theirs, then make your change again.")
