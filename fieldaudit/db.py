"""Connections, pragmas, write transactions and the migrations runner: the one data-access vocabulary.

Data functions use plain parameterized SQL through `query`, `query_one` and `execute`; a hub whose
FIELDAUDIT_DATABASE_URL names PostgreSQL runs the same functions there (fieldaudit/engines/: what differs per
engine lives in one small module each). sqlite-utils brings the SQLite connection wrapper and bulk-insert
conveniences; the PostgreSQL connection offers the subset of it the code uses.
"""
import importlib
import os
import pkgutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import psycopg
import sqlite_utils

from . import engines, ids

BUSY_TIMEOUT_MS = 10_000
# What a CHECK, UNIQUE, foreign key or immutability trigger raises, whichever the engine.
IntegrityError = (sqlite3.IntegrityError, psycopg.IntegrityError)
# What a transaction may meet only because another ran beside it (PostgreSQL's parallel writers): run it again.
TransientError = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)


class DatabaseError(Exception):
    """A database problem worth a one-line message to an operator."""


def connect(target, wait: float | None = None):
    """Open the database (a SQLite file path, or a postgresql:// URL on a hub) ready for use; `wait` bounds the
    seconds to wait for a PostgreSQL connection (SQLite opens a file: nothing to wait for)."""
    if engines.is_postgres_url(target):
        from .engines import postgres
        try:
            return postgres.connect(target, wait=wait)
        except postgres.DatabaseError as exc:
            raise DatabaseError(str(exc)) from exc
    return _connect_sqlite(target)


def close(db) -> None:
    """Give the connection back (closed on SQLite, returned to the pool on PostgreSQL)."""
    db.conn.close()


def engine_name(db) -> str:
    """"sqlite" or "postgres"."""
    return engines.of(db).NAME


def _connect_sqlite(path) -> sqlite_utils.Database:
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"cannot open database {path}: {exc}") from exc
    conn.row_factory = sqlite3.Row
    try:
        # WAL lets readers go on while one writer writes; FULL because in WAL mode NORMAL can lose the last
        # committed transactions when a tablet or mini-PC loses power.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except sqlite3.DatabaseError as exc:  # the first read of the file: "file is not a database" and the like
        conn.close()
        raise DatabaseError(f"{path} is not a usable SQLite database ({exc}); restore it from a backup or "
                            "move it away to start empty") from exc
    return sqlite_utils.Database(conn)


