"""Programme pages: guards per site and role, the plan form, Today on the home screen, one-tap start."""
from datetime import date

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.programme import generate, lpa, people, plans
from tests.factories import add_role, make_user

from .conftest import make_plan


@pytest.fixture
def plan_b(db, plant, checklist_version):
    """A plan of site B (where the site A quality manager has no role), scheduled."""
    qm_b = make_user(db, "qm.b", "quality_manager", plant["b"])
    plan = plans.create_plan(db, plant["b"], {"checklist_id": checklist_version["checklist_id"],
                                              "workstation_id": plant["ws_b"]["id"],
                                              "auditor_id": plant["auditor_b"]["id"], "frequency": "daily",
                                              "starts_on": "2026-01-01"}, by=qm_b["id"])
    generate.generate_plan(db, plan, date.fromisoformat(ids.utc_now().date().isoformat()), horizon_days=10)
    return plan


def scheduled_of(db, plan):
    return dbm.query_one(db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY due_date", (plan["id"],))


def test_programme_pages_need_the_programme_role(client, auth, plant):
    auth.login("aud.a")
    assert client.get("/programme/").status_code == 403  # auditors run audits, they do not plan them
    auth.logout()
    auth.login("qm.a")
    assert client.get("/programme/").status_code == 200
    assert client.get("/programme/calendar").status_code == 200
    assert client.get("/programme/people").status_code == 200
    assert client.get("/programme/layers").status_code == 200


def test_a_site_a_quality_manager_cannot_see_or_change_site_b(client, auth, db, plant, plan_b):
    row = scheduled_of(db, plan_b)
    auth.login("qm.a")
    assert client.get(f"/programme/?site_id={plant['b']['id']}").status_code == 404
    assert client.get(f"/programme/calendar?site_id={plant['b']['id']}").status_code == 404
    assert client.get(f"/programme/plans/{plan_b['id']}").status_code == 404
    assert auth.post(f"/programme/plans/{plan_b['id']}", {"frequency": "weekly"}).status_code == 404
    assert auth.post("/programme/plans/new", {"site_id": plant["b"]["id"]}).status_code == 404
    assert auth.post(f"/programme/scheduled/{row['id']}/missed", {"reason": "x"}).status_code == 404
    assert client.get(f"/programme/people?site_id={plant['b']['id']}").status_code == 404
    assert client.get(f"/programme/layers?site_id={plant['b']['id']}").status_code == 404
    assert auth.post("/programme/generate", {"site_id": plant["b"]["id"]}).status_code == 404
    listed = client.get("/programme/").get_data(as_text=True)
    assert plan_b["id"] not in listed and row["id"] not in listed


def test_a_role_without_the_permission_at_the_other_site_is_forbidden(client, auth, db, plant, plan_b):
    add_role(db, plant["qm"], "auditor", plant["b"])  # quality manager at A, auditor at B
    auth.login("qm.a")
    assert client.get(f"/programme/plans/{plan_b['id']}").status_code == 403
    assert client.get(f"/programme/?site_id={plant['b']['id']}").status_code == 403


def test_qualifications_and_own_areas_only_for_people_of_the_site(client, auth, db, plant):
    auth.login("qm.a")
    assert auth.post(f"/programme/people/{plant['auditor_b']['id']}/qualifications",
                     {"site_id": plant["a"]["id"], "standard": "ISO 9001", "trained_on": "2026-01-01"}
                     ).status_code == 404
    assert auth.post(f"/programme/people/{plant['auditor']['id']}/home-area",
                     {"site_id": plant["a"]["id"], "area_id": plant["area_a"]["id"]}).status_code == 303
    assert people.home_areas(db, plant["a"]["id"]) == {plant["auditor"]["id"]: plant["area_a"]["id"]}
    page = auth.post(f"/programme/people/{plant['auditor']['id']}/qualifications",
                     {"site_id": plant["a"]["id"], "standard": "ISO 9001", "trained_on": "2026-02-01",
                      "expires_on": "2025-01-01"})
    assert page.status_code == 422 and "before the training date" in page.get_data(as_text=True)


def test_plan_form_creates_and_schedules(client, auth, db, plant, checklist_version):
    auth.login("qm.a")
    assert client.get(f"/programme/plans/new?site_id={plant['a']['id']}").status_code == 200
    response = auth.post("/programme/plans/new", {
        "site_id": plant["a"]["id"], "checklist_id": checklist_version["checklist_id"],
        "workstation_id": plant["ws_a"]["id"], "auditor_id": plant["auditor"]["id"], "frequency": "monthly",
        "monthly_mode": "nth", "nth": "1", "weekday": "0", "window_days": "5", "starts_on": "2026-01-01",
        "active": "yes"})
    assert response.status_code == 303
    plan = plans.list_plans(db, [plant["a"]["id"]])[0]
    assert plan["rule"] == {"nth": 1, "weekday": 0} and plan["window_days"] == 5
    dues = [r["due_date"] for r in dbm.query(db, "SELECT due_date FROM scheduled_audits")]
    assert dues and all(date.fromisoformat(d).weekday() == 0 and int(d[8:]) <= 7 for d in dues)
    refused = auth.post("/programme/plans/new", {"site_id": plant["a"]["id"], "frequency": "monthly",
                                                 "starts_on": "2026-01-01"})
    assert refused.status_code == 422 and "published version" in refused.get_data(as_text=True)


def test_today_on_home_and_station_and_one_tap_start(client, auth, db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule={"weekdays": list(range(7))},
                     starts_on=ids.utc_now().date().isoformat(), window_days=0)
    generate.generate(db, ids.utc_now(), horizon_days=3)
    today = dbm.query_one(db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY due_date", (plan["id"],))
    auth.login("aud.a")
    home = client.get("/").get_data(as_text=True)
    assert 'id="home-due"' in home and f"/programme/scheduled/{today['id']}/start" in home
    station = client.get(f"/w/{plant['ws_a']['code']}").get_data(as_text=True)
    assert f"/programme/scheduled/{today['id']}/start" in station
    started = auth.post(f"/programme/scheduled/{today['id']}/start")
    assert started.status_code == 303 and "/audits/" in started.headers["Location"]
    again = auth.post(f"/programme/scheduled/{today['id']}/start")
    assert again.headers["Location"] == started.headers["Location"]
    assert dbm.scalar(db, "SELECT audit_id FROM scheduled_audits WHERE id = ?", (today["id"],))


def test_start_is_guarded_by_site(client, auth, db, plant, plan_b):
    row = scheduled_of(db, plan_b)
    auth.login("aud.a")
    assert auth.post(f"/programme/scheduled/{row['id']}/start").status_code == 404
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audits") == 0


def test_an_unqualified_start_is_refused_with_the_reason_on_both_paths(client, auth, db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule={"weekdays": list(range(7))},
                     starts_on=ids.utc_now().date().isoformat(), requires_qualification=True)
    generate.generate(db, ids.utc_now(), horizon_days=2)
    row = scheduled_of(db, plan)
    auth.login("aud.a")
    refused = auth.post(f"/programme/scheduled/{row['id']}/start")
    assert refused.status_code == 422 and "qualification" in refused.get_data(as_text=True)
    direct = auth.post("/audits/new", {"site_id": plant["a"]["id"], "checklist_version_id": checklist_version["id"],
                                       "workstation_id": plant["ws_a"]["id"]})
    assert direct.status_code == 422 and "qualification" in direct.get_data(as_text=True)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audits") == 0


def test_layers_and_pools(client, auth, db, plant, checklist_version):
    auth.login("qm.a")
    assert auth.post("/programme/layers", {"site_id": plant["a"]["id"], "defaults": "yes"}).status_code == 303
    assert [l["key"] for l in lpa.list_layers(db, plant["a"]["id"])] == ["team_leader", "supervisor",
                                                                         "plant_manager"]
    assert auth.post(f"/programme/pools/{checklist_version['checklist_id']}",
                     {"draw_count": "3", "recheck_days": "14", "must_ask": ["guard"]}).status_code == 303
    assert lpa.get_pool(db, checklist_version["checklist_id"])["must_ask"] == ["guard"]
    auth.logout()
    auth.login("aud.a")
    assert auth.post(f"/programme/pools/{checklist_version['checklist_id']}",
                     {"draw_count": "1"}).status_code == 403


def test_missed_from_the_list(client, auth, db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, starts_on="2020-01-01")
    generate.generate_plan(db, plan, date(2020, 1, 6), horizon_days=1)
    row = scheduled_of(db, plan)
    auth.login("qm.a")
    page = client.get("/programme/?month=2020-01").get_data(as_text=True)
    assert f"/programme/scheduled/{row['id']}/missed" in page
    assert auth.post(f"/programme/scheduled/{row['id']}/missed", {"reason": "Line stopped"}).status_code == 303
    assert "Line stopped" in client.get("/programme/?month=2020-01").get_data(as_text=True)
    assert dbm.scalar(db, "SELECT missed_by FROM scheduled_audits WHERE id = ?", (row["id"],)) == plant["qm"]["id"]


def test_an_audit_started_from_the_ordinary_form_counts_for_the_scheduled_one_it_names(client, auth, db, plant,
                                                                                       checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule={"weekdays": list(range(7))},
                     starts_on=ids.utc_now().date().isoformat(), window_days=0)
    generate.generate(db, ids.utc_now(), horizon_days=3)
    due = scheduled_of(db, plan)
    auth.login("aud.a")
    form = client.get(f"/audits/new?workstation_id={plant['ws_a']['id']}").get_data(as_text=True)
    assert f'name="scheduled_id" value="{due["id"]}"' in form and "counts for the scheduled" in form
    started = auth.post("/audits/new", {"site_id": plant["a"]["id"], "checklist_version_id": checklist_version["id"],
                                        "workstation_id": plant["ws_a"]["id"], "scheduled_id": due["id"]})
    assert started.status_code == 303
    audit_id = started.headers["Location"].split("/audits/")[1].split("/")[0]
    assert dbm.scalar(db, "SELECT audit_id FROM scheduled_audits WHERE id = ?", (due["id"],)) == audit_id
    # Linked once: the same scheduled audit is no longer offered, and naming it again is refused, starting nothing.
    again = client.get(f"/audits/new?workstation_id={plant['ws_a']['id']}").get_data(as_text=True)
    assert f'value="{due["id"]}"' not in again
    refused = auth.post("/audits/new", {"site_id": plant["a"]["id"], "checklist_version_id": checklist_version["id"],
                                        "workstation_id": plant["ws_a"]["id"], "scheduled_id": due["id"]})
    assert refused.status_code == 422 and "can count for" in refused.get_data(as_text=True)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audits") == 1


def test_an_ordinary_start_cannot_count_for_someone_elses_scheduled_audit(client, auth, db, plant, checklist_version):
    other = make_user(db, "aud.other", "auditor", plant["a"])
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule={"weekdays": list(range(7))},
                     starts_on=ids.utc_now().date().isoformat(), window_days=0, auditor_id=other["id"])
    generate.generate(db, ids.utc_now(), horizon_days=3)
    theirs = scheduled_of(db, plan)
    auth.login("aud.a")
    assert f'value="{theirs["id"]}"' not in client.get(
        f"/audits/new?workstation_id={plant['ws_a']['id']}").get_data(as_text=True)
    refused = auth.post("/audits/new", {"site_id": plant["a"]["id"], "checklist_version_id": checklist_version["id"],
                                        "workstation_id": plant["ws_a"]["id"], "scheduled_id": theirs["id"]})
    assert refused.status_code == 422 and "can count for" in refused.get_data(as_text=True)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audits") == 0
    assert dbm.scalar(db, "SELECT audit_id FROM scheduled_audits WHERE id = ?", (theirs["id"],)) is None
