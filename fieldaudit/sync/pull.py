"""Pull: the hub's page of changes after a device's cursor, and the device applying it with its cursor (no Flask).

A page holds changes of the tables that flow down (reference data, CAPA) for the device's sites, never the
device's own changes coming back. People are sent only while they have a role at one of the device's sites; a
membership sent down brings its person's current row (and training records) with it, so a person given a role
later still arrives.
"""
import json

from .. import db as dbm
from .. import settings
from . import apply as ap
from . import hlc, outbox, tables

MAX_LIMIT = 1000
DOWNWARD = [t.name for t in tables.TABLES if t.direction != tables.UP]
# A document goes only to devices of the sites it applies to (document_sites), judged by the hub's current scope.
_FIRST = "substr(c.row_key, 1, instr(c.row_key, '|') - 1)"
DOCUMENT_OF = {
    "documents": "c.row_key",
    "document_workstations": _FIRST,
    "document_versions": "(SELECT document_id FROM document_versions WHERE id = c.row_key)",
    "document_version_authors": f"(SELECT document_id FROM document_versions WHERE id = {_FIRST})",
}
DOC_PARTS = [("documents", "id = ?"), ("document_versions", "document_id = ?"),
             ("document_version_authors", "version_id IN (SELECT id FROM document_versions WHERE document_id = ?)"),
             ("document_workstations", "document_id = ?")]  # parents first


def page(db, device: dict, since: int, limit: int) -> dict:
    """{"changes": [...], "cursor": N, "more": bool} after `since`, for this device."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    sites = device["site_ids"] or [""]
    s_marks, t_marks = ", ".join("?" * len(sites)), ", ".join("?" * len(DOWNWARD))
    doc_of = "CASE c.tbl " + " ".join(f"WHEN '{t}' THEN {e}" for t, e in DOCUMENT_OF.items()) + " END"
    doc_marks = ", ".join(f"'{t}'" for t in DOCUMENT_OF)
    people = f"SELECT user_id FROM memberships WHERE site_id IN ({s_marks}) OR site_id IS NULL"
    # The page and the high-water mark in ONE statement, so they come from one snapshot on both engines (on
    # PostgreSQL each statement of a READ COMMITTED transaction has its own: a change committed between a page
    # query and a separate MAX(seq) would be jumped over by the cursor). Writers number changes under the write
    # lock, in commit order, so nothing below the mark can still appear later.
    db.conn.execute("BEGIN")
    try:
        found = dbm.query(
            db, f"WITH mark AS (SELECT COALESCE(MAX(seq), 0) AS page_top FROM changes),"
                f" page AS (SELECT * FROM changes c WHERE seq > ? AND tbl IN ({t_marks})"
                f" AND (source IS NULL OR source <> ?) AND (site_id IN ({s_marks})"
                f" OR (site_id IS NULL AND tbl NOT IN ('users', 'qualifications', 'document_sites', {doc_marks}))"
                f" OR (tbl = 'document_sites' AND substr(row_key, instr(row_key, '|') + 1) IN ({s_marks}))"
                f" OR (tbl IN ({doc_marks}) AND EXISTS (SELECT 1 FROM document_sites ds WHERE ds.document_id ="
                f" {doc_of} AND ds.site_id IN ({s_marks})))"
                f" OR (tbl = 'users' AND row_key IN ({people}))"
                f" OR (tbl = 'qualifications' AND (op = 'delete' OR (SELECT user_id FROM qualifications q"
                f" WHERE q.id = c.row_key) IN ({people})))) ORDER BY seq LIMIT ?)"
                " SELECT mark.page_top, page.* FROM mark LEFT JOIN page ON 1 = 1 ORDER BY page.seq",
            (since, *DOWNWARD, device["id"], *sites, *sites, *sites, *sites, *sites, limit))
        top = found[0]["page_top"]
        rows = [row for row in found if row["seq"] is not None]
        out = []
        for row in rows:
            if row["tbl"] == "document_sites" and row["op"] == "insert":
                out += _document_whole(db, row, since)
            if row["tbl"] == "memberships" and row["op"] == "insert":
                person = dbm.query_one(db, "SELECT * FROM users WHERE id = ?",
                                       (json.loads(row["data"])["user_id"],))
                if person is not None:
                    out.append({"id": f"{row['id']}.user", "table": "users", "key": person["id"], "op": "insert",
                                "data": person, "base": None, "hlc": row["hlc"]})
                    out += _training_of(db, row, person["id"])
            out.append(outbox.row_of(row))
    finally:
        db.conn.execute("COMMIT")
    more = len(rows) == limit
    cursor = rows[-1]["seq"] if more else max(top, since)
    return {"changes": out, "cursor": cursor, "more": more}


def _training_of(db, row: dict, user_id: str) -> list[dict]:
    """A person's training records come with the person (their changes went only where they had a role)."""
    return [{"id": f"{row['id']}.qualification-{n}", "table": "qualifications", "key": q["id"], "op": "insert",
             "data": q, "base": None, "hlc": row["hlc"]}
            for n, q in enumerate(dbm.query(db, "SELECT * FROM qualifications WHERE user_id = ? ORDER BY id",
                                            (user_id,)))]


def _document_whole(db, row: dict, since: int) -> list[dict]:
    """A document newly shared with a site comes whole before its link when the device's cursor is past its
    first change: those changes were not for it then (as a membership brings its person)."""
    document_id = json.loads(row["data"])["document_id"]
    if not dbm.scalar(db, "SELECT 1 FROM changes WHERE tbl = 'documents' AND row_key = ? AND seq <= ? LIMIT 1",
                      (document_id, since)):
        return []  # all of it is after the cursor: the page brings it in order
    out = []
    for table, where in DOC_PARTS:
        for n, part in enumerate(dbm.query(db, f"SELECT * FROM {table} WHERE {where}", (document_id,))):
            out.append({"id": f"{row['id']}.{table.replace('_', '-')}-{n}", "table": table, "op": "insert",
                        "key": tables.key_of(tables.BY_NAME[table], part), "data": part, "base": None,
                        "hlc": row["hlc"]})
    return out


def cursor(db) -> int:
    """The last hub sequence this device has applied."""
    return int(settings.get(db, "hub_cursor", "0"))


def apply_page(db, changes: list[dict], new_cursor: int) -> int:
    """Apply a page from the hub and store its cursor in one transaction; returns how many changed something."""
    applied = 0
    with dbm.transaction(db), outbox.applying(db):
        for change in changes:
            dbm.execute(db, "SAVEPOINT pulled")
            try:
                status, _ = ap.apply(db, _as_upsert(change), hub=False)
                applied += status == ap.APPLIED
                dbm.execute(db, "RELEASE pulled")
            except ap.Outcome:
                # The hub is the authority for what it sends; a row that cannot be applied here (a rule of
                # this older schema) is skipped rather than stopping every change behind it.
                dbm.execute(db, "ROLLBACK TO pulled")
                dbm.execute(db, "RELEASE pulled")
            hlc.receive(db, int(change["hlc"]))
        dbm.execute(db, "INSERT INTO settings (key, value) VALUES ('hub_cursor', ?) ON CONFLICT (key)"
                        " DO UPDATE SET value = excluded.value", (str(new_cursor),))
    return applied


def _as_upsert(change: dict) -> dict:
    """On a device the hub's version of a record wins: a row sent again is brought in line, not a conflict."""
    table = tables.BY_NAME.get(change["table"])
    if table is not None and table.immutable and change["op"] == "insert":
        return dict(change, op="upsert")
    return change
