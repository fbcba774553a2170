"""PostgreSQL: the store of a head-office hub (psycopg 3 with a connection pool per process; no Flask).

The rest of the code speaks SQLite's dialect through `fieldaudit.db` and a connection object shaped like the
subset of sqlite3/sqlite-utils it uses (`db.conn.execute`, `db["table"].insert`, `in_transaction`); this module
gives a PostgreSQL connection that shape and translates the few constructs that differ (`pgsql.py`).
"""
import json
import threading
from contextlib import contextmanager

from . import pgsql

NAME = "postgres"
# Write transactions take this advisory lock at BEGIN: exclusively by default (one writer at a time, as on SQLite,
# which the domain code's read-then-write steps were written for), shared by a transaction that guards its own
# conflicts (`parallel`: a device's push batch, see sync/hub.py), so pushes run beside each other. Gap-safety of
# the pull does not rest on this lock: changes are numbered at commit (sync/outbox_pg.py, NUMBER_LOCK).
WRITE_LOCK = 0x46A0_0001
# Held (session-level) around the migrations runner: two processes starting at once on a new store migrate once.
MIGRATE_LOCK = 0x46A0_0003
# Named locks (`lock`) live in the two-key space of advisory locks, which does not overlap the one-key space.
NAMED_LOCKS = 0x46A0

_pools: dict[str, object] = {}
_pools_lock = threading.Lock()


class DatabaseError(Exception):
    """Raised by the connection wrapper for a server it cannot reach."""


class Row(tuple):
    """A result row readable by position and by column name, like sqlite3.Row (dict(row) works)."""
    __slots__ = ()
    _names: tuple = ()

    def __getitem__(self, key):
        """A column by position or by name."""
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self):
        """The column names."""
        return list(self._names)


_row_classes: dict[tuple, type] = {}


def _row_factory(cursor):
    names = tuple(c.name for c in cursor.description or ())
    cls = _row_classes.get(names)
    if cls is None:
        cls = _row_classes.setdefault(names, type("Row", (Row,), {"__slots__": (), "_names": names}))
    return cls


class Cursor:
    """The part of a sqlite3 cursor the code reads."""

    def __init__(self, conn, cur):
        self._conn, self._cur = conn, cur

    def fetchone(self):
        """The next row, or None."""
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self):
        """The remaining rows."""
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def rowcount(self):
        """Rows changed by the statement."""
        return self._cur.rowcount

    @property
    def lastrowid(self):
        """None: only the outbox asks, and a change's number is given at commit (sync/outbox_pg.py)."""
        return None


class Connection:
    """A pooled psycopg connection in autocommit mode shaped like sqlite3.Connection with isolation_level=None:
    statements commit alone unless an explicit BEGIN opened a transaction."""

    def __init__(self, pool, raw):
        self._pool, self.raw = pool, raw

    @property
    def in_transaction(self) -> bool:
        """True between BEGIN and COMMIT/ROLLBACK."""
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def execute(self, sql: str, params=()):
        """Run one SQLite-dialect statement, translated; returns a cursor."""
        statements = pgsql.translate(sql)
        cur = self.raw.cursor(row_factory=_row_factory)
        for i, statement in enumerate(statements):
            # Parameters always given (maybe empty) so that psycopg reads the '%%' the translation doubled.
            cur.execute(statement, _adapt(params) if i == len(statements) - 1 else [], prepare=False)
        return Cursor(self, cur)

    def executemany(self, sql: str, rows) -> None:
        """Run one statement once per parameter row."""
        for params in rows:
            self.execute(sql, params)

    def close(self) -> None:
        """Return the connection to its pool (or close it when unpooled)."""
        if self.raw is None:
            return
        raw, self.raw = self.raw, None
        if self._pool is None:
            raw.close()
        else:
            self._pool.putconn(raw)


def _adapt(params):
    """sqlite-utils' conventions: booleans stored as 0/1, dicts and lists as JSON text."""
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _value(v) for k, v in params.items()}
    return [_value(v) for v in params]


def _value(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v)
    return v


