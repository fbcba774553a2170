"""The server's daily generation: once per site and local day however many runners, the next day again, in the
site's calendar; never on a site server paired with a hub (the hub generates)."""
import threading
import time
from datetime import datetime, timezone

import pytest

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit import settings
from fieldaudit.programme import daily, generate, lpa, people, plans
from fieldaudit.refusal import Refusal

from .conftest import make_plan

# The hub's store on PostgreSQL too (several processes share it there); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)

# Berlin (site A) is UTC+1 in March: 23:30 UTC on the 3rd is already the 4th there.
EVENING = datetime(2026, 3, 3, 22, 30, tzinfo=timezone.utc)   # 23:30 on the 3rd in Berlin
AFTER_MIDNIGHT = datetime(2026, 3, 3, 23, 30, tzinfo=timezone.utc)  # 00:30 on the 4th in Berlin
EVERY_DAY = {"weekdays": [0, 1, 2, 3, 4, 5, 6]}


def _count(db, plan_id):
    return dbm.scalar(db, "SELECT COUNT(*) FROM scheduled_audits WHERE plan_id = ?", (plan_id,))


def test_two_runners_at_once_generate_a_sites_day_once(app, db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule=EVERY_DAY)
    path = config.database_target(app.config)
    start, results = threading.Barrier(2), {}

    def runner(name):
        conn = dbm.connect(path)
        try:
            start.wait()
            results[name] = daily.run_due(conn, EVENING, name)
        finally:
            dbm.close(conn)

    threads = [threading.Thread(target=runner, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ran_a = [r for rs in results.values() for r in rs if r["site_id"] == plant["a"]["id"]]
    assert len(ran_a) == 1 and ran_a[0]["day"] == "2026-03-03"
    assert ran_a[0]["created"] == _count(db, plan["id"]) == generate.HORIZON_DAYS + 1
    row = dbm.query_one(db, "SELECT * FROM programme_days WHERE site_id = ?", (plant["a"]["id"],))
    assert (row["day"], row["holder"]) == ("2026-03-03", next(n for n, rs in results.items() if rs))


def test_the_next_local_day_runs_again_and_the_same_day_does_not(db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule=EVERY_DAY)
    first = daily.run_due(db, datetime(2026, 3, 3, 8, tzinfo=timezone.utc))
    assert [r["day"] for r in first if r["site_id"] == plant["a"]["id"]] == ["2026-03-03"]
    made = _count(db, plan["id"])
    assert daily.run_due(db, EVENING) == []  # still the 3rd in Berlin and in Chicago
    assert _count(db, plan["id"]) == made
    nxt = daily.run_due(db, AFTER_MIDNIGHT)  # the 4th in Berlin, still the 3rd in Chicago (site B)
    assert [(r["site_id"], r["day"], r["created"]) for r in nxt] == [(plant["a"]["id"], "2026-03-04", 1)]
    assert _count(db, plan["id"]) == made + 1  # one more day at the horizon's end


def test_one_runner_holds_the_lease_and_the_other_waits(app, db, plant, checklist_version):
    make_plan(db, plant, checklist_version, frequency="daily", rule=EVERY_DAY)
    clock = [EVENING]
    first = daily.Runner(config.database_target(app.config), 7200, clock=lambda: clock[0])  # a lease of 2 h
    second = daily.Runner(config.database_target(app.config), 7200, clock=lambda: clock[0])
    assert [r["day"] for r in first.turn(db)] == ["2026-03-03", "2026-03-03"]
    clock[0] = AFTER_MIDNIGHT
    assert second.turn(db) == []  # the first one's lease has not lapsed
    assert [r["code"] for r in first.turn(db)] == ["PLTA"]
    clock[0] = datetime(2026, 3, 5, 6, tzinfo=timezone.utc)  # the first runner died: its lease lapsed
    assert [(r["code"], r["day"]) for r in second.turn(db)] == [("PLTA", "2026-03-05"), ("PLTB", "2026-03-05")]


def test_the_runner_thread_generates_with_nobody_pressing_anything(app, db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule=EVERY_DAY)
    runner = daily.Runner(config.database_target(app.config), 3600, clock=lambda: EVENING).start()
    deadline = time.monotonic() + 60
    while runner.turns < 1:
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)
    runner.stop()
    assert _count(db, plan["id"]) == generate.HORIZON_DAYS + 1
    assert not dbm.scalar(db, "SELECT COUNT(*) FROM sync_lease WHERE name = ?", (daily.LEASE,))  # given up


def test_a_site_server_paired_with_a_hub_does_not_generate(app, db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule=EVERY_DAY)
    settings.put(db, "hub_url", "http://hub.test")
    assert daily.run_due(db, EVENING) == []
    runner = daily.Runner(config.database_target(app.config), 900, clock=lambda: EVENING)
    assert runner.turn(db) == []
    with pytest.raises(Refusal) as refused:
        generate.generate(db, EVENING)
    assert refused.value.status == 409 and "hub" in refused.value.message
    with pytest.raises(Refusal):
        generate.generate_plan(db, plans.get_plan(db, plan["id"]), EVENING.date())
    with pytest.raises(Refusal):
        make_plan(db, plant, checklist_version)
    assert _count(db, plan["id"]) == 0
    # Nor the rest of the programme: own areas, training records, layers and pools come from the hub too.
    for attempt in (lambda: people.set_home_area(db, plant["auditor"]["id"], plant["a"]["id"], plant["area_a"]["id"]),
                    lambda: people.add_qualification(db, plant["auditor"]["id"], standard="ISO 9001:2015",
                                                     trained_on="2026-01-05"),
                    lambda: lpa.save_layer(db, plant["a"]["id"], "tl", "Team leader", "daily"),
                    lambda: lpa.set_pool(db, None, checklist_version["checklist_id"], 2, [])):
        with pytest.raises(Refusal) as refused:
            attempt()
        assert refused.value.status == 409
    for table in ("home_areas", "qualifications", "lpa_layers", "lpa_pools"):
        assert not dbm.scalar(db, f"SELECT COUNT(*) FROM {table}"), table


def test_serve_runs_it_unless_switched_off_and_never_under_tests_unless_asked(app):
    assert not daily.wanted(app.config)  # under pytest
    assert daily.wanted({**app.config, "PROGRAMME_DAILY": True})
    assert not daily.wanted({**app.config, "PROGRAMME_DAILY": False})


def test_the_programme_pages_of_a_paired_site_server_say_head_office_plans(client, auth, db, plant,
                                                                           checklist_version):
    plan = make_plan(db, plant, checklist_version)
    auth.login("qm.a")
    assert "Schedule the next 90 days" in client.get("/programme/").get_data(as_text=True)
    settings.put(db, "hub_url", "http://hub.test")
    page = client.get("/programme/").get_data(as_text=True)
    assert "Schedule the next 90 days" not in page and "Planned and scheduled at head office" in page
    form = client.get(f"/programme/plans/new?site_id={plant['a']['id']}")
    assert form.status_code == 409 and "head office" in form.get_data(as_text=True)
    assert auth.post("/programme/generate", {}).status_code == 409
    assert auth.post(f"/programme/plans/{plan['id']}", {"frequency": "daily", "starts_on": "2026-01-01"}
                     ).status_code == 409
    assert _count(db, plan["id"]) == 0
