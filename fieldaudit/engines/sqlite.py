"""SQLite: the engine of every device and of a single-plant hub (no Flask)."""
import os
import sqlite3
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # Windows: one server process per data folder
    fcntl = None

NAME = "sqlite"


def begin(conn, parallel: bool = False) -> None:
    """Open a write transaction: IMMEDIATE takes the write lock up front, so a deferred transaction that later
    upgrades to a write cannot fail with "database is locked" under a threaded server instead of waiting."""
    conn.execute("BEGIN IMMEDIATE")


def lock(conn, name: str) -> None:
    """Nothing to take: the one writer already holds the whole database."""


def for_update(db) -> str:
    """SQLite has no row locks (and no FOR UPDATE): its one writer holds the whole database."""
    return ""


@contextmanager
def migration_lock(db):
    """Only one process migrates this file at a time (a lock file beside it); the other waits, then finds the work
    done. Each migration's own BEGIN IMMEDIATE would not do: the second process would wait for it, then run the same
    migration again."""
    path = file_path(db)
    if path is None or fcntl is None:
        yield
        return
    fd = os.open(path + ".migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def statements(sql: str) -> list[str]:
    """A script split statement by statement; SQLite's own parser says where one ends, so trigger bodies and
    string literals that contain ';' stay whole."""
    found, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            found.append(current)
            current = ""
    if current.strip():
        found.append(current)
    return found


def table_names(db) -> list[str]:
    """The user tables of the database."""
    return [r[0] for r in db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def column_names(db, table: str) -> list[str]:
    """The columns of one table, in order."""
    return [r[1] for r in db.conn.execute(f'PRAGMA table_info("{table}")')]


def file_path(db):
    """The database file (None in memory): the trail seal lives beside it."""
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return row[2] if row and row[2] else None


def drop_trigger(db, name: str, table: str) -> None:
    """Drop a trigger if it exists."""
    db.conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def prepare(db) -> None:
    """Nothing to make before migrating: SQLite has the functions the code uses."""