@contextmanager
def transaction(db, parallel: bool = False):
    """One write transaction holding the database's write lock from its start; joins an enclosing one.

    `parallel`: on PostgreSQL, other parallel transactions may write beside this one (it guards its own conflicts
    with `lock` and `for_update`); a plain transaction still excludes every other writer. SQLite: one writer."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    engines.of(db).begin(conn, parallel)
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        _pending(db).clear()
        raise
    else:
        conn.execute("COMMIT")
        callbacks = list(_pending(db).values())
        _pending(db).clear()
        for callback in callbacks:
            callback()


def _pending(db) -> dict:
    if not hasattr(db, "_after_commit"):
        db._after_commit = {}
    return db._after_commit


def after_commit(db, key: str, callback) -> None:
    """Run `callback` once the open transaction commits (once per key; never after a rollback)."""
    if db.conn.in_transaction:
        _pending(db)[key] = callback
    else:
        callback()


def lock(db, name: str) -> None:
    """Inside a write transaction: writers naming the same lock take turns until their transaction ends."""
    engines.of(db).lock(db.conn, name)


def for_update(db) -> str:
    """A clause to end a SELECT with so the rows read stay locked until commit ("" on SQLite's one writer)."""
    return engines.of(db).for_update(db)


def query(db, sql: str, params=()) -> list[dict]:
    """Rows of a parameterized SELECT as dicts."""
    return [dict(r) for r in db.conn.execute(sql, params).fetchall()]


def query_one(db, sql: str, params=()) -> dict | None:
    """The first row of a parameterized SELECT, or None."""
    row = db.conn.execute(sql, params).fetchone()
    return dict(row) if row is not None else None


def scalar(db, sql: str, params=()):
    """The first column of the first row, or None."""
    row = db.conn.execute(sql, params).fetchone()
    return row[0] if row is not None else None


def execute(db, sql: str, params=()) -> int:
    """Run a parameterized write and return the number of rows changed."""
    return db.conn.execute(sql, params).rowcount


def run_script(db, sql: str) -> None:
    """Run a migration script statement by statement (trigger bodies and literals containing ';' stay whole)."""
    for statement in engines.of(db).statements(sql):
        db.conn.execute(statement)


def table_names(db) -> list[str]:
    """The application's tables."""
    return engines.of(db).table_names(db)


def column_names(db, table: str) -> list[str]:
    """The columns of one table, in order."""
    return engines.of(db).column_names(db, table)


def file_path(db) -> str | None:
    """The database file (None in memory or on PostgreSQL)."""
    return engines.of(db).file_path(db)


# The folder of files kept beside a database that is not a file itself (a PostgreSQL hub: its DATA_DIR).
_folders: dict[str, Path] = {}


def keep_files_in(target, folder: Path) -> None:
    """Where the files that belong beside the database at `target` live (the trail seal) when it is not a file."""
    if engines.is_postgres_url(target):
        _folders[target] = Path(folder)


def folder_of(db) -> Path | None:
    """The folder of the files beside this database: the SQLite file's, or the one kept for a PostgreSQL URL (None
    for an in-memory database, or a URL no setting names)."""
    path = file_path(db)
    if path:
        return Path(path).parent
    return _folders.get(getattr(db, "url", None))


def drop_trigger(db, name: str, table: str) -> None:
    """Drop a trigger if it exists (PostgreSQL names triggers per table)."""
    engines.of(db).drop_trigger(db, name, table)


# -- migrations ---------------------------------------------------------------------------------------------

def migrations() -> list[tuple[int, str, object]]:
    """The numbered migration modules of fieldaudit.migrations, in order."""
    from . import migrations as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        number, _, name = info.name.partition("_")
        if number.isdigit():
            found.append((int(number), name, importlib.import_module(f"{package.__name__}.{info.name}")))
    return sorted(found, key=lambda m: m[0])


def latest_version() -> int:
    """The schema version this code expects."""
    return migrations()[-1][0]


def schema_version(db) -> int:
    """The schema version of an opened database (0 when empty)."""
    if not db["schema_version"].exists():
        return 0
    return scalar(db, "SELECT MAX(version) FROM schema_version") or 0


def migrate(db, target: int | None = None) -> list[int]:
    """Upgrade the database in place to `target` (default latest); returns the versions applied.

    Under the engine's migration lock, and what is applied is read inside it: two processes starting at once on a
    new store do not both migrate (the second finds nothing left to do)."""
    engine = engines.of(db)
    with engine.migration_lock(db):
        return _migrate(db, engine, target)


def _migrate(db, engine, target):
    engine.prepare(db)
    db.conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL)")
    current = schema_version(db)
    known = migrations()
    if current > known[-1][0]:
        raise DatabaseError(
            f"the database is at schema version {current}, newer than this FieldAudit (version "
            f"{known[-1][0]}); upgrade FieldAudit before using this data folder")
    # Apply by what is recorded, not only by the highest number: a migration merged with a lower number than
    # one already applied still runs.
    done = {row[0] for row in db.conn.execute("SELECT version FROM schema_version")}
    applied = []
    for number, name, module in known:
        if number in done or (target is not None and number > target):
            continue
        # One transaction per migration: a failure leaves the database as it was before that migration.
        with transaction(db):
            module.upgrade(db)
            db.conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                            (number, name, ids.now_iso()))
        applied.append(number)
    return applied


def make_private(folder: Path, database: Path) -> None:
    """The data folder 0700 and the database (with its WAL files) 0600: they hold password and session hashes."""
    if os.name == "nt":  # NTFS permissions come from the user's profile folder; chmod cannot express them
        return
    folder.chmod(0o700)
    if not database.exists():
        # Created private before SQLite opens it; SQLite gives its -wal and -shm files the database's mode.
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        if path.exists():
            path.chmod(0o600)


def ensure_writable(folder: Path) -> None:
    """Fail with a clear message when the data folder cannot be created or written."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise DatabaseError(f"data folder {folder} is not writable ({exc.strerror or exc}); "
                            "set FIELDAUDIT_DATA_DIR to a folder this user can write") from exc
