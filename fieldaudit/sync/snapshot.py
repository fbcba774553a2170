"""The first sync of a database that has history: every existing row enters the log once (no Flask).

Rows written before the outbox existed were never logged, so migration 0014 appends one `insert` per existing
syncable row, parents first. A submitted audit goes in as it was while open, then its answers, findings and
evidence, then an `update` that submits it: the receiver's immutability triggers accept exactly the order in
which the rows were made. Rows already in the log are not logged again, so the snapshot is safe to re-run.
"""


from .. import db as dbm
from . import outbox, tables

GATED_CHILDREN = ("answers", "findings", "evidence")


def _unlogged(db, table: tables.Table) -> list[dict]:
    order = "ORDER BY " + ", ".join(table.key)
    if "created_at" in [c.name for c in db[table.name].columns]:
        order = "ORDER BY created_at, " + ", ".join(table.key)
    if table.name == "audit_trail":
        order = "ORDER BY writer, seq"
    logged = {r["row_key"] for r in dbm.query(db, "SELECT row_key FROM changes WHERE tbl = ?", (table.name,))}
    local = tables.local_sql(table, table.name)
    where = f"WHERE {local} IS NOT TRUE" if local else ""  # a draft is not shared, now or in a snapshot
    return [r for r in dbm.query(db, f"SELECT * FROM {table.name} {where} {order}")
            if tables.key_of(table, r) not in logged]


def take(db, only=None) -> int:
    """Log every syncable row not in the log yet (inside the caller's transaction); returns how many. `only`: these
    table names alone (a migration that makes tables syncable later)."""
    count, submitted, present = 0, [], set(dbm.table_names(db))
    for table in tables.TABLES:
        if table.name not in present or (only is not None and table.name not in only):
            continue  # a table a later migration makes (0014 runs with today's TABLES) is snapshotted by that one
        for row in _unlogged(db, table):
            data = dict(row)
            if table.name == "audits" and row["status"] == "submitted":
                submitted.append(row)
                data = dict(row, status="in_progress", submitted_at=None, record_hash=None)
            outbox.log(db, table.name, tables.key_of(table, row), "insert", data,
                       site_id=outbox.site_of(db, table, row), snapshot=True)
            count += 1
        if table.name == GATED_CHILDREN[-1]:
            for row in submitted:
                outbox.log(db, "audits", row["id"], "update",
                           {"status": "submitted", "submitted_at": row["submitted_at"],
                            "record_hash": row["record_hash"]}, site_id=row["site_id"], snapshot=True)
    return count


def describe(db) -> dict:
    """How many snapshot changes the log holds, by table."""
    return {r["tbl"]: r["n"] for r in dbm.query(
        db, "SELECT tbl, COUNT(*) AS n FROM changes WHERE snapshot = 1 GROUP BY tbl")}



