"""Apply one received change to this database: insert, field merge by clock, immutable duplicates (no Flask).

Runs inside the caller's write transaction and inside `outbox.applying`, so nothing applied here echoes back.
The same rules run on the hub (a device's push) and on a device (a pull from the hub); `hub` says which side
this is: the hub records merge conflicts (they then travel down as CAPA history), a device follows the hub.
"""
import json

from .. import db as dbm
from .. import ids
from . import outbox, tables

APPLIED, DUPLICATE, CONFLICT, REFUSED, WAITING = "applied", "duplicate", "conflict", "refused", "waiting"


class Outcome(Exception):
    """A change that ends other than applied: status and the reason a person reads."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def columns(db, name: str) -> list[str]:
    """The table's columns here (a newer peer's extra columns are left out, never an error)."""
    cache = getattr(db, "_sync_columns", None)
    if cache is None:
        cache = db._sync_columns = {}
    if name not in cache:
        cache[name] = [c.name for c in db[name].columns]
    return cache[name]


def current(db, table: tables.Table, key: str, lock: bool = False) -> dict | None:
    """The row with this key, or None; `lock` keeps it locked until commit (PostgreSQL's parallel pushes)."""
    where, params = tables.key_where(table, key)
    return dbm.query_one(db, f"SELECT * FROM {table.name} WHERE {where}{dbm.for_update(db) if lock else ''}",
                         params)


def _insert(db, name: str, data: dict) -> None:
    # Plain SQL: sqlite-utils' insert re-reads the table's shape on every call, the bulk of a first sync's time.
    if not data:
        db[name].insert(data)
        return
    values = [json.dumps(v) if isinstance(v, (dict, list)) else v for v in data.values()]
    names = ", ".join(f'"{c}"' for c in data)
    db.conn.execute(f"INSERT INTO {name} ({names}) VALUES ({', '.join('?' * len(data))})", values)


def _same(a, b) -> bool:
    return a == b or (a is not None and b is not None and str(a) == str(b))


def apply(db, change: dict, *, hub: bool, device_id: str | None = None) -> tuple[str, dict]:
    """(status, the fields or row actually written) for one change; raises Outcome for anything not applied."""
    table = tables.BY_NAME.get(change["table"])
    if table is None:
        raise Outcome(REFUSED, f"{change['table']} does not sync")
    key, op, data = change["key"], change["op"], change.get("data") or {}
    cols = columns(db, table.name)
    data = {k: v for k, v in data.items() if k in cols}
    # On the hub the row is locked as read: a merge decided on it must not be overtaken by another batch's.
    row = current(db, table, key, lock=hub)
    try:
        if op == "delete":
            if row is None:
                return DUPLICATE, {}
            where, params = tables.key_where(table, key)
            dbm.execute(db, f"DELETE FROM {table.name} WHERE {where}", params)
            return APPLIED, {}
        if row is None:
            if op == "update":
                raise Outcome(REFUSED, f"{table.name} {key} is not here (its insert was refused or is missing)")
            # No field stamps for an insert: a field without one is "as first made", on every replica alike.
            _insert(db, table.name, data)
            return APPLIED, data
        if op == "upsert":
            written = {k: v for k, v in data.items() if not _same(row.get(k), v)}
        elif table.immutable or (op == "insert" and table.direction == tables.UP):
            differing = [k for k, v in data.items() if not _same(row.get(k), v)]
            if not differing:
                return DUPLICATE, {}
            raise Outcome(CONFLICT, f"{table.name} {key} exists with different {', '.join(differing)}:"
                                    " a record that cannot change is not overwritten")
        elif table.direction == tables.BOTH:
            written = _merge(db, table, key, row, data, change, hub=hub, device_id=device_id)
        else:
            written = {k: v for k, v in data.items() if not _same(row.get(k), v)}
        if written:
            where, params = tables.key_where(table, key)
            sets = ", ".join(f"{k} = ?" for k in written)
            dbm.execute(db, f"UPDATE {table.name} SET {sets} WHERE {where}", [*written.values(), *params])
        return (APPLIED if written or op == "update" else DUPLICATE), written
    except dbm.IntegrityError as exc:
        # The receiver's own rules (a submitted audit is read-only, a unique number) refuse it.
        raise Outcome(CONFLICT, f"{table.name} {key}: {exc}") from exc


def _stamp(db, name, key, field, stamp):
    dbm.execute(db, "INSERT INTO sync_fields (tbl, row_key, field, hlc) VALUES (?, ?, ?, ?) ON CONFLICT"
                    " (tbl, row_key, field) DO UPDATE SET hlc = excluded.hlc", (name, key, field, stamp))


def _merge(db, table, key, row, data, change, *, hub, device_id) -> dict:
    """Per-field last writer wins by clock; a field changed on both sides since they last agreed is a conflict,
    recorded on the hub with both values (the overwritten one stays in the CAPA's history)."""
    stamps = {r["field"]: r["hlc"] for r in dbm.query(
        db, "SELECT field, hlc FROM sync_fields WHERE tbl = ? AND row_key = ?", (table.name, key))}
    base = change.get("base") or {}
    incoming = change["hlc"]
    written = {}
    for field, value in data.items():
        if field in table.command_owned and hub:
            continue  # state moves travel as commands and are applied by them, never as a plain field
        if field in ("updated_at", "field_stamps"):
            continue
        mine = stamps.get(field)
        concurrent = mine is not None and base.get(field) != mine and not _same(row.get(field), value)
        wins = mine is None or (incoming, change["id"]) > (mine, "")
        if wins:
            if not _same(row.get(field), value):
                written[field] = value
            _stamp(db, table.name, key, field, incoming)
        if concurrent and hub:
            kept, lost = (value, row.get(field)) if wins else (row.get(field), value)
            _conflict(db, change, table, key, field, kept, lost, "changed on two devices", device_id)
    if "field_stamps" in data and data["field_stamps"]:
        # The screens' per-field stamps follow the values: a field's stamp comes with the edit that won. A writer
        # may log the stamps as a change of their own right after the value's (capa.data.save_fields does): then
        # a stamp newer than ours is taken when no later value of that field has been applied here since.
        mine_stamps, theirs = json.loads(row.get("field_stamps") or "{}"), json.loads(data["field_stamps"])
        merged = dict(mine_stamps)
        for field, stamp in theirs.items():
            newer = (stamps.get(field) or 0) <= incoming and \
                str((stamp or {}).get("at", "")) > str((mine_stamps.get(field) or {}).get("at", ""))
            if field in written or field not in mine_stamps or newer:
                merged[field] = stamp
        if merged != mine_stamps:
            written["field_stamps"] = json.dumps(merged, sort_keys=True)
    if written and "updated_at" in data:
        written["updated_at"] = max(str(data["updated_at"]), str(row.get("updated_at") or ""))
    return written


def _conflict(db, change, table, key, field, kept, lost, reason, device_id):
    """Record a conflict; on a CAPA also in its history, logged so it reaches every device."""
    dbm.execute(db, "INSERT INTO sync_conflicts (id, change_id, device_id, tbl, row_key, field, kept, lost, reason,"
                    " at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ids.new_id(), change["id"], device_id, table.name, key, field,
                 None if kept is None else str(kept), None if lost is None else str(lost), reason, ids.now_iso()))
    capa_id = key if table.name == "capas" else (
        dbm.scalar(db, "SELECT capa_id FROM capa_actions WHERE id = ?", (key,)) if table.name == "capa_actions"
        else None)
    if capa_id and field and dbm.scalar(db, "SELECT COUNT(*) FROM sync_apply"):
        from ..capa.data import add_event
        with outbox.recording(db):
            add_event(db, capa_id, None, "sync_conflict", field, lost, kept,
                      note=f"Changed on two devices: kept the later edit; the other value is shown here ({reason}).")
