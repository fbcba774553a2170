"""Set-aside changes and merge conflicts as a person reviews them (no Flask): what, who, when, why; discard.

A set-aside change is one the hub refused (or found stale): it was never applied there and is never sent again.
Discarding it records who looked at it and decided, in the set-aside row and in the audit trail, so the screen's
list only holds what still needs a person. The local row is left as it is: what happened here stays visible.
"""
import json
from datetime import datetime, timezone

from .. import db as dbm
from .. import ids, trail
from ..refusal import Refusal
from . import hlc

# Columns that name the person who made a row, in the order they are trusted.
_AUTHORS = ("updated_by", "actor_id", "recorded_by", "uploaded_by", "user_id", "created_by", "auditor_id",
            "owner_id")
_NOISE = {"id", "created_at", "updated_at", "origin", "field_stamps"}


def _when(stamp: int | None) -> str | None:
    if not stamp:
        return None
    return ids.iso(datetime.fromtimestamp(hlc.wall_ms(stamp) / 1000, tz=timezone.utc))


def _author(db, table: str, key: str, data: dict) -> str | None:
    for column in _AUTHORS:
        if data.get(column):
            return data[column]
    try:
        row = dbm.query_one(db, f"SELECT * FROM {table} WHERE id = ?", (key,))
    except Exception:  # noqa: BLE001 - a table keyed otherwise (e.g. finding_triage): no author to show
        row = None
    for column in _AUTHORS:
        if row and row.get(column):
            return row[column]
    return None


def set_aside(db, site_ids: list[str] | None) -> list[dict]:
    """Open set-aside changes at these sites (None: all), newest first, with what changed, who, when and why."""
    rows = dbm.query(db, "SELECT s.*, c.data, c.hlc, c.site_id FROM sync_set_aside s"
                         " LEFT JOIN changes c ON c.id = s.change_id WHERE s.resolved_at IS NULL"
                         " ORDER BY s.set_aside_at DESC, s.seq DESC")
    names = {u["id"]: u["display_name"] for u in dbm.query(db, "SELECT id, display_name FROM users")}
    shown = []
    for row in rows:
        if site_ids is not None and row["site_id"] is not None and row["site_id"] not in site_ids:
            continue
        data = json.loads(row["data"]) if row["data"] else {}
        author = _author(db, row["tbl"], row["row_key"], data)
        if not row["reason"] and row["tbl"] == "capa_commands":  # the hub's answer came back with the command
            row["reason"] = dbm.scalar(db, "SELECT message FROM capa_commands WHERE id = ?", (row["row_key"],)) or ""
        shown.append({**row, "fields": {k: v for k, v in data.items() if k not in _NOISE and v not in (None, "")},
                      "author": names.get(author, author), "made_at": _when(row["hlc"])})
    return shown


def get_set_aside(db, change_id: str) -> dict | None:
    """One set-aside change (open or discarded) with its site."""
    return dbm.query_one(db, "SELECT s.*, c.site_id FROM sync_set_aside s LEFT JOIN changes c ON c.id = s.change_id"
                             " WHERE s.change_id = ?", (change_id,))


def discard(db, change_id: str, *, by: str) -> dict:
    """Mark a set-aside change as discarded by `by` (recorded in the trail); 409 if someone already did."""
    with dbm.transaction(db):
        row = get_set_aside(db, change_id)
        if row is None:
            raise Refusal("No such set-aside change.", 404)
        if row["resolved_at"] is not None:
            raise Refusal("This change was already discarded.", 409)
        now = ids.now_iso()
        dbm.execute(db, "UPDATE sync_set_aside SET resolved_at = ?, resolved_by = ? WHERE change_id = ?"
                        " AND resolved_at IS NULL", (now, by, change_id))
        trail.append(db, actor_id=by, action="sync.change_discarded", record_type=row["tbl"],
                     record_id=row["row_key"], payload={"change_id": change_id, "op": row["op"],
                                                        "status": row["status"], "reason": row["reason"]})
    return {**row, "resolved_at": now, "resolved_by": by}


def capa_conflicts(db, site_ids: list[str] | None) -> list[dict]:
    """On a device: the conflicts merges wrote into CAPA histories (they come down from the hub), newest first."""
    # A sync_conflict event holds (lost, kept); a refused state command (expected, its target): the hub's state kept.
    rows = dbm.query(db, "SELECT e.capa_id, e.field, CASE e.kind WHEN 'conflict' THEN c.state ELSE e.new_value END"
                         " AS kept, CASE e.kind WHEN 'conflict' THEN e.new_value ELSE e.old_value END AS lost,"
                         " e.note AS reason,"
                         " e.at, c.number AS capa_number, c.title AS capa_title, c.site_id FROM capa_events e"
                         " JOIN capas c ON c.id = e.capa_id WHERE e.kind IN ('sync_conflict', 'conflict')"
                         " ORDER BY e.at DESC")
    return [r for r in rows if site_ids is None or r["site_id"] in site_ids]


def conflicts(db, site_ids: list[str] | None, device_id: str | None = None) -> list[dict]:
    """On the hub: merge conflicts recorded for devices' changes (of one device when given), newest first."""
    sql = ("SELECT k.*, COALESCE(p.id, a.capa_id) AS capa_id, cp.number AS capa_number, cp.title AS capa_title,"
           " cp.site_id FROM sync_conflicts k"
           " LEFT JOIN capas p ON k.tbl = 'capas' AND p.id = k.row_key"
           " LEFT JOIN capa_actions a ON k.tbl = 'capa_actions' AND a.id = k.row_key"
           " LEFT JOIN capas cp ON cp.id = COALESCE(p.id, a.capa_id)")
    params: list = []
    if device_id is not None:
        sql += " WHERE k.device_id = ?"
        params.append(device_id)
    rows = dbm.query(db, sql + " ORDER BY k.at DESC", params)
    # A conflict whose CAPA is not (yet) here has no site: it is shown to whoever reviews this device.
    return [r for r in rows if site_ids is None or r["site_id"] is None or r["site_id"] in site_ids]
