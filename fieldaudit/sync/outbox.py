"""The outbox: SQL triggers that log every syncable write in its own transaction, and reading it (no Flask).

A data function cannot forget to log: the triggers (made from tables.TABLES by migration 0013) fire on every
INSERT, UPDATE and DELETE. Changes applied from a peer must not echo back, so while `applying` holds, a row in
`sync_apply` (inserted and deleted inside the same write transaction, so no other connection ever sees it) makes
the triggers stand down. Triggers in the main schema cannot read temp tables, hence a real table.
"""
from contextlib import contextmanager

from .. import db as dbm
from .. import ids
from . import hlc, tables

ALPHABET = ids.ULID_ALPHABET


def _ulid_sql() -> str:
    """A ULID made in SQL: 10 characters of milliseconds, 16 of randomness."""
    ms = hlc.NOW_MS_SQL
    time_part = [f"substr('{ALPHABET}', (({ms} >> {45 - 5 * i}) & 31) + 1, 1)" for i in range(10)]
    rand_part = [f"substr('{ALPHABET}', (random() & 31) + 1, 1)" for _ in range(16)]
    return " || ".join(time_part + rand_part)


def trigger_sql(db, table: tables.Table) -> list[str]:
    """The three trigger statements that log writes to `table`."""
    cols = [c.name for c in db[table.name].columns]
    name = table.name
    off = "NOT EXISTS (SELECT 1 FROM sync_apply)"

    def obj(alias):
        return "json_object(" + ", ".join(f"'{c}', {alias}.{c}" for c in cols) + ")"

    def site(alias):
        return tables.site_sql(table, alias) or "NULL"

    def insert_change(op, alias, data, base="NULL"):
        return (f"INSERT INTO changes (id, tbl, row_key, op, data, base, hlc, site_id) VALUES ({_ulid_sql()}, "
                f"'{name}', {tables.key_sql(table, alias)}, '{op}', {data}, {base}, {hlc.SQL_NEXT}, {site(alias)});")

    changed = " UNION ALL ".join(f"SELECT '{c}' AS k, NEW.{c} AS v WHERE OLD.{c} IS NOT NEW.{c}" for c in cols)
    any_changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in cols)
    diff = f"(SELECT json_group_object(k, v) FROM ({changed}))"
    base, stamp_fields = "NULL", ""
    if table.direction == tables.BOTH:
        # The stamp each changed field had before this write: the receiver tells a sequential edit (it had seen
        # the stamp it replaces) from a concurrent one (a conflict, recorded).
        key = tables.key_sql(table, "NEW")
        base = (f"(SELECT json_group_object(k, (SELECT hlc FROM sync_fields f WHERE f.tbl = '{name}' AND "
                f"f.row_key = {key} AND f.field = k)) FROM ({changed}))")
        stamp_fields = (f"INSERT INTO sync_fields (tbl, row_key, field, hlc) SELECT '{name}', {key}, k, "
                        f"(SELECT MAX(hlc) FROM changes) FROM ({changed}) WHERE true "
                        "ON CONFLICT (tbl, row_key, field) DO UPDATE SET hlc = excluded.hlc;")
    new_local, old_local = tables.local_sql(table, "NEW"), tables.local_sql(table, "OLD")
    if new_local is None:
        return [
            f"CREATE TRIGGER sync_{name}_insert AFTER INSERT ON {name} WHEN {off} BEGIN "
            f"{insert_change('insert', 'NEW', obj('NEW'))} END",
            f"CREATE TRIGGER sync_{name}_update AFTER UPDATE ON {name} WHEN {off} AND ({any_changed}) BEGIN "
            f"{insert_change('update', 'NEW', diff, base)} {stamp_fields} END",
            f"CREATE TRIGGER sync_{name}_delete AFTER DELETE ON {name} WHEN {off} BEGIN "
            f"{insert_change('delete', 'OLD', 'NULL')} END",
        ]
    # A local row (a draft) is not logged at all; the write that makes it shareable (publishing) logs the whole
    # row as an insert, since no peer has seen any of it. IS NOT TRUE: a NULL status is not local.
    return [
        f"CREATE TRIGGER sync_{name}_insert AFTER INSERT ON {name} WHEN {off} AND {new_local} IS NOT TRUE BEGIN "
        f"{insert_change('insert', 'NEW', obj('NEW'))} END",
        f"CREATE TRIGGER sync_{name}_update AFTER UPDATE ON {name} WHEN {off} AND ({any_changed}) AND "
        f"{old_local} IS NOT TRUE AND {new_local} IS NOT TRUE BEGIN "
        f"{insert_change('update', 'NEW', diff, base)} {stamp_fields} END",
        f"CREATE TRIGGER sync_{name}_share AFTER UPDATE ON {name} WHEN {off} AND {old_local} IS TRUE AND "
        f"{new_local} IS NOT TRUE BEGIN {insert_change('insert', 'NEW', obj('NEW'))} END",
        f"CREATE TRIGGER sync_{name}_delete AFTER DELETE ON {name} WHEN {off} AND {old_local} IS NOT TRUE BEGIN "
        f"{insert_change('delete', 'OLD', 'NULL')} END",
    ]


