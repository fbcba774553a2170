"""Starting a scheduled audit: linked once, done when submitted, impartiality and qualification."""
import threading
from datetime import date

import pytest

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.programme import data, generate, people, plans, start
from fieldaudit.refusal import Refusal
from tests.factories import submit_with_findings

from .conftest import make_plan

MONDAY = date(2026, 3, 2)


def first_scheduled(db, plan):
    generate.generate_plan(db, plan, MONDAY, horizon_days=6)
    return dbm.query_one(db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY due_date", (plan["id"],))


def test_start_links_the_audit_and_submission_marks_it_done_on_time(db, plant, checklist_version):
    row = first_scheduled(db, make_plan(db, plant, checklist_version))
    audit = start.start_scheduled(db, row["id"], plant["auditor"], "2026-03-02")
    assert audit["workstation_id"] == plant["ws_a"]["id"] and audit["auditor_id"] == plant["auditor"]["id"]
    linked = data.get_scheduled(db, row["id"], "2026-03-02")
    assert linked["audit_id"] == audit["id"] and linked["state"] == "due"
    submit_with_findings(db, plant, audit, [])
    done = data.get_scheduled(db, row["id"], "2026-03-02")
    assert done["state"] == "done" and done["done_on"] is not None


def test_a_second_tap_returns_the_same_audit_and_nobody_else_can_take_it(db, plant, checklist_version):
    row = first_scheduled(db, make_plan(db, plant, checklist_version, auditor_id=None,
                                        pool=[plant["auditor"]["id"], plant["qm"]["id"]]))
    assert row["auditor_id"] is not None
    owner = plant["auditor"] if row["auditor_id"] == plant["auditor"]["id"] else plant["qm"]
    other = plant["qm"] if owner is plant["auditor"] else plant["auditor"]
    with pytest.raises(Refusal) as not_theirs:
        start.start_scheduled(db, row["id"], other, "2026-03-02")
    assert not_theirs.value.status == 403
    first = start.start_scheduled(db, row["id"], owner, "2026-03-02")
    assert start.start_scheduled(db, row["id"], owner, "2026-03-02")["id"] == first["id"]
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audits") == 1


def test_two_taps_at_once_start_one_audit(app, db, plant, checklist_version):
    row = first_scheduled(db, make_plan(db, plant, checklist_version))
    results, path = [], config.database_target(app.config)

    def tap():
        own = dbm.connect(path)
        try:
            results.append(start.start_scheduled(own, row["id"], plant["auditor"], "2026-03-02")["id"])
        finally:
            own.conn.close()
    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1]
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audits") == 1


def test_impartiality_picks_someone_from_another_area_and_warns_when_nobody_is(db, plant, checklist_version,
                                                                             second_area):
    people.set_home_area(db, plant["auditor"]["id"], plant["a"]["id"], plant["area_a"]["id"])
    people.set_home_area(db, second_area["auditor"]["id"], plant["a"]["id"], second_area["area"]["id"])
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule={},
                     pool=[plant["auditor"]["id"], second_area["auditor"]["id"]])
    generate.generate_plan(db, plan, MONDAY, horizon_days=13)
    assigned = {r["auditor_id"] for r in dbm.query(db, "SELECT auditor_id FROM scheduled_audits")}
    assert assigned == {second_area["auditor"]["id"]}  # the named auditor works in Assembly
    assert plans.warnings(db, plan, "2026-03-02") == []
    lonely = make_plan(db, plant, checklist_version, pool=[])
    assert any("Impartiality" in w for w in plans.warnings(db, lonely, "2026-03-02"))
    generate.generate_plan(db, lonely, MONDAY, horizon_days=6)
    assert dbm.scalar(db, "SELECT auditor_id FROM scheduled_audits WHERE plan_id = ?", (lonely["id"],)) is None


def test_pool_rotates_among_the_impartial(db, plant, checklist_version, second_area):
    plan = make_plan(db, plant, checklist_version, auditor_id=None, frequency="daily", rule={},
                     pool=[plant["auditor"]["id"], second_area["auditor"]["id"]])
    generate.generate_plan(db, plan, MONDAY, horizon_days=3)
    got = [r["auditor_id"] for r in dbm.query(db, "SELECT auditor_id FROM scheduled_audits ORDER BY due_date")]
    assert got == [plant["auditor"]["id"], second_area["auditor"]["id"]] * 2


def test_qualification_missing_or_expired_blocks_the_start_with_a_clear_message(db, plant, checklist_version):
    row = first_scheduled(db, make_plan(db, plant, checklist_version, requires_qualification=True))
    with pytest.raises(Refusal) as missing:
        start.start_scheduled(db, row["id"], plant["auditor"], "2026-03-02")
    assert missing.value.status == 422 and "is not on record" in missing.value.message
    people.add_qualification(db, plant["auditor"]["id"], standard="ISO 9001:2015", trained_on="2024-01-10",
                             expires_on="2026-01-10", evidence="Lead auditor course")
    with pytest.raises(Refusal) as expired:
        start.start_scheduled(db, row["id"], plant["auditor"], "2026-03-02")
    assert "has expired" in expired.value.message
    plan = plans.get_plan(db, row["plan_id"])
    assert any("expired" in w for w in plans.warnings(db, plan, "2026-03-02"))
    people.add_qualification(db, plant["auditor"]["id"], checklist_id=checklist_version["checklist_id"],
                             trained_on="2026-02-01", expires_on="2027-02-01")
    assert start.start_scheduled(db, row["id"], plant["auditor"], "2026-03-02")["id"]
    assert plans.warnings(db, plan, "2026-03-02") == []


def test_no_qualification_needed_when_no_plan_asks_for_one(db, plant, checklist_version):
    row = first_scheduled(db, make_plan(db, plant, checklist_version))
    assert start.start_scheduled(db, row["id"], plant["auditor"], "2026-03-02")["id"]
