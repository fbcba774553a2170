"""The engine seam: the SQLite-to-PostgreSQL translator, the PostgreSQL connection's sqlite-like shape, the write
lock, and the schema each engine ends up with after every migration."""
import threading
import time

import pytest

from fieldaudit import db as dbm
from fieldaudit.engines import pgsql


def test_placeholders_become_psycopg_ones_outside_string_literals_only():
    [sql] = pgsql.translate("SELECT '?', '50%' FROM t WHERE a = ? AND b LIKE ?")
    assert sql == "SELECT '?', '50%%' FROM t WHERE a = %s AND b LIKE %s"


def test_is_and_is_not_between_values_become_null_safe_comparisons():
    [sql] = pgsql.translate("SELECT 1 WHERE a IS NOT 'draft' AND b IS NOT NULL AND c IS ? AND d IS NULL")
    assert sql == ("SELECT 1 WHERE a IS DISTINCT FROM 'draft' AND b IS NOT NULL AND c IS NOT DISTINCT FROM %s"
                   " AND d IS NULL")


def test_column_types_are_translated_in_ddl_only():
    [ddl] = pgsql.translate("CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, x REAL, s TEXT)")
    assert ddl == "CREATE TABLE t (seq BIGSERIAL PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, s TEXT)"
    [query] = pgsql.translate("SELECT CAST(n AS INTEGER) FROM t")
    assert "INTEGER" in query


def test_insert_or_ignore_becomes_on_conflict_do_nothing():
    [sql] = pgsql.translate("INSERT OR IGNORE INTO t (a) VALUES (?)")
    assert sql == "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING"


def test_an_immutability_trigger_becomes_a_plpgsql_function_raising_the_same_message():
    function, drop, trigger = pgsql.translate(
        "CREATE TRIGGER answers_delete_open_only BEFORE DELETE ON answers\n"
        "WHEN (SELECT status FROM audits WHERE id = OLD.audit_id) IS NOT 'open'\n"
        "BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END")
    assert "IF (SELECT status FROM audits WHERE id = OLD.audit_id) IS DISTINCT FROM 'open' THEN" in function
    assert "MESSAGE = 'submitted audits are read-only'" in function and "RETURN OLD;" in function
    assert drop == "DROP TRIGGER IF EXISTS answers_delete_open_only ON answers"
    assert trigger == ("CREATE TRIGGER answers_delete_open_only BEFORE DELETE ON answers FOR EACH ROW "
                       "EXECUTE FUNCTION answers_delete_open_only_fn()")


def test_a_trigger_without_when_on_update_of_columns_keeps_its_columns_and_returns_new():
    function, _, trigger = pgsql.translate(
        "CREATE TRIGGER x BEFORE UPDATE OF revoked_at, token_hash ON sync_devices\n"
        "BEGIN SELECT RAISE(ABORT, 'it''s final'); END;")
    assert "IF true THEN" in function and "RETURN NEW;" in function and "MESSAGE = 'it''s final'" in function
    assert "BEFORE UPDATE OF revoked_at, token_hash ON sync_devices" in trigger


def _schema(db) -> dict:
    return {t: dbm.column_names(db, t) for t in dbm.table_names(db)}


def test_every_migration_gives_both_engines_the_same_tables_and_columns(tmp_path, pg_url):
    lite = dbm.connect(tmp_path / "s.sqlite3")
    pg = dbm.connect(pg_url)
    try:
        dbm.migrate(lite)
        assert dbm.schema_version(pg) == dbm.latest_version() == dbm.schema_version(lite)
        assert _schema(pg) == _schema(lite)
    finally:
        dbm.close(lite)
        dbm.close(pg)


def test_postgres_rows_read_like_sqlite_rows(pg_url):
    pg = dbm.connect(pg_url)
    try:
        dbm.execute(pg, "INSERT INTO settings (key, value) VALUES (?, ?)", ("k", "v"))
        row = pg.conn.execute("SELECT key, value FROM settings WHERE key = ?", ("k",)).fetchone()
        assert row[0] == row["key"] == "k" and dict(row) == {"key": "k", "value": "v"}
        assert pg["settings"].exists() and not pg["nope"].exists()
        assert dbm.engine_name(pg) == "postgres"
    finally:
        dbm.close(pg)


def test_write_transactions_on_postgres_take_turns_as_on_sqlite(pg_url):
    """The second writer waits at BEGIN until the first commits: commit order is the order of `changes.seq`."""
    first, second = dbm.connect(pg_url), dbm.connect(pg_url)
    order = []
    try:
        with dbm.transaction(first):
            dbm.execute(first, "INSERT INTO settings (key, value) VALUES ('a', '1')")

            def write():
                with dbm.transaction(second):
                    order.append("second")

            other = threading.Thread(target=write)
            other.start()
            time.sleep(0.5)
            order.append("first")
        other.join(10)
        assert order == ["first", "second"]
    finally:
        dbm.close(first)
        dbm.close(second)


def test_parallel_transactions_run_beside_each_other_and_a_plain_one_waits_for_them(pg_url):
    """Parallel (a push batch) share the write lock; a plain writer takes it alone, so the domain code's
    read-then-write steps keep SQLite's one-writer guarantee against every other writer."""
    first, second, third = dbm.connect(pg_url), dbm.connect(pg_url), dbm.connect(pg_url)
    order = []
    try:
        with dbm.transaction(first, parallel=True):
            with dbm.transaction(second, parallel=True):
                order.append("second inside while first open")

            def plain():
                with dbm.transaction(third):
                    order.append("plain")

            other = threading.Thread(target=plain)
            other.start()
            time.sleep(0.5)
            order.append("first")
        other.join(10)
        assert order == ["second inside while first open", "first", "plain"]
    finally:
        for conn in (first, second, third):
            dbm.close(conn)


