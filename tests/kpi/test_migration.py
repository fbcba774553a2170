"""Migration 0018 (KPI indexes) upgrades a database of the version before it, keeps its data, and the KPI queries
use the new indexes."""
from datetime import date

import pytest

from fieldaudit import db as dbm
from fieldaudit.kpi import capas, findings, rollup, scores
from fieldaudit.kpi.scope import make_scope

INDEXES = {"audits_site_submitted", "findings_audit_severity", "capas_site_closed", "capa_events_from_state"}


def test_upgrade_to_0018_keeps_data_and_adds_the_indexes(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = dbm.connect(path)
    dbm.migrate(old, target=17)
    old.conn.execute("INSERT INTO sites (id, code, name, timezone, created_at, updated_at, origin)"
                     " VALUES ('S1', 'OLD', 'Old plant', 'Europe/Paris', 'x', 'x', 'dev')")
    names = {r[0] for r in old.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not names & INDEXES
    old.conn.close()

    db = dbm.connect(path)
    assert 18 in dbm.migrate(db)
    names = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert INDEXES <= names
    site = dbm.query_one(db, "SELECT * FROM sites")
    scope = make_scope([site], date(2026, 1, 1), date(2026, 3, 31))
    assert [r["audits"] for r in scores.per_month(db, scope)] == [0, 0, 0]


def _plan(db, sql, params) -> str:
    return " | ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql, params))


@pytest.mark.sqlite_only("reads SQLite's query plans")
def test_kpi_queries_search_by_the_new_indexes(db, plant):
    scope = make_scope([plant["a"]], date(2026, 1, 1), date(2026, 3, 31))
    seen = []
    db.conn.set_trace_callback(seen.append)
    try:
        scores.per_month(db, scope)
        findings.by_severity(db, scope)
        capas.time_to_close(db, scope)
        capas.effectiveness(db, scope)
    finally:
        db.conn.set_trace_callback(None)
    # The figures' statements (WITH … or, as the effectiveness checks now, a plain SELECT over capa_events).
    plans = " ".join(_plan(db, sql, ()) for sql in seen if sql.lstrip().upper().startswith(("WITH", "SELECT")))
    for index in INDEXES:
        assert f"USING INDEX {index}" in plans or f"USING COVERING INDEX {index}" in plans, (index, plans)


def test_upgrade_to_0024_makes_the_roll_up_of_every_site(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = dbm.connect(path)
    dbm.migrate(old, target=23)
    old.conn.execute("INSERT INTO sites (id, code, name, timezone, created_at, updated_at, origin)"
                     " VALUES ('S1', 'OLD', 'Old plant', 'Asia/Kolkata', 'x', 'x', 'dev')")
    old.conn.commit()
    old.conn.close()

    db = dbm.connect(path)
    assert 24 in dbm.migrate(db)
    # India is 5:30 ahead: its March begins at 18:30 UTC on the last day of February.
    assert dbm.query_one(db, "SELECT lo, hi FROM kpi_site_months WHERE site_id = 'S1' AND month = '2026-03'") == {
        "lo": "2026-02-28T18:30:00.000Z", "hi": "2026-03-31T18:30:00.000Z"}
    assert dbm.scalar(db, "SELECT COUNT(*) FROM kpi_site_months WHERE site_id = 'S1'") == 1200


def _undo_0024(db):
    """Take a database back to before 0024 (its tables, triggers and version row gone), keeping the data."""
    for name, kind in db.conn.execute("SELECT name, type FROM sqlite_master WHERE name LIKE 'kpi_%'"
                                      " AND type IN ('table', 'trigger')").fetchall():
        db.conn.execute(f"DROP {kind.upper()} IF EXISTS {name}")
    db.conn.execute("DELETE FROM schema_version WHERE version = 24")
    db.conn.commit()


@pytest.mark.sqlite_only("takes the store back to before 0024 through sqlite_master")
def test_upgrade_to_0024_backfills_the_audits_already_submitted(db, plant, kpi):
    from .test_figures import scope_of

    scope = scope_of(plant["a"], plant["b"])
    before = [(r["month"], r["audits"], r["average"]) for r in scores.per_month(db, scope)]
    _undo_0024(db)
    assert dbm.migrate(db) == [24]
    assert len(rollup.split(db, scope)[0]) == 6  # every month of both sites is read from the roll-up again
    assert dbm.scalar(db, "SELECT SUM(audits) FROM kpi_audit_months") == 8
    assert [(r["month"], r["audits"], r["average"]) for r in scores.per_month(db, scope)] == before
