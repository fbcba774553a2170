"""Migration 0030: a fresh database migrates with the programme tables in tables.TABLES (0013/0014 skip tables a
later migration makes); an older database with a programme keeps its rows, loses the audit foreign key and gets its
programme rows in the snapshot once."""
import os
from datetime import datetime, timezone

from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.programme import generate, plans, start
from fieldaudit.stations import data as stations
from fieldaudit.sync import tables
from tests.factories import CHECKLIST, make_site, make_user

PROGRAMME = ("audit_plans", "home_areas", "lpa_layers", "lpa_pools", "qualifications", "scheduled_audits")


def _triggers(db, table):
    return {r["name"] for r in dbm.query(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                              " AND tbl_name = ? AND name LIKE 'sync_%'", (table,))}


def test_a_fresh_database_migrates_and_logs_programme_writes(tmp_path):
    db = dbm.connect(tmp_path / "fresh.sqlite3")
    assert 30 in dbm.migrate(db)
    assert all(name in tables.BY_NAME for name in PROGRAMME)
    for name in PROGRAMME:
        assert _triggers(db, name) == {f"sync_{name}_{op}" for op in ("insert", "update", "delete")}, name
    site = make_site(db, "PLTA")
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO lpa_layers (id, site_id, key, name, frequency, created_at, updated_at, origin)"
                        " VALUES ('L1', ?, 'tl', 'Team leader', 'daily', 'x', 'x', 'here')", (site["id"],))
    logged = dbm.query_one(db, "SELECT * FROM changes WHERE tbl = 'lpa_layers'")
    assert (logged["row_key"], logged["op"], logged["site_id"]) == ("L1", "insert", site["id"])


def _older_with_programme(db) -> dict:
    """Migrate `db` to just before 0030 and give it a programme: a plan, four occurrences, one started."""
    dbm.migrate(db, target=max(n for n, _, _ in dbm.migrations() if n < 30))
    site = make_site(db, "PLTA")
    area = stations.create_area(db, site["id"], "ASM", "Assembly")
    station = stations.create_workstation(db, site["id"], area["id"], "A-01", "Station A1")
    auditor = make_user(db, "aud.a", "auditor", site)
    version, _ = store.publish(db, parse_checklist(CHECKLIST, "walk.yaml"), by=None)
    plan = plans.create_plan(db, site, {"checklist_id": version["checklist_id"], "workstation_id": station["id"],
                                        "auditor_id": auditor["id"], "frequency": "weekly",
                                        "rule": {"weekdays": [0]}, "window_days": 2, "starts_on": "2026-01-01"},
                             by=None)
    assert generate.generate(db, datetime(2026, 3, 4, 12, tzinfo=timezone.utc), horizon_days=28) == 4
    first = dbm.query_one(db, "SELECT * FROM scheduled_audits ORDER BY due_date LIMIT 1")
    audit = start.start_scheduled(db, first["id"], auditor, first["due_date"])
    assert not dbm.scalar(db, "SELECT COUNT(*) FROM changes WHERE tbl IN ('audit_plans', 'scheduled_audits')")
    return {"site": site, "plan": plan, "first": first, "audit": audit,
            "before": dbm.query(db, "SELECT * FROM scheduled_audits ORDER BY id")}


def _check_upgraded(db, old: dict) -> None:
    assert 30 in dbm.migrate(db)
    site, first, audit, before = old["site"], old["first"], old["audit"], old["before"]
    assert dbm.query(db, "SELECT * FROM scheduled_audits ORDER BY id") == before
    assert dbm.scalar(db, "SELECT audit_id FROM scheduled_audits WHERE id = ?", (first["id"],)) == audit["id"]
    snap = dbm.query(db, "SELECT tbl, row_key, site_id, op FROM changes WHERE snapshot = 1 AND tbl IN"
                         " ('audit_plans', 'scheduled_audits') ORDER BY seq")
    assert snap[0] == {"tbl": "audit_plans", "row_key": old["plan"]["id"], "site_id": site["id"], "op": "insert"}
    assert {(r["row_key"], r["site_id"]) for r in snap[1:]} == {(r["id"], site["id"]) for r in before}
    # Once: the audits were in the log already (0013 onwards), none is logged a second time.
    assert dbm.scalar(db, "SELECT COUNT(*) FROM changes WHERE tbl = 'audits' AND row_key = ?", (audit["id"],)) == 1
    assert audits.get_audit(db, audit["id"])["status"] == "in_progress"
    # No foreign key on audit_id any more: an audit held only by another replica can be named.
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE scheduled_audits SET audit_id = 'ON-ANOTHER-DEVICE' WHERE id = ?", (first["id"],))
    logged = dbm.query(db, "SELECT * FROM changes WHERE tbl = 'scheduled_audits' AND snapshot = 0")
    assert [(c["row_key"], c["op"], c["site_id"]) for c in logged] == [(first["id"], "update", site["id"])]


def test_an_older_database_keeps_its_programme_and_snapshots_it_once(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = dbm.connect(path)
    old = _older_with_programme(db)
    db.conn.close()
    db = dbm.connect(path)
    _check_upgraded(db, old)
    assert "audits" not in {r["table"] for r in dbm.query(db, "PRAGMA foreign_key_list(scheduled_audits)")}
    index_names = {r["name"] for r in dbm.query(db, "PRAGMA index_list(scheduled_audits)")}
    assert {"scheduled_audits_audit", "scheduled_audits_site_due"} <= index_names


def test_a_postgres_hub_with_a_programme_upgrades_alike(pg_server):
    name = f"fieldaudit_prog_upgrade_{os.getpid()}"
    pg_server.admin(f"CREATE DATABASE {name}")
    db = dbm.connect(pg_server.url(name))
    try:
        _check_upgraded(db, _older_with_programme(db))
    finally:
        dbm.close(db)
        pg_server.drop(name)
