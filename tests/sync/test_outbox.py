"""The outbox: triggers log every write once, applied changes do not echo, and an upgraded database with history
sends it once, in an order the receiver's rules accept."""
import pytest

import json

from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.sync import apply, hlc, outbox, snapshot, tables
from tests.factories import CHECKLIST, make_site, make_user, submit_with_findings

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)


def test_every_write_is_logged_in_its_own_transaction_with_increasing_clocks(db, audit, plant):
    before = dbm.scalar(db, "SELECT COUNT(*) FROM changes")
    audits.save_answer(db, audit, "guard", "yes", None, plant["auditor"]["id"])
    audits.save_answer(db, audit, "guard", "no", None, plant["auditor"]["id"])
    logged = dbm.query(db, "SELECT * FROM changes WHERE tbl = 'answers' ORDER BY seq")
    assert [c["op"] for c in logged] == ["insert", "update"]
    update = json.loads(logged[1]["data"])
    assert json.loads(update["value"]) == "no" and "question_id" not in update
    assert logged[0]["site_id"] == plant["a"]["id"]
    stamps = [r["hlc"] for r in dbm.query(db, "SELECT hlc FROM changes ORDER BY seq")]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM changes") > before
    assert len(logged[0]["id"]) == 26


def test_a_failed_write_logs_nothing(db, audit, plant):
    before = dbm.scalar(db, "SELECT COUNT(*) FROM changes")
    try:
        with dbm.transaction(db):
            audits.save_answer(db, audit, "guard", "yes", None, plant["auditor"]["id"])
            raise RuntimeError("the action failed after its write")
    except RuntimeError:
        pass
    assert dbm.scalar(db, "SELECT COUNT(*) FROM changes") == before


def test_changes_applied_from_a_peer_do_not_echo_back(db, plant):
    row = dict(dbm.query_one(db, "SELECT * FROM sites WHERE id = ?", (plant["a"]["id"],)), name="Renamed")
    before = dbm.scalar(db, "SELECT COUNT(*) FROM changes")
    with dbm.transaction(db), outbox.applying(db):
        apply.apply(db, {"id": "X", "table": "sites", "key": row["id"], "op": "update", "data": {"name": "Renamed"},
                         "hlc": hlc.pack(hlc.now_ms())}, hub=False)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM changes") == before
    assert dbm.scalar(db, "SELECT name FROM sites WHERE id = ?", (row["id"],)) == "Renamed"
    assert dbm.scalar(db, "SELECT COUNT(*) FROM sync_apply") == 0  # the flag never outlives its transaction


def test_an_upgraded_database_sends_its_history_once_in_an_order_the_receiver_accepts(tmp_path, migrated_database):
    old = dbm.connect(tmp_path / "old.sqlite3")
    dbm.migrate(old, target=12)
    # Today's submission also marks a scheduled audit done: give the old database the programme's tables
    # (0016, which adds nothing that syncs) so the current code can make its history.
    with dbm.transaction(old):
        number, name, programme = next(m for m in dbm.migrations() if m[0] == 16)
        programme.upgrade(old)
        old.conn.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, '')", (number, name))
    site = make_site(old, "PLTA")
    auditor = make_user(old, "aud", "auditor", site)
    version, _ = store.publish(old, parse_checklist(CHECKLIST, "walk.yaml"), by=None)
    plant = {"auditor": auditor}
    made = audits.create_audit(old, site=site, checklist_version_id=version["id"], auditor_id=auditor["id"])
    submit_with_findings(old, plant, made, ["major", "minor"])
    assert not old["changes"].exists()
    dbm.migrate(old)
    logged = snapshot.describe(old)
    for table in ("sites", "users", "audits", "answers", "findings", "signatures", "audit_trail"):
        assert logged[table] == dbm.scalar(old, f"SELECT COUNT(*) FROM {table}") + (table == "audits"), table
    with dbm.transaction(old):
        assert snapshot.take(old) == 0  # never logged twice
    # Replayed in order into an empty database, the history arrives whole despite its immutability triggers.
    fresh = dbm.connect(tmp_path / "fresh.sqlite3")
    dbm.migrate(fresh)
    with dbm.transaction(fresh), outbox.applying(fresh):
        for change in dbm.query(old, "SELECT * FROM changes ORDER BY seq"):
            apply.apply(fresh, outbox.row_of(change), hub=True)
    for table in tables.TABLES:
        assert dbm.query(fresh, f"SELECT * FROM {table.name} ORDER BY 1") == \
            dbm.query(old, f"SELECT * FROM {table.name} ORDER BY 1"), table.name


def test_columns_added_after_the_outbox_travel_too(db):
    from fieldaudit.checklists import drafts

    drafts.new_checklist(db, "weld-cell", "Weld cell", by=None)
    logged = dbm.query(db, "SELECT data FROM changes WHERE tbl = 'checklist_versions' ORDER BY seq DESC LIMIT 1")
    assert {"revision", "edited_by", "edited_at"} <= set(json.loads(logged[0]["data"]))
