"""The auditor's audits in progress go onto the tablet without opening each one: with "Take my audits offline" on
This tablet, with progress, and from then on by themselves when the home screen opens online (a removed one stays
removed); each then opens with no network."""
import pytest
from playwright.sync_api import expect

from fieldaudit.auth import users

from .harness import login
from .test_offline_queue import OFFLINE_NOISE, open_audit

pytestmark = pytest.mark.slow


def stored_ids(page) -> list[str]:
    return page.evaluate("() => FieldAuditOffline.storedAudits().then(list => list.map(a => a.id))")


def wait_stored(page, wanted: set[str]) -> None:
    page.wait_for_function("""ids => FieldAuditOffline.storedAudits().then(list => {
            window.__ids = list.map(a => a.id); }) && window.__ids && ids.every(id => window.__ids.includes(id))""",
                           arg=sorted(wanted), timeout=30_000)


def progress(page):
    return page.locator("#on-this-tablet .take-progress")


def test_my_audits_are_taken_offline_with_one_button_and_kept_up_to_date_by_home(live_server, new_page):
    server = live_server
    first, second = open_audit(server), open_audit(server)
    db = server.db()
    try:
        auditor = users.get_user_by_username(db, "auditor")
    finally:
        db.conn.close()
    mine = {r["id"] for r in server.rows("SELECT id FROM audits WHERE auditor_id = ? AND status = 'in_progress'",
                                         (auditor["id"],))}
    assert {first["id"], second["id"]} <= mine
    page = new_page(allow=OFFLINE_NOISE)
    login(page, server, "auditor")
    # Neither audit was ever opened on this tablet: one button on This tablet stores them all, with progress.
    page.goto(f"{server.url}/tablet")
    page.get_by_role("button", name="Take my audits offline").tap()
    expect(progress(page)).to_have_text(f"{len(mine)} of {len(mine)} audits stored on this tablet.", timeout=60_000)
    wait_stored(page, mine)
    expect(page.locator(f"#on-this-tablet li[data-audit='{second['id']}']")).to_be_visible()

    page.context.set_offline(True)
    response = page.goto(f"{server.url}/audits/{second['id']}/sections/more")
    assert response.from_service_worker and response.headers.get("x-fieldaudit-stored")
    expect(page.locator("#q-tidy")).to_be_visible()
    response = page.goto(f"{server.url}/audits/{first['id']}/run")
    assert response.from_service_worker and f"/audits/{first['id']}/sections/" in page.url
    page.context.set_offline(False)

    # From then on the home screen, online, takes a newly assigned audit by itself, and leaves alone one that was
    # removed by hand.
    page.goto(f"{server.url}/tablet")
    page.locator(f"#on-this-tablet li[data-audit='{first['id']}'] button.remove-stored").tap()
    expect(page.locator(f"#on-this-tablet li[data-audit='{first['id']}']")).to_have_count(0)
    third = open_audit(server)
    page.goto(f"{server.url}/")
    expect(progress(page)).to_have_text("1 of 1 audits stored on this tablet.", timeout=60_000)
    wait_stored(page, mine - {first["id"]} | {third["id"]})
    assert first["id"] not in stored_ids(page)
    # Opening home again soon after stores nothing twice.
    page.reload()
    expect(progress(page)).to_have_text("Your audits in progress are on this tablet.", timeout=60_000)

    # The button takes every one again, the removed one too.
    page.get_by_role("button", name="Take my audits offline").tap()
    expect(progress(page)).to_have_text(f"{len(mine) + 1} of {len(mine) + 1} audits stored on this tablet.",
                                        timeout=60_000)
    wait_stored(page, mine | {third["id"]})


def test_home_takes_nothing_by_itself_before_the_button_was_pressed(live_server, new_page):
    server = live_server
    open_audit(server)
    page = new_page()
    login(page, server, "auditor")
    page.wait_for_function("() => window.FieldAuditOffline")
    # What the home screen runs when it opens: nothing to do until someone pressed the button on this tablet.
    assert page.evaluate("() => FieldAuditOffline.autoTake() === undefined")
    page.evaluate("() => localStorage.setItem('fieldaudit-take-mine', FAQueue.userId())")
    assert page.evaluate("() => FieldAuditOffline.autoTake() !== undefined")
    # Another person's opt-in on a shared tablet is not this person's.
    page.evaluate("() => localStorage.setItem('fieldaudit-take-mine', 'someone-else')")
    assert page.evaluate("() => FieldAuditOffline.autoTake() === undefined")
