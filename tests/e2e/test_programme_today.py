"""An auditor on a tablet starts today's scheduled layered process audit from the home screen with one tap."""
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from fieldaudit import ids
from fieldaudit.auth import users
from fieldaudit.checklists import store
from fieldaudit.demo import history as demo_history
from fieldaudit.programme import generate, lpa, plans
from fieldaudit.stations import data as stations

from .harness import login

pytestmark = pytest.mark.slow


@pytest.fixture
def todays_lpa(live_server):
    """The demo plant with a daily team-leader LPA at ASM-01 for the demo auditor, drawing 4 questions."""
    db = live_server.db()
    try:
        demo_history.publish_shipped(db)
        site = stations.get_site_by_code(db, "PLT1")
        lpa.ensure_default_layers(db, site["id"])
        head = next(c for c in store.list_checklists(db) if c["key"] == "lpa-assembly")
        lpa.set_pool(db, store.load_version(db, head["version_id"]), head["id"], draw_count=4,
                     must_ask=["ppe"], recheck_days=30)
        auditor = users.get_user_by_username(db, "auditor")
        today = generate.schedule.local_today(site["timezone"], ids.utc_now())
        plans.create_plan(db, site, {"title": "LPA team leader", "checklist_id": head["id"],
                                     "workstation_id": stations.get_workstation_by_code(db, "ASM-01")["id"],
                                     "auditor_id": auditor["id"], "frequency": "daily",
                                     "rule": {"weekdays": list(range(7))}, "layer": "team_leader",
                                     "starts_on": today.isoformat()}, by=None)
        generate.generate(db, ids.utc_now(), horizon_days=7)
    finally:
        db.conn.close()
    return live_server


def test_auditor_starts_today_s_scheduled_audit_from_home(todays_lpa, new_page):
    server = todays_lpa
    page = new_page(1024, 768)
    login(page, server, "auditor")
    due = page.locator("#home-due")
    expect(due.get_by_role("heading", name="Today: audits due for you")).to_be_visible()
    expect(due.get_by_text("Layered process audit — assembly line")).to_be_visible()
    start = due.get_by_role("button", name="Start at ASM-01")
    with page.expect_navigation():
        start.tap()
    assert "/audits/" in urlsplit(page.url).path and "/sections/" in urlsplit(page.url).path
    linked = server.rows("SELECT s.audit_id, a.out_of_scope FROM scheduled_audits s JOIN audits a"
                         " ON a.id = s.audit_id")
    assert len(linked) == 1
    # Only the drawn questions are shown: the must-ask PPE question is in, an undrawn one is not.
    page.goto(f"{server.url}/audits/{linked[0]['audit_id']}/sections/workplace")
    expect(page.get_by_text("PPE", exact=False).first).to_be_visible()
    assert "q:comments" in linked[0]["out_of_scope"]
    expect(page.get_by_text("Comments and actions agreed with the operator")).to_have_count(0)
    # Back home, the item offers to resume the same audit instead of starting another.
    page.goto(f"{server.url}/")
    expect(page.locator("#home-due").get_by_role("button", name="Resume at ASM-01")).to_be_visible()
