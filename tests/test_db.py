"""The data layer: pragmas, transactions, migrations (including an in-place upgrade), ULIDs."""
import re

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids


@pytest.fixture
def fresh(tmp_path):
    conn = dbm.connect(tmp_path / "t.sqlite3")
    yield conn
    conn.conn.close()


def test_pragmas(fresh):
    assert dbm.scalar(fresh, "PRAGMA journal_mode") == "wal"
    assert dbm.scalar(fresh, "PRAGMA synchronous") == 2  # FULL
    assert dbm.scalar(fresh, "PRAGMA foreign_keys") == 1
    assert dbm.scalar(fresh, "PRAGMA busy_timeout") == dbm.BUSY_TIMEOUT_MS


def test_migrate_creates_the_latest_schema(fresh):
    applied = dbm.migrate(fresh)
    assert applied == [n for n, _, _ in dbm.migrations()]
    assert dbm.schema_version(fresh) == dbm.latest_version()
    assert dbm.migrate(fresh) == []


def test_upgrade_from_version_1_keeps_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = dbm.connect(path)
    dbm.migrate(old, target=1)
    assert dbm.schema_version(old) == 1
    assert not old["auth_sessions"].exists()
    old.conn.execute("INSERT INTO sites (id, code, name, timezone, created_at, updated_at, origin)"
                     " VALUES ('S1', 'OLD', 'Old plant', 'Europe/Paris', 'x', 'x', 'dev')")
    old.conn.close()

    upgraded = dbm.connect(path)
    assert dbm.migrate(upgraded) == [n for n, _, _ in dbm.migrations() if n > 1]
    assert dbm.scalar(upgraded, "SELECT name FROM sites WHERE code = 'OLD'") == "Old plant"
    assert upgraded["auth_sessions"].exists()


def test_app_start_upgrades_an_existing_database_in_place(tmp_path):
    from fieldaudit import config, create_app
    data = tmp_path / "data"
    data.mkdir()
    old = dbm.connect(data / "fieldaudit.sqlite3")
    dbm.migrate(old, target=1)
    old.conn.execute("INSERT INTO sites (id, code, name, timezone, created_at, updated_at, origin)"
                     " VALUES ('S1', 'OLD', 'Old plant', 'Europe/Paris', 'x', 'x', 'dev')")
    old.conn.close()
    app = create_app({"DATA_DIR": str(data)})
    db = dbm.connect(config.database_path(app.config))
    assert dbm.schema_version(db) == dbm.latest_version()
    assert dbm.scalar(db, "SELECT code FROM sites") == "OLD"


def test_newer_database_is_refused(fresh):
    dbm.migrate(fresh)
    fresh.conn.execute("INSERT INTO schema_version VALUES (9999, 'future', 'x')")
    with pytest.raises(dbm.DatabaseError, match="newer than this FieldAudit"):
        dbm.migrate(fresh)


def test_failed_migration_rolls_back(fresh, monkeypatch):
    dbm.migrate(fresh, target=1)
    real = dbm.migrations()

    class Broken:
        @staticmethod
        def upgrade(db):
            db.conn.execute("CREATE TABLE half_done (x)")
            raise RuntimeError("boom")
    monkeypatch.setattr(dbm, "migrations", lambda: real[:1] + [(2, "broken", Broken)])
    with pytest.raises(RuntimeError):
        dbm.migrate(fresh)
    assert dbm.schema_version(fresh) == 1
    assert not fresh["half_done"].exists()


def test_transaction_rolls_back_on_error(fresh):
    dbm.migrate(fresh)
    with pytest.raises(ValueError):
        with dbm.transaction(fresh):
            fresh.conn.execute("INSERT INTO settings VALUES ('a', 'b')")
            raise ValueError
    assert dbm.scalar(fresh, "SELECT COUNT(*) FROM settings") == 0


def test_nested_transaction_joins_the_outer_one(fresh):
    dbm.migrate(fresh)
    with pytest.raises(ValueError):
        with dbm.transaction(fresh):
            with dbm.transaction(fresh):
                fresh.conn.execute("INSERT INTO settings VALUES ('a', 'b')")
            raise ValueError
    assert dbm.scalar(fresh, "SELECT COUNT(*) FROM settings") == 0


def test_foreign_keys_are_enforced(fresh):
    dbm.migrate(fresh)
    with pytest.raises(dbm.IntegrityError):
        fresh.conn.execute("INSERT INTO areas (id, site_id, code, name, created_at, updated_at, origin)"
                           " VALUES ('A', 'missing', 'X', 'X', 'x', 'x', 'x')")


def test_ulids_are_valid_unique_and_sorted():
    made = [ids.new_id() for _ in range(2000)]
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", u) for u in made)
    assert len(set(made)) == len(made)
    assert made == sorted(made)


def test_iso_instants_sort_and_round_trip():
    now = ids.utc_now()
    text = ids.iso(now)
    assert text.endswith("Z") and len(text) == 24
    assert abs((ids.parse_iso(text) - now).total_seconds()) < 0.001


def test_data_folder_blocked_by_a_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(dbm.DatabaseError, match="not writable.*FIELDAUDIT_DATA_DIR"):
        dbm.ensure_writable(blocker)


def test_a_migration_with_a_lower_number_merged_later_still_runs(fresh, monkeypatch):
    real = dbm.migrations()
    monkeypatch.setattr(dbm, "migrations", lambda: [m for m in real if m[0] != 2])
    dbm.migrate(fresh)
    assert not fresh["auth_sessions"].exists()
    monkeypatch.setattr(dbm, "migrations", lambda: real)
    assert dbm.migrate(fresh) == [2]
    assert fresh["auth_sessions"].exists()


def test_migration_scripts_split_where_sqlite_says_a_statement_ends(fresh):
    dbm.run_script(fresh, """
        -- a comment; with a semicolon
        CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'a;b');
        CREATE TABLE log (note TEXT);
        CREATE TRIGGER t_logged AFTER INSERT ON t BEGIN
            INSERT INTO log (note) VALUES ('inserted; ' || NEW.note);
            INSERT INTO log (note) VALUES ('end;');
        END;
        INSERT INTO t (id) VALUES (1);
        -- a trailing comment
    """)
    assert fresh.conn.execute("SELECT note FROM t").fetchone()[0] == "a;b"
    assert [r[0] for r in fresh.conn.execute("SELECT note FROM log ORDER BY rowid")] == ["inserted; a;b", "end;"]


def test_data_folder_and_database_are_private(tmp_path):
    # The database holds password and session hashes: nobody but the server's user may read it (like secret_key).
    import os
    import stat

    from fieldaudit import create_app
    data = tmp_path / "data"
    app = create_app({"DATA_DIR": str(data)})
    with app.test_client() as client:
        client.get("/login")
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    for name in ("fieldaudit.sqlite3", "fieldaudit.sqlite3-wal", "fieldaudit.sqlite3-shm"):
        if (data / name).exists():
            assert stat.S_IMODE(os.stat(data / name).st_mode) == 0o600, name
    assert (data / "fieldaudit.sqlite3").exists()


def test_an_existing_open_data_folder_is_tightened_at_start(tmp_path):
    import os
    import stat

    from fieldaudit import create_app
    data = tmp_path / "data"
    create_app({"DATA_DIR": str(data)})
    os.chmod(data, 0o755)
    os.chmod(data / "fieldaudit.sqlite3", 0o644)
    create_app({"DATA_DIR": str(data)})
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data / "fieldaudit.sqlite3").st_mode) == 0o600