class Table:
    """The part of sqlite_utils.Table the code uses: insert, exists, columns, count."""

    def __init__(self, db, name: str):
        self.db, self.name = db, name

    def exists(self) -> bool:
        """Whether the table exists."""
        return bool(self.db.conn.raw.execute("SELECT to_regclass(%s) IS NOT NULL", (self.name,)).fetchone()[0])

    @property
    def count(self) -> int:
        """Number of rows."""
        return self.db.conn.execute(f'SELECT COUNT(*) FROM "{self.name}"').fetchone()[0]

    @property
    def columns(self) -> list:
        """The columns (objects with a `name`)."""
        return [_Column(n) for n in column_names(self.db, self.name)]

    def insert(self, record: dict, **_ignored) -> "Table":
        """Insert one row from a dict."""
        cols = list(record)
        names = ", ".join(f'"{c}"' for c in cols)
        self.db.conn.execute(f'INSERT INTO "{self.name}" ({names}) VALUES ({", ".join("?" * len(cols))})',
                             [record[c] for c in cols])
        return self

    def insert_all(self, records, **_ignored) -> "Table":
        """Insert several rows."""
        for record in records:
            self.insert(record)
        return self


class _Column:
    def __init__(self, name):
        self.name = name


class Database:
    """The part of sqlite_utils.Database the code uses: `.conn` and `db["table"]`."""
    engine = NAME

    def __init__(self, conn: Connection, url: str):
        self.conn, self.url = conn, url

    def __getitem__(self, name: str) -> Table:
        """A table by name."""
        return Table(self, name)

    def close(self) -> None:
        """Give the connection back."""
        self.conn.close()


def pool_for(url: str):
    """This process's connection pool for a database URL (made on first use)."""
    from psycopg_pool import ConnectionPool

    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            pool = ConnectionPool(url, min_size=1, max_size=20, kwargs={"autocommit": True},
                                  open=True, timeout=30, name="fieldaudit")
            _pools[url] = pool
        return pool


def close_pools() -> None:
    """Close every pool of this process (tests drop databases; a forked worker must not share sockets)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


def connect(url: str, pooled: bool = True, wait: float | None = None) -> Database:
    """A connection to the PostgreSQL database at `url`, from this process's pool; `wait`: at most so many seconds
    for one (default the pool's 30 s, for a request queued behind busy ones; a health probe asks for less)."""
    import psycopg

    try:
        if pooled:
            pool = pool_for(url)
            raw = pool.getconn(timeout=wait)
        else:
            pool, raw = None, psycopg.connect(url, autocommit=True, connect_timeout=max(1, round(wait or 30)))
    except Exception as exc:
        raise DatabaseError(f"cannot reach the PostgreSQL database ({_redact(url)}): {exc}") from exc
    if raw.info.transaction_status != 0:  # a connection returned mid-transaction by a crashed request
        raw.rollback()
    return Database(Connection(pool, raw), url)


def _redact(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:
        return "an unparsable URL"
    return f"host={info.get('host', 'localhost')} port={info.get('port', 5432)} dbname={info.get('dbname', '')}"


def begin(conn, parallel: bool = False) -> None:
    """Open a write transaction holding the hub's write lock, shared when `parallel` (see WRITE_LOCK)."""
    conn.raw.execute("BEGIN")
    kind = "pg_advisory_xact_lock_shared" if parallel else "pg_advisory_xact_lock"
    conn.raw.execute(f"SELECT {kind}(%s)", (WRITE_LOCK,))


def lock(conn, name: str) -> None:
    """Hold a named lock until the transaction ends: writers of the same name take turns."""
    conn.raw.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (NAMED_LOCKS, name))


def for_update(db) -> str:
    """The clause that locks the rows a SELECT reads until the transaction ends."""
    return " FOR UPDATE"


@contextmanager
def migration_lock(db):
    """Only one process migrates this database at a time; the other waits, then finds the work done."""
    db.conn.raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
    try:
        yield
    finally:
        if db.conn.in_transaction:  # a failed migration: its transaction was rolled back by the runner already
            db.conn.raw.execute("ROLLBACK")
        db.conn.raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))


def statements(sql: str) -> list[str]:
    """A migration script split into statements (trigger bodies stay whole)."""
    from . import sqlite

    return sqlite.statements(sql)


def table_names(db) -> list[str]:
    """The tables of the current schema."""
    return [r[0] for r in db.conn.raw.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type = 'BASE TABLE' ORDER BY table_name")]


def column_names(db, table: str) -> list[str]:
    """The columns of one table, in order."""
    return [r[0] for r in db.conn.raw.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = %s ORDER BY ordinal_position", (table,))]


def file_path(db):
    """No file: the trail seal of a PostgreSQL hub is kept by the operator's backups (see docs/notes)."""
    return None


def drop_trigger(db, name: str, table: str) -> None:
    """Drop a trigger if it exists."""
    db.conn.raw.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def prepare(db) -> None:
    """Before migrating: SQLite's date functions and GROUP_CONCAT, which the code's queries use (pgfunctions)."""
    from . import pgfunctions

    pgfunctions.install(db.conn.raw)