@contextmanager
def applying(db):
    """Inside the caller's write transaction: writes made here are not logged (they came from a peer)."""
    if not db.conn.in_transaction:
        raise RuntimeError("applying() needs an open write transaction")
    depth = dbm.scalar(db, "SELECT COUNT(*) FROM sync_apply")
    if not depth:
        dbm.execute(db, "INSERT INTO sync_apply (flag) VALUES (1)")
    try:
        yield db
    except BaseException:
        if not depth:
            try:
                dbm.execute(db, "DELETE FROM sync_apply")
            except Exception:  # noqa: BLE001 - an aborted PostgreSQL transaction (a deadlock) refuses any
                pass           # statement; its rollback removes the row, and the first error is the one to see
        raise
    else:
        if not depth:
            dbm.execute(db, "DELETE FROM sync_apply")


@contextmanager
def recording(db):
    """Inside `applying`: writes made here ARE logged (the hub's own outcome of a received command)."""
    had = dbm.scalar(db, "SELECT COUNT(*) FROM sync_apply")
    dbm.execute(db, "DELETE FROM sync_apply")
    try:
        yield db
    finally:
        if had:
            dbm.execute(db, "INSERT INTO sync_apply (flag) VALUES (1)")


def row_of(change: dict) -> dict:
    """A change as it travels: id, table, key, op, data, base and stamp."""
    import json
    return {"id": change["id"], "table": change["tbl"], "key": change["row_key"], "op": change["op"],
            "data": json.loads(change["data"]) if change["data"] else None,
            "base": json.loads(change["base"]) if change.get("base") else None, "hlc": change["hlc"]}


def pending(db, limit: int = 500) -> list[dict]:
    """The oldest changes made here that still have to go to the hub (field records and CAPA), in order."""
    names = [t.name for t in tables.TABLES if t.direction != tables.DOWN]
    marks = ", ".join("?" * len(names))
    return dbm.query(db, f"SELECT * FROM changes WHERE pushed_at IS NULL AND source IS NULL AND tbl IN ({marks})"
                         " ORDER BY seq LIMIT ?", (*names, limit))


def backlog(db) -> int:
    """How many changes made here still wait for the hub."""
    names = [t.name for t in tables.TABLES if t.direction != tables.DOWN]
    marks = ", ".join("?" * len(names))
    return dbm.scalar(db, f"SELECT COUNT(*) FROM changes WHERE pushed_at IS NULL AND source IS NULL"
                          f" AND tbl IN ({marks})", names)


def install_triggers(db, name: str) -> None:
    """(Re)make the logging triggers of one table; a migration that adds a column to it calls this again."""
    if name not in dbm.table_names(db):
        return  # made by a later migration (0013 runs with today's TABLES), which installs them itself
    if dbm.engine_name(db) == "postgres":
        from . import outbox_pg
        return outbox_pg.install_triggers(db, name)
    for op in ("insert", "update", "share", "delete"):
        dbm.drop_trigger(db, f"sync_{name}_{op}", name)
    for sql in trigger_sql(db, tables.BY_NAME[name]):
        dbm.execute(db, sql)


def install_numbering(db) -> None:
    """On PostgreSQL, number changes at commit (outbox_pg); SQLite's one writer numbers in commit order already."""
    if dbm.engine_name(db) == "postgres":
        from . import outbox_pg
        outbox_pg.install_numbering(db)


def log(db, table: str, key: str, op: str, data: dict | None, *, change_id: str | None = None,
        stamp: int | None = None, base: dict | None = None, source: str | None = None,
        site_id: str | None = None, snapshot: bool = False) -> int:
    """Append a change by hand (a snapshot row, or a change the hub received and forwards); returns its seq (None
    on PostgreSQL, where it is numbered at commit)."""
    import json
    from .. import ids
    params = [change_id or ids.new_id(), table, key, op, json.dumps(data) if data is not None else None,
              json.dumps(base) if base else None]
    stamp_sql = "?" if stamp is not None else _next_stamp_sql(db)
    if stamp is not None:
        params.append(stamp)
    params += [site_id, source, 1 if snapshot else 0]
    cur = db.conn.execute("INSERT INTO changes (id, tbl, row_key, op, data, base, hlc, site_id, source, snapshot)"
                          f" VALUES (?, ?, ?, ?, ?, ?, {stamp_sql}, ?, ?, ?)", params)
    return cur.lastrowid


def _next_stamp_sql(db) -> str:
    if dbm.engine_name(db) == "postgres":
        from . import outbox_pg
        return outbox_pg.NEXT_STAMP
    return hlc.SQL_NEXT


def site_of(db, table: tables.Table, row: dict) -> str | None:
    """The site a row belongs to, computed as the triggers do (None for tables every device gets)."""
    expr = tables.site_sql(table, "r")
    if expr is None:
        return None
    cols = list(row)
    select = ", ".join(f"? AS {c}" for c in cols)
    return dbm.scalar(db, f"SELECT {expr} FROM (SELECT {select}) r", [row[c] for c in cols])
