"""A CAPA from open to closed in a real browser: the quality manager on a tablet, the action owner on a phone."""
import datetime
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .harness import login

pytestmark = pytest.mark.slow

PHONE = (390, 844)


def day(offset: int) -> str:
    """A date `offset` days from today, as an `<input type=date>` takes it (always ahead of the site's today)."""
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


def _move(page, label: str, state_label: str) -> None:
    """Tap a transition button and wait for the CAPA page to show the new state."""
    button = page.locator("section.transitions").get_by_role("button", name=label, exact=True)
    with page.expect_navigation():
        button.tap()
    expect(page.locator("#capa-error")).to_have_count(0)
    expect(page.locator("h1 .badge")).to_have_text(state_label)
    expect(page.locator("ol.stepper li.current")).to_have_text(state_label)


def _save_record(page) -> None:
    """Tap Save on the Record form and wait for the confirmation."""
    form = page.locator("form.capa-fields")
    with page.expect_navigation():
        form.get_by_role("button", name="Save", exact=True).tap()
    expect(page.locator("#capa-error")).to_have_count(0)
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()


def _no_close_offered(page) -> None:
    """Closing is an illegal move before the effectiveness check: no button for it."""
    expect(page.get_by_role("button", name="Close CAPA")).to_have_count(0)
    expect(page.locator("section.transitions button[name=to][value=closed]")).to_have_count(0)