def test_writers_naming_the_same_lock_take_turns_and_others_do_not_wait(pg_url):
    first, second, third = dbm.connect(pg_url), dbm.connect(pg_url), dbm.connect(pg_url)
    order = []
    try:
        with dbm.transaction(first, parallel=True):
            dbm.lock(first, "push:D1")

            def same():
                with dbm.transaction(second, parallel=True):
                    dbm.lock(second, "push:D1")
                    order.append("same name")

            other = threading.Thread(target=same)
            other.start()
            with dbm.transaction(third, parallel=True):
                dbm.lock(third, "push:D2")
                order.append("other name")
            time.sleep(0.5)
            order.append("first")
        other.join(10)
        assert order == ["other name", "first", "same name"]
    finally:
        for conn in (first, second, third):
            dbm.close(conn)


def test_a_postgres_rollback_runs_no_after_commit_callback_and_leaves_nothing(pg_url):
    pg = dbm.connect(pg_url)
    ran = []
    try:
        with pytest.raises(RuntimeError):
            with dbm.transaction(pg):
                dbm.execute(pg, "INSERT INTO settings (key, value) VALUES ('gone', '1')")
                dbm.after_commit(pg, "x", lambda: ran.append(1))
                raise RuntimeError("boom")
        assert ran == [] and dbm.scalar(pg, "SELECT COUNT(*) FROM settings WHERE key = 'gone'") == 0
    finally:
        dbm.close(pg)


@pytest.mark.both_engines
@pytest.mark.parametrize("sql, expected", [
    ("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', '2025-03-31T10:20:30.456Z', '-1 months')", None),
    ("SELECT strftime('%Y-%m-%d', '2025-03-31T10:20:30.456Z', 'start of month', '-1 months', '+1 month', '-1 day')",
     "2025-02-28"),
    ("SELECT strftime('T%H:%M:%fZ', '2025-03-31T10:20:30.456Z')", "T10:20:30.456Z"),
    ("SELECT strftime('%d', '2025-03-15T00:00:00.000Z')", "15"),
    ("SELECT date('2025-03-10', '-60 days')", "2025-01-09"),
    ("SELECT date('2025-03-10', '+30 days')", "2025-04-09"),
    ("SELECT julianday('2025-03-11T12:00:00.000Z') - julianday('2025-03-10T00:00:00.000Z')", 1.5),
])
def test_sqlite_date_functions_answer_alike_on_both_engines(db, sql, expected):
    value = dbm.scalar(db, sql)
    if expected is None:  # SQLite overflows 31 March less a month into March; the KPI code clamps either way
        assert value in ("2025-03-03T10:20:30.456Z", "2025-02-28T10:20:30.456Z")
    else:
        assert value == expected


@pytest.mark.both_engines
def test_group_concat_and_sum_of_comparisons_work_on_both_engines(db):
    for key, value in (("a", "x"), ("b", "y"), ("c", "x")):
        dbm.execute(db, "INSERT INTO settings (key, value) VALUES (?, ?)", (key, value))
    joined = dbm.scalar(db, "SELECT GROUP_CONCAT(DISTINCT value) FROM settings WHERE key IN ('a', 'b', 'c')")
    assert sorted(joined.split(",")) == ["x", "y"]
    assert dbm.scalar(db, "SELECT SUM(value = 'x') FROM settings WHERE key IN ('a', 'b', 'c')") == 2


def test_a_database_url_that_is_not_postgresql_stops_the_app_naming_it(tmp_path, monkeypatch):
    from flask import Flask

    from fieldaudit import config

    monkeypatch.setenv("FIELDAUDIT_DATABASE_URL", "mysql://db.example/fieldaudit")
    with pytest.raises(config.ConfigError, match="FIELDAUDIT_DATABASE_URL: expected a postgresql:// URL"):
        config.load(Flask("x", instance_path=str(tmp_path)))


def test_an_apostrophe_in_a_comment_opens_no_literal_and_without_rowid_is_dropped():
    [ddl] = pgsql.translate("-- the audit's rows\nCREATE TABLE t (\n    n INTEGER,  -- the audit's number\n"
                            "    PRIMARY KEY (n)\n) WITHOUT ROWID")
    assert "ROWID" not in ddl and "n BIGINT" in ddl and "the audit's number" in ddl


def test_an_after_trigger_with_plain_statements_becomes_a_plpgsql_function():
    function, drop, trigger = pgsql.translate(
        "CREATE TRIGGER t_added AFTER UPDATE OF status ON t WHEN NEW.status = 'done' AND OLD.status IS NOT 'done'\n"
        "BEGIN\n    INSERT OR IGNORE INTO u (id) VALUES (NEW.id);\n    DELETE FROM v WHERE id = NEW.id;\nEND")
    assert "IF NEW.status = 'done' AND OLD.status IS DISTINCT FROM 'done' THEN" in function
    assert "ON CONFLICT DO NOTHING;" in function and "DELETE FROM v WHERE id = NEW.id;" in function
    assert drop == "DROP TRIGGER IF EXISTS t_added ON t"
    assert trigger.startswith("CREATE TRIGGER t_added AFTER UPDATE OF status ON t FOR EACH ROW")
