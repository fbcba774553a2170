"""Migration 0028 on an existing PostgreSQL hub: the changes already numbered keep their numbers, the next ones
are numbered at commit after them, and the logging triggers still log (remade). On SQLite it changes nothing."""
import pytest

from fieldaudit import db as dbm

SITE = ("INSERT INTO sites (id, code, name, timezone, created_at, updated_at, origin)"
        " VALUES (?, ?, 'Plant', 'UTC', 'x', 'x', 'o')")


def site_change_seqs(db):
    return [r["seq"] for r in dbm.query(db, "SELECT seq FROM changes WHERE tbl = 'sites' ORDER BY seq")]


@pytest.fixture
def old_hub(pg_server):
    name = f"fieldaudit_old_{id(pg_server) % 10_000}"
    pg_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_server.admin(f"CREATE DATABASE {name}")
    db = dbm.connect(pg_server.url(name))
    yield db
    dbm.close(db)
    pg_server.drop(name)


def test_an_existing_hub_keeps_its_numbers_and_numbers_the_next_changes_after_them(old_hub):
    db = old_hub
    dbm.migrate(db, target=27)
    with dbm.transaction(db):
        for n in (1, 2):
            dbm.execute(db, SITE, (f"S{n}", f"P{n}"))
    before = site_change_seqs(db)
    assert len(before) == 2 and min(before) > 0
    assert 28 in dbm.migrate(db)
    with dbm.transaction(db, parallel=True):
        dbm.execute(db, SITE, ("S3", "P3"))
    after = site_change_seqs(db)
    assert after[:2] == before and after[2] > before[1]
    assert dbm.scalar(db, "SELECT COUNT(*) FROM changes WHERE seq <= 0") == 0


def test_sqlite_is_untouched(tmp_path):
    db = dbm.connect(tmp_path / "old.sqlite3")
    try:
        dbm.migrate(db, target=27)
        dbm.execute(db, SITE, ("S1", "P1"))
        assert 28 in dbm.migrate(db)
        dbm.execute(db, SITE, ("S2", "P2"))
        assert site_change_seqs(db) == [1, 2]
    finally:
        dbm.close(db)
