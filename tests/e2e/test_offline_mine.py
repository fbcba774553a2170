"""The auditor's audits in progress go onto the tablet without opening each one: by themselves when the home screen
opens online, and with "Take my audits offline" on This tablet, with progress; each then opens with no network."""
import re

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


def test_my_audits_are_taken_offline_from_home_and_this_tablet(live_server, new_page):
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
    assert page.url.rstrip("/") == server.url
    # Neither audit was ever opened on this tablet; the home screen, online, stores both.
    wait_stored(page, mine)
    expect(page.locator("#on-this-tablet .take-progress")).to_have_text(
        f"{len(mine)} of {len(mine)} audits stored on this tablet.", timeout=30_000)
    expect(page.locator(f"#on-this-tablet li[data-audit='{second['id']}']")).to_be_visible()
    # Opening home again soon after stores nothing twice.
    page.reload()
    expect(page.locator("#on-this-tablet .take-progress")).to_have_text(
        re.compile(rf"Your {len(mine)} audits in progress are on this tablet"), timeout=30_000)

    page.context.set_offline(True)
    response = page.goto(f"{server.url}/audits/{second['id']}/sections/more")
    assert response.from_service_worker and response.headers.get("x-fieldaudit-stored")
    expect(page.locator("#q-tidy")).to_be_visible()
    response = page.goto(f"{server.url}/audits/{first['id']}/run")
    assert response.from_service_worker and f"/audits/{first['id']}/sections/" in page.url
    page.context.set_offline(False)

    # On This tablet: one removed by hand comes back with the button, which stores every audit again.
    page.goto(f"{server.url}/tablet")
    page.locator(f"#on-this-tablet li[data-audit='{first['id']}'] button.remove-stored").tap()
    expect(page.locator(f"#on-this-tablet li[data-audit='{first['id']}']")).to_have_count(0)
    assert first["id"] not in stored_ids(page)
    page.get_by_role("button", name="Take my audits offline").tap()
    expect(page.locator("#on-this-tablet .take-progress")).to_have_text(
        f"{len(mine)} of {len(mine)} audits stored on this tablet.", timeout=30_000)
    expect(page.locator(f"#on-this-tablet li[data-audit='{first['id']}']")).to_be_visible()
    wait_stored(page, mine)
