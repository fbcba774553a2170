"""SQLite: the engine of every device and of a single-plant hub (no Flask)."""
import sqlite3

NAME = "sqlite"


def begin(conn) -> None:
    """Open a write transaction: IMMEDIATE takes the write lock up front, so a deferred transaction that later
    upgrades to a write cannot fail with "database is locked" under a threaded server instead of waiting."""
    conn.execute("BEGIN IMMEDIATE")


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
