"""Kept-open database connections for the sync API's requests, one set per server thread (no Flask).

Opening a connection costs SQLite a parse of the whole schema (the outbox triggers make it ~300 KB of SQL): about
20 ms, more than a pull with nothing to send. The sync API is called by machines in bursts (a first sync is
hundreds of requests), so each server thread keeps its connection between requests. A connection is only ever
used by the thread holding it, is given back outside any transaction, and is dropped when the file at the path is
no longer the file it has open (a test or a restore put another database there).
"""
import os
import threading

from .. import db as dbm

KEEP = 4  # databases per thread: a server has one; a test process makes many in turn
_local = threading.local()


def _identity(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def take(path) -> "dbm.sqlite_utils.Database":
    """This thread's kept connection to `path`, or a new one; the caller gives it back with `give`."""
    kept = getattr(_local, "kept", None)
    if kept is None:
        kept = _local.kept = {}
    key = str(path)
    entry = kept.pop(key, None)
    if entry is not None:
        db, identity, schema = entry
        if identity is not None and identity == _identity(key) and not db.conn.in_transaction:
            if dbm.scalar(db, "PRAGMA schema_version") != schema:
                db.__dict__.pop("_sync_columns", None)  # a migration ran: the cached column lists are stale
            return db
        db.conn.close()
    return dbm.connect(key)


def give(path, db) -> None:
    """Keep `db` for this thread's next request (a transaction left open is rolled back first)."""
    kept = getattr(_local, "kept", None)
    if kept is None:
        kept = _local.kept = {}
    try:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        schema = dbm.scalar(db, "PRAGMA schema_version")
    except Exception:  # noqa: BLE001 -- a broken connection is closed, never kept
        db.conn.close()
        return
    key = str(path)
    old = kept.pop(key, None)
    if old is not None and old[0] is not db:
        old[0].conn.close()
    kept[key] = (db, _identity(key), schema)
    while len(kept) > KEEP:
        oldest = next(iter(kept))
        kept.pop(oldest)[0].conn.close()
