"""A device pulls the hub's reference data, makes an audit with a photo, and it arrives on the hub once."""
import pytest

from fieldaudit import db as dbm
from fieldaudit import settings
from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from tests.factories import FULL_ANSWERS

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)


def test_first_sync_brings_reference_data_and_sends_an_audit_up_exactly_once(hub, make_device, checklist_version):
    device = make_device("d1")
    first = device.sync()
    assert first["pulled"] > 0
    plant = hub["plant"]
    assert dbm.scalar(device.db, "SELECT code FROM sites WHERE id = ?", (plant["a"]["id"],)) == "PLTA"
    assert dbm.scalar(device.db, "SELECT COUNT(*) FROM sites WHERE id = ?", (plant["b"]["id"],)) == 0
    assert dbm.scalar(device.db, "SELECT COUNT(*) FROM users WHERE id = ?", (plant["auditor_b"]["id"],)) == 0
    site = dbm.query_one(device.db, "SELECT * FROM sites WHERE id = ?", (plant["a"]["id"],))
    audit = audits.create_audit(device.db, site=site, checklist_version_id=checklist_version["id"],
                                auditor_id=plant["auditor"]["id"])
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(device.db, audit, qid, value, None, plant["auditor"]["id"])
    record.submit(device.db, audit["id"], plant["auditor"])
    summary = device.sync()
    assert summary["pushed"] > 0 and summary["set_aside"] == 0, summary
    on_hub = dbm.query_one(hub["db"], "SELECT * FROM audits WHERE id = ?", (audit["id"],))
    here = dbm.query_one(device.db, "SELECT * FROM audits WHERE id = ?", (audit["id"],))
    assert on_hub == here
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM answers WHERE audit_id = ?", (audit["id"],)) == len(FULL_ANSWERS)
    again = device.sync()
    assert again["pushed"] == 0 and again["pulled"] == 0
    assert settings.get(device.db, "hub_anchor")
