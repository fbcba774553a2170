"""The request's database connection, bound to Flask (data functions take the database as an argument)."""
import threading
from pathlib import Path

import sqlite_utils
from flask import current_app, g

from . import config, jobs
from . import db as dbm


POOL = "fieldaudit.connections"


def get_db(wait: float | None = None):
    """The connection of this request: the serving thread's own, opened on its first request and kept (`wait`:
    at most so many seconds for a PostgreSQL connection, for the health probe)."""
    if "db" not in g:
        target = config.database_target(current_app.config)
        if not isinstance(target, Path):
            g.db = dbm.connect(target, wait=wait)  # PostgreSQL: a connection from the process's pool
            return g.db
        # Opening costs ~20 ms: SQLite parses the whole schema (a hundred outbox triggers) on a connection's first
        # statement, and the last close checkpoints the WAL. Kept per thread, a request pays neither (issue 13:
        # the replay of 300 answers; issue 14: a sync with nothing to do). A fresh wrapper per request drops
        # anything a request hung on the last one.
        pool = current_app.extensions.setdefault(POOL, threading.local())
        conn = getattr(pool, "conn", None)
        if conn is None:
            conn = pool.conn = dbm.connect(target).conn
        g.db = sqlite_utils.Database(conn)
    return g.db


def blob_store_of(app):
    """The content-addressed blob folder of an app's installation (also outside a request: CLI, report threads)."""
    from .evidence.blobstore import BlobStore

    return BlobStore(config.blob_dir(app.config))


def get_blob_store():
    """The blob folder of this request's app."""
    return blob_store_of(current_app)


def close_db(exc=None) -> None:
    """Give the request's connection back to its thread; after an error it is closed instead."""
    db = g.pop("db", None)
    if db is None:
        return
    if not isinstance(db, sqlite_utils.Database):
        dbm.close(db)  # back to the pool (rolled back there if a request left a transaction open)
        return
    if db.conn.in_transaction:  # a write the request left open is never carried into the next request
        db.conn.execute("ROLLBACK")
        exc = exc or True
    if exc is not None:
        pool = current_app.extensions.get(POOL)
        if pool is not None and getattr(pool, "conn", None) is db.conn:
            pool.conn = None
        db.conn.close()


def init_app(app) -> None:
    """Create or upgrade the schema at start-up and close connections after each request."""
    dbm.ensure_writable(app.config["DATA_DIR"])
    if not app.config.get("DATABASE_URL"):
        dbm.make_private(app.config["DATA_DIR"], config.database_path(app.config))
    db = dbm.connect(config.database_target(app.config))
    try:
        dbm.migrate(db)
    finally:
        dbm.close(db)
    # What a kill or an earlier run left: half-written blobs, expired report files.
    blob_store_of(app).remove_stale_temp()
    jobs.expire(app.config)
    app.teardown_appcontext(close_db)
