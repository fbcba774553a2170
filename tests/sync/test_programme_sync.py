"""The audit programme on a hub: plans and their occurrences come down by site, a device's scheduled audit done
there goes up (and on to the site's other devices), training records come down per person (docs/PROGRAMME.md)."""
from datetime import datetime, timezone

import pytest

from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from fieldaudit.auth import users
from fieldaudit.programme import generate, lpa, people, plans, schedule, start
from fieldaudit.sync import pull
from fieldaudit.refusal import Refusal
from tests.factories import FULL_ANSWERS, PASSWORD, Auth, make_user
from tests.programme.conftest import make_plan

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)

NOW = datetime.now(timezone.utc)


def _programme_on_hub(hub, checklist_version):
    """A plan at each site, generated two weeks ahead, with layers, an own area, a pool and training."""
    db, plant = hub["db"], hub["plant"]
    plan_a = make_plan(db, plant, checklist_version, frequency="daily", rule={"weekdays": list(range(7))},
                       window_days=0,
                       starts_on=schedule.local_today(plant["a"]["timezone"], NOW).isoformat())
    plan_b = plans.create_plan(db, plant["b"], {
        "checklist_id": checklist_version["checklist_id"], "workstation_id": plant["ws_b"]["id"],
        "auditor_id": plant["auditor_b"]["id"], "frequency": "weekly", "rule": {"weekdays": [0]},
        "window_days": 2, "starts_on": "2026-01-01"}, by=plant["group_admin"]["id"])
    assert generate.generate(db, NOW, horizon_days=14) > 0
    for site in (plant["a"], plant["b"]):
        lpa.ensure_default_layers(db, site["id"])
    people.set_home_area(db, plant["auditor"]["id"], plant["a"]["id"], plant["area_a"]["id"])
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO lpa_pools (checklist_id, draw_count, must_ask, recheck_days, created_at,"
                        " updated_at, origin) VALUES (?, 2, '[]', 30, ?, ?, 'hub')",
                    (checklist_version["checklist_id"], NOW.isoformat(), NOW.isoformat()))
    mine = people.add_qualification(db, plant["auditor"]["id"], checklist_id=checklist_version["checklist_id"],
                                    trained_on="2026-01-05", by=plant["qm"]["id"])
    theirs = people.add_qualification(db, plant["auditor_b"]["id"], standard="ISO 9001:2015",
                                      trained_on="2026-01-05", by=plant["group_admin"]["id"])
    return {"a": plan_a, "b": plan_b, "mine": mine, "theirs": theirs}


def _sent(hub_db, site_ids) -> set:
    """(table, key) of every change the hub's pull offers a device of these sites from the start."""
    page = pull.page(hub_db, {"id": "a-device", "site_ids": list(site_ids)}, 0, pull.MAX_LIMIT)
    assert not page["more"]
    return {(c["table"], c["key"]) for c in page["changes"]}


def _ids(db, sql, params=()):
    return {r["id"] for r in dbm.query(db, sql, params)}