def test_capa_open_to_closed_with_operator_action(live_server, new_page, tmp_path):
    """Raise, contain, analyse, plan, implement (the operator marks the action done on a phone), check, close."""
    # The refused close (no reason for the early verdict) answers 422, which Chromium logs.
    quality = new_page(768, 1024, allow=[r"status of 422 .*UNPROCESSABLE"])
    login(quality, live_server, "quality")

    # -- raise the CAPA --------------------------------------------------------------------------------------
    quality.goto(f"{live_server.url}/capa/")
    with quality.expect_navigation():
        quality.get_by_role("link", name="Raise a CAPA").tap()
    expect(quality.get_by_role("heading", level=1)).to_have_text("Raise a CAPA")
    quality.get_by_label("Site").select_option(label="PLT1 · Riverside Plant")
    quality.get_by_label("Title").fill("Loose screws on housing cover")
    quality.get_by_label("Description").fill("Customer found three housings with loose cover screws.")
    quality.get_by_label("Target date").fill(day(60))
    with quality.expect_navigation():
        quality.get_by_role("button", name="Raise CAPA").tap()
    assert re.fullmatch(r"/capa/[^/]+", urlsplit(quality.url).path), quality.url
    capa_url = quality.url.split("#")[0]
    capa_id = urlsplit(capa_url).path.rsplit("/", 1)[1]
    expect(quality.locator("h1")).to_contain_text("CAPA-PLT1-")
    expect(quality.locator("h1 .badge")).to_have_text("Open")
    expect(quality.locator("ol.stepper li.current")).to_have_text("Open")
    _no_close_offered(quality)

    record = quality.locator("form.capa-fields")

    # -- containment -----------------------------------------------------------------------------------------
    _move(quality, "Move to Containment", "Containment")
    _no_close_offered(quality)
    record.get_by_label("What was done to stop the problem spreading").fill(
        "Quarantined 240 housings in the warehouse; 100 % torque check at ASM-01 until further notice.")
    _save_record(quality)

    # -- root cause analysis ---------------------------------------------------------------------------------
    _move(quality, "Move to Root cause analysis", "Root cause analysis")
    _no_close_offered(quality)
    record.get_by_label("Category").select_option("machine")
    whys = ["The screws were under-torqued.",
            "The nutrunner stopped before reaching the torque.",
            "Its clutch was worn.",
            "The clutch is not on the maintenance plan."]
    for i, text in enumerate(whys, start=1):
        record.get_by_label(f"Why {i}?").fill(text)
    record.get_by_label("Root cause", exact=True).fill("Nutrunner clutch wear is not covered by preventive maintenance.")
    _save_record(quality)
    expect(record.get_by_label("Why 3?")).to_have_value(whys[2])
    expect(record.get_by_label("Category")).to_have_value("machine")

    # -- action plan -----------------------------------------------------------------------------------------
    _move(quality, "Move to Action plan", "Action plan")
    _no_close_offered(quality)
    plan = quality.locator("form.add-action")
    plan.get_by_label("Kind").select_option("corrective")
    plan.get_by_label("Action").fill("Replace the nutrunner clutch and add it to the monthly maintenance plan")
    plan.get_by_label("Owner").select_option(label="Jonas Weber")
    plan.get_by_label("Due").fill(day(14))
    with quality.expect_navigation():
        plan.get_by_role("button", name="Add action").tap()
    actions = quality.locator("#actions tbody tr")
    expect(actions).to_have_count(1)
    expect(actions.first).to_contain_text("Replace the nutrunner clutch")
    expect(actions.first).to_contain_text("Jonas Weber")
    expect(actions.first).to_contain_text(day(14))

    # -- implementation --------------------------------------------------------------------------------------
    _move(quality, "Move to Implementation", "Implementation")
    _no_close_offered(quality)

    # -- the operator marks the action done, on a phone ------------------------------------------------------
    operator = new_page(*PHONE, mobile=True)
    login(operator, live_server, "operator")
    operator.get_by_text("Menu", exact=True).tap()  # on a phone the navigation is behind the Menu disclosure
    with operator.expect_navigation():
        operator.locator("nav.mainnav-menu").get_by_role("link", name="My actions").tap()
    expect(operator.get_by_role("heading", level=1)).to_have_text("My actions")
    item = operator.locator("li.action-item", has_text="Replace the nutrunner clutch")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("CAPA-PLT1-")
    item.get_by_label("What was done").fill("Clutch replaced; added to the monthly maintenance plan (MP-ASM-01).")
    url_before = operator.url
    with operator.expect_response(lambda r: r.request.method == "POST" and f"/capa/{capa_id}/actions/" in r.url
                                  ) as answer:
        item.get_by_role("button", name="Mark done").tap()
    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true", "Mark done should be an htmx request"
    # Swapped in place: the same page, the item now done, with the note.
    expect(item).to_have_class(re.compile(r"\baction-done\b"))
    expect(item.locator(".badge")).to_have_text("done")
    expect(item).to_contain_text("Clutch replaced")
    expect(item.get_by_role("button", name="Mark done")).to_have_count(0)
    assert operator.url == url_before
    operator.screenshot(path=str(tmp_path / "my-actions-390x844.png"), full_page=True)

    # -- effectiveness check and closing, back on the tablet -------------------------------------------------
    quality.reload()
    expect(quality.locator("#actions tbody tr").first).to_contain_text("Clutch replaced")
    _no_close_offered(quality)
    # A move carries what is on the screen: no Save before it.
    record.get_by_label("Check on").fill(day(30))
    record.get_by_label("Evidence that the actions worked").fill("Torque data of the next four weeks.")
    _move(quality, "Move to Effectiveness check", "Effectiveness check")
    expect(record.get_by_label("Check on")).to_have_value(day(30))
    expect(record.get_by_label("Evidence that the actions worked")).to_have_value("Torque data of the next four weeks.")

    record.get_by_label("Result").select_option(label="Effective")
    record.get_by_label("Evidence that the actions worked").fill(
        "Four weeks of torque data: no screw below specification; no complaint since.")
    # The check date is a month ahead: a verdict now needs a reason, and closing is signed with a password.
    expect(quality.get_by_role("button", name="Close CAPA")).to_be_visible()
    # A wrong password is refused first (it is checked before anything is written), keeping what was typed.
    quality.get_by_label("Your password").fill("not my password")
    with quality.expect_navigation():
        quality.get_by_role("button", name="Close CAPA").tap()
    expect(quality.locator("#capa-error")).to_contain_text("password is not correct")
    expect(record.get_by_label("Evidence that the actions worked")).to_have_value(
        "Four weeks of torque data: no screw below specification; no complaint since.")
    quality.get_by_label("Your password").fill(live_server.passwords["quality"])
    with quality.expect_navigation():
        quality.get_by_role("button", name="Close CAPA").tap()
    expect(quality.locator("#capa-error")).to_contain_text("Say why")
    expect(record.get_by_label("Evidence that the actions worked")).to_have_value(
        "Four weeks of torque data: no screw below specification; no complaint since.")
    record.get_by_label(re.compile("before the check date")).fill("The line is rebuilt next month.")
    quality.get_by_label("Your password").fill(live_server.passwords["quality"])
    _move(quality, "Close CAPA", "Closed")
    expect(quality.locator("h1 .badge")).to_have_text("Closed")
    expect(quality.locator("ol.stepper li.current")).to_have_count(1)
    expect(quality.locator("ol.stepper li.current")).to_have_text("Closed")
    expect(quality.locator("ol.stepper li.done")).to_have_count(6)
    expect(quality.locator("section.transitions")).to_have_count(0)
    # A closed record is read-only: its fields are disabled and there is nothing to save.
    expect(record.get_by_label("Evidence that the actions worked")).to_be_disabled()
    expect(record.get_by_role("button", name="Save")).to_have_count(0)
    expect(record).to_contain_text("Result: effective")

    history = quality.locator("ol.timeline")
    steps = ["Open", "Containment", "Root cause analysis", "Action plan", "Implementation", "Effectiveness check",
             "Closed"]
    expect(history.locator("li.event-signature")).to_contain_text("closed as effective")
    transitions = history.locator("li.event-transition")
    expect(transitions).to_have_count(6)
    # Newest first on the page; read oldest first.
    texts = [re.sub(r"\s+", " ", t).strip() for t in reversed(transitions.all_inner_texts())]
    for text, old, new in zip(texts, steps, steps[1:]):
        assert f"State: {old} → {new}" in text, texts
        assert "Łukasz Nowak" in text, text
    status_change = history.locator("li.event-action", has_text="Action status")
    expect(status_change).to_have_count(1)
    expect(status_change).to_contain_text("Jonas Weber")
    expect(status_change).to_contain_text("open")
    expect(status_change).to_contain_text("done")
    quality.screenshot(path=str(tmp_path / "capa-closed-768x1024.png"), full_page=True)

    for shot in ("capa-closed-768x1024.png", "my-actions-390x844.png"):
        data = (tmp_path / shot).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), shot
        assert len(data) > 10_000, f"{shot} is suspiciously small ({len(data)} bytes)"

    # -- the database agrees ---------------------------------------------------------------------------------
    db = live_server.db()
    try:
        state = db.conn.execute("SELECT state FROM capas WHERE id = ?", (capa_id,)).fetchone()[0]
        moves = db.conn.execute("SELECT COUNT(*) FROM capa_events WHERE capa_id = ? AND kind = 'transition'",
                                (capa_id,)).fetchone()[0]
        action = db.conn.execute("SELECT status, done_note FROM capa_actions WHERE capa_id = ?",
                                 (capa_id,)).fetchall()
    finally:
        db.conn.close()
    assert state == "closed"
    assert moves == 6
    assert [tuple(a) for a in action] == [("done", "Clutch replaced; added to the monthly maintenance plan (MP-ASM-01).")]
