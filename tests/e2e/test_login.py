"""Signing in and out in a real browser, at tablet, landscape and phone sizes, and an expired htmx session."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from fieldaudit import ids

from .harness import login

pytestmark = pytest.mark.slow


def test_auditor_signs_in_on_a_tablet(live_server, page, tmp_path):
    """The demo auditor taps through the sign-in form and sees their name and their site."""
    login(page, live_server, "auditor")

    assert urlsplit(page.url).path == "/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zoë Martin")
    expect(page.locator("header")).to_contain_text("Zoë Martin")
    expect(page.locator(".tile", has_text="Riverside Plant")).to_be_visible()
    # An auditor at PLT1 has no role at the other demo site, so it is not shown.
    expect(page.get_by_text("Lakeside Plant")).to_have_count(0)

    shot = tmp_path / "home-768x1024.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000, f"screenshot is suspiciously small ({len(data)} bytes)"


@pytest.mark.parametrize("width,height,mobile", [(1024, 768, False), (768, 1024, False), (390, 844, True)],
                         ids=["landscape-1024x768", "tablet-768x1024", "phone-390x844"])
def test_sign_out_button_is_reachable(live_server, new_page, width, height, mobile):
    """At every size the sign-out button is on screen, tappable, and really signs out."""
    page = new_page(width, height, mobile=mobile)
    login(page, live_server, "auditor")

    button = page.get_by_role("button", name="Sign out")
    expect(button).to_be_visible()
    expect(button).to_be_in_viewport(ratio=1)
    box = button.bounding_box()
    assert box["height"] >= 44, f"sign-out button is {box['height']}px high; touch targets need 48px"
    with page.expect_navigation():
        button.tap()  # tap() checks the button is the element that receives the touch

    assert urlsplit(page.url).path == "/login"
    expect(page.get_by_text("You signed out.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    # Signed out for real: the home page sends us back to sign in.
    page.goto(f"{live_server.url}/")
    assert urlsplit(page.url).path == "/login"


def test_htmx_request_on_expired_session_goes_to_login_and_back(live_server, new_page):
    """An htmx form posted after the session ended server-side leads to the login page and back again."""
    # The 401 that carries HX-Redirect is logged by Chromium as a failed resource load; that one is expected.
    page = new_page(allow=[r"status of 401"])
    login(page, live_server, "admin")
    page.locator("a.tile", has_text="Riverside Plant").tap()
    page.wait_for_url(re.compile(r"/sites/[^/]+$"))
    site_path = urlsplit(page.url).path
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Plant")

    db = live_server.db()
    try:
        with db.conn:
            changed = db.conn.execute("UPDATE auth_sessions SET ended_at = ?, end_reason = 'idle'"
                                      " WHERE ended_at IS NULL", (ids.now_iso(),)).rowcount
    finally:
        db.conn.close()
    assert changed == 1

    form = page.locator("form", has=page.get_by_role("heading", name="Add an area"))
    form.get_by_label("Code").fill("PNT")
    form.get_by_label("Name").fill("Paint shop")
    with page.expect_navigation():
        form.get_by_role("button", name="Add area").tap()
    page.wait_for_load_state()

    # A full navigation to the login page, not a login form swapped into the site page.
    url = urlsplit(page.url)
    assert url.path == "/login"
    assert parse_qs(url.query).get("next") == [site_path]
    expect(page.locator("header")).to_have_count(1)
    expect(page.locator("main h1")).to_have_text("Sign in")
    expect(page.get_by_text("signed out after a period of inactivity")).to_be_visible()

    login(page, live_server, "admin", goto=False)
    assert urlsplit(page.url).path == site_path
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Plant")
    expect(page.locator("header")).to_have_count(1)
    # Nothing was saved by the refused request.
    expect(page.locator("#site-structure")).not_to_contain_text("Paint shop")

    requested = new_page.requests(page)
    assert any(u.endswith(site_path) for u in requested)
    assert not new_page.log(page).off_loopback(), new_page.log(page).off_loopback()