def test_a_plan_made_on_the_hub_reaches_its_sites_device_with_its_scheduled_audits(hub, make_device,
                                                                                  checklist_version):
    made = _programme_on_hub(hub, checklist_version)
    plant, hub_db = hub["plant"], hub["db"]
    device = make_device("d1")
    device.sync()
    here = device.db
    assert _ids(here, "SELECT id FROM audit_plans") == {made["a"]["id"]}
    wanted = dbm.query(hub_db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY id", (made["a"]["id"],))
    assert len(wanted) == 15  # today and the next fourteen days
    assert dbm.query(here, "SELECT * FROM scheduled_audits ORDER BY id") == wanted
    assert {r["site_id"] for r in dbm.query(here, "SELECT site_id FROM lpa_layers")} == {plant["a"]["id"]}
    assert {r["site_id"] for r in dbm.query(here, "SELECT site_id FROM home_areas")} == {plant["a"]["id"]}
    assert dbm.scalar(here, "SELECT COUNT(*) FROM lpa_pools") == 1  # pools go to every device
    # Training records only of people with a role at the device's sites (the filter of users): not even offered.
    assert _ids(here, "SELECT id FROM qualifications") == {made["mine"]["id"]}
    offered = _sent(hub_db, [plant["a"]["id"]])
    assert ("qualifications", made["mine"]["id"]) in offered
    assert ("qualifications", made["theirs"]["id"]) not in offered


def test_a_site_b_plan_never_reaches_a_site_a_device_and_does_reach_a_site_b_one(hub, make_device,
                                                                                checklist_version):
    made = _programme_on_hub(hub, checklist_version)
    a_device, b_device = make_device("da", sites=("a",)), make_device("db", sites=("b",))
    a_device.sync()
    b_device.sync()
    assert not dbm.scalar(a_device.db, "SELECT COUNT(*) FROM scheduled_audits WHERE plan_id = ?", (made["b"]["id"],))
    # Not merely refused by the device's foreign keys: the hub never offers them.
    site_b = hub["plant"]["b"]["id"]
    rows_b = {(t, r["id"]) for t in ("audit_plans", "scheduled_audits", "lpa_layers")
              for r in dbm.query(hub["db"], f"SELECT id FROM {t} WHERE site_id = ?", (site_b,))}
    assert len(rows_b) > 3 and not rows_b & _sent(hub["db"], [hub["plant"]["a"]["id"]])
    assert _ids(b_device.db, "SELECT id FROM audit_plans") == {made["b"]["id"]}
    assert dbm.scalar(b_device.db, "SELECT COUNT(*) FROM scheduled_audits WHERE plan_id = ?", (made["b"]["id"],))
    assert _ids(b_device.db, "SELECT id FROM qualifications") == {made["theirs"]["id"]}


def test_a_person_given_a_role_later_brings_their_training_records(hub, make_device, checklist_version):
    plant, hub_db = hub["plant"], hub["db"]
    device = make_device("d1")
    newcomer = make_user(hub_db, "new.b", "auditor", plant["b"])
    qm_b = make_user(hub_db, "qm.b", "quality_manager", plant["b"])  # never on a site A device
    record_ = people.add_qualification(hub_db, newcomer["id"], checklist_id=checklist_version["checklist_id"],
                                       trained_on="2026-02-01", by=qm_b["id"])
    device.sync()
    assert not dbm.scalar(device.db, "SELECT COUNT(*) FROM qualifications")  # no role at site A yet
    users.add_membership(hub_db, newcomer["id"], plant["a"]["id"], "auditor")
    device.sync()
    assert _ids(device.db, "SELECT id FROM qualifications") == {record_["id"]}  # its recorder is not there
    assert not dbm.scalar(device.db, "SELECT COUNT(*) FROM users WHERE id = ?", (qm_b["id"],))


def _do(device, plant, scheduled):
    """Start the scheduled audit on the device, answer everything and submit it."""
    audit = start.start_scheduled(device.db, scheduled["id"], plant["auditor"], scheduled["due_date"])
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(device.db, audit, qid, value, None, plant["auditor"]["id"])
    record.submit(device.db, audit["id"], plant["auditor"])
    return dbm.query_one(device.db, "SELECT * FROM audits WHERE id = ?", (audit["id"],))


def test_a_scheduled_audit_done_on_a_device_is_done_on_the_hub_and_on_the_sites_other_device(
        hub, make_device, checklist_version):
    made = _programme_on_hub(hub, checklist_version)
    plant, hub_db = hub["plant"], hub["db"]
    one, other = make_device("d1"), make_device("d2")
    one.sync()
    other.sync()
    scheduled = dbm.query_one(one.db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY due_date LIMIT 1",
                              (made["a"]["id"],))
    audit = _do(one, plant, scheduled)
    summary = one.sync()
    assert summary["set_aside"] == 0, summary
    on_hub = dbm.query_one(hub_db, "SELECT * FROM scheduled_audits WHERE id = ?", (scheduled["id"],))
    assert on_hub["audit_id"] == audit["id"]
    assert on_hub["done_on"] == schedule.local_date_of(audit["submitted_at"], plant["a"]["timezone"])
    assert dbm.scalar(hub_db, "SELECT status FROM audits WHERE id = ?", (audit["id"],)) == "submitted"
    # The other device never holds that audit (audits only flow up), yet the occurrence is done there too.
    other.sync()
    there = dbm.query_one(other.db, "SELECT * FROM scheduled_audits WHERE id = ?", (scheduled["id"],))
    assert not dbm.scalar(other.db, "SELECT COUNT(*) FROM audits WHERE id = ?", (audit["id"],))
    assert (there["audit_id"], there["done_on"]) == (audit["id"], on_hub["done_on"])


def test_a_scheduled_audit_started_on_another_device_is_shown_so_and_cannot_be_started_twice(
        hub, make_device, checklist_version):
    made = _programme_on_hub(hub, checklist_version)
    plant = hub["plant"]
    one, other = make_device("d1"), make_device("d2")
    one.sync()
    today = dbm.query_one(one.db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY due_date LIMIT 1",
                          (made["a"]["id"],))
    start.start_scheduled(one.db, today["id"], plant["auditor"], today["due_date"])
    one.sync()
    other.sync()
    with pytest.raises(Refusal) as refused:
        start.start_scheduled(other.db, today["id"], plant["auditor"], today["due_date"])
    assert refused.value.status == 409 and "another device" in refused.value.message
    auth = Auth(other.app.test_client())
    assert auth.login("aud.a", PASSWORD).status_code == 303
    home = auth.client.get("/").get_data(as_text=True)
    item = home[home.index(f'id="due-{today["id"]}"'):]
    item = item[:item.index("</li>")]
    assert "started on another device" in item and "Start" not in item and "Resume" not in item
