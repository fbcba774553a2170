"""Running an audit on a tablet with taps only: start, autosave every answer, show_if, reload, sign and submit."""
import json
import re
import threading
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from fieldaudit.audits import data, record
from fieldaudit.auth import users
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.stations import data as stations

from .harness import login

pytestmark = pytest.mark.slow

CHECKLIST = """
id: e2e-walk
version: 1
title: E2E walk
sections:
  - id: station
    title: Station
    questions:
      - {id: guard, text: Machine guard in place, type: yes_no, allow_na: true, clause: "8.5.1"}
      - {id: guard-why, text: "Why is the guard missing?", type: text, show_if: {question: guard, equals: "no"}}
      - {id: label, text: Label legible, type: pass_fail}
      - {id: tidy, text: Tidiness, type: rating, scale: {min: 1, max: 5}}
      - {id: torque, text: Torque reading, type: numeric, unit: Nm, min: 10, max: 12, finding: {out_of_limits: major}}
  - id: shift
    title: Shift and PPE
    questions:
      - id: shift
        text: Shift
        type: single_choice
        options:
          - {value: early, label: Early shift}
          - {value: late, label: Late shift}
          - {value: night, label: Night shift}
      - id: ppe
        text: PPE worn
        type: multi_choice
        options: [{value: gloves, label: Gloves}, {value: glasses, label: Safety glasses}, {value: boots, label: Boots}]
"""


# -- helpers ----------------------------------------------------------------------------------------------------

def publish(server) -> dict:
    """Publish the e2e checklist into the live server's database; returns the version row."""
    db = server.db()
    try:
        row, _ = store.publish(db, parse_checklist(CHECKLIST, "e2e.yaml"), by=None)
        return row
    finally:
        db.conn.close()


def answers_in_db(server, audit_id: str) -> dict:
    rows = server.rows("SELECT question_id, value FROM answers WHERE audit_id = ?", (audit_id,))
    return {r["question_id"]: None if r["value"] is None else json.loads(r["value"]) for r in rows}


def prepared_audit(server, version: dict, answers: dict | None = None) -> dict:
    """An audit of PLT1 by the demo auditor, created and (optionally) answered server-side."""
    db = server.db()
    try:
        site = stations.get_site_by_code(db, "PLT1")
        auditor = users.get_user_by_username(db, "auditor")
        audit = data.create_audit(db, site=site, checklist_version_id=version["id"], auditor_id=auditor["id"],
                                  workstation=None, auditees="", scope="")
        for qid, raw in (answers or {}).items():
            data.save_answer(db, audit, qid, raw, None, auditor["id"])
        return data.get_audit(db, audit["id"])
    finally:
        db.conn.close()


def question(page, qid: str):
    return page.locator(f"#q-{qid}")


def saving(page, qid: str, action) -> None:
    """Do `action` (a tap or a blur) and wait until the question's autosave came back and was swapped in."""
    question(page, qid).evaluate("el => { el.dataset.e2eStale = '1'; }")
    with page.expect_response(lambda r: urlsplit(r.url).path.endswith(f"/answers/{qid}")
                              and r.request.method == "POST") as response:
        action()
    assert response.value.status == 200, f"saving {qid} answered {response.value.status}"
    fresh = page.locator(f"div#q-{qid}:not([data-e2e-stale])")
    expect(fresh.locator(".save-state")).to_have_text("Saved")


def tap_choice(page, qid: str, label: str) -> None:
    """Tap one of a question's big choice buttons and wait for its autosave."""
    saving(page, qid, lambda: question(page, qid).locator(".choice span").get_by_text(label, exact=True).tap())


def type_and_blur(page, qid: str, text: str) -> None:
    """Tap into a question's field, type, then tap the question's text (elsewhere) so `change` saves it."""
    field = page.locator(f"#q-{qid}-value")
    field.tap()
    field.fill(text)
    saving(page, qid, lambda: question(page, qid).locator(".q-text").tap())


def expect_progress(page, answered: int, visible: int) -> None:
    expect(page.locator("#audit-progress .progress-text")).to_contain_text(
        re.compile(rf"^\s*{answered}/{visible}\s+answered"))


def assert_png(path) -> None:
    blob = path.read_bytes()
    assert blob.startswith(b"\x89PNG\r\n\x1a\n"), f"{path.name} is not a PNG"
    assert len(blob) > 10_000, f"{path.name} is suspiciously small ({len(blob)} bytes)"


def sign_and_submit(page, server) -> None:
    """On the submit page: tick the confirmation and type the password (the caller taps the button)."""
    expect(page.get_by_role("heading", name="Sign and submit")).to_be_visible()
    page.locator("label.check", has_text="performed this audit").tap()
    expect(page.locator("input[name=confirm]")).to_be_checked()
    password = page.locator("input[name=password]")
    password.tap()
    password.fill(server.passwords["auditor"])


def ready_to_sign(page, server) -> dict:
    """An audit answered in full, its submit page open with the box ticked and the password typed; returns it."""
    audit = prepared_audit(server, publish(server), {"guard": "yes", "label": "pass", "tidy": "3", "torque": "11",
                                                     "shift": "late", "ppe": ["boots"]})
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/submit")
    sign_and_submit(page, server)
    return audit


# -- tests ------------------------------------------------------------------------------------------------------

def test_auditor_runs_and_submits_an_audit_by_tapping(live_server, page, tmp_path):
    """Start, answer both sections with taps (autosave, show_if, reload), sign and submit once."""
    version = publish(live_server)
    login(page, live_server, "auditor")

    # Home → Audits → Start an audit: the auditor has one site, so only the checklist is asked for.
    with page.expect_navigation():
        page.locator("nav.mainnav").get_by_role("link", name="Audits").tap()
    assert urlsplit(page.url).path == "/audits/"
    with page.expect_navigation():
        page.get_by_role("link", name="Start an audit").tap()
    assert urlsplit(page.url).path == "/audits/new"
    if page.locator("a.tile", has_text="Riverside Plant").count():
        with page.expect_navigation():
            page.locator("a.tile", has_text="Riverside Plant").tap()
    expect(page.get_by_role("heading", name="Riverside Plant")).to_be_visible()
    page.locator("label.choice", has_text="E2E walk").tap()
    expect(page.locator(f"input[name=checklist_version_id][value='{version['id']}']")).to_be_checked()
    page.get_by_role("button", name="Start audit").tap()
    page.wait_for_url(re.compile(r"/audits/[^/]+/sections/station$"))
    audit_id = urlsplit(page.url).path.split("/")[2]
    expect(page.get_by_role("heading", level=1)).to_have_text("1. Station")
    expect_progress(page, 0, 6)
    expect(question(page, "guard-why")).to_be_hidden()

    # "No" shows the follow-up; it autosaves on blur; "Yes" hides it again and it stops counting.
    tap_choice(page, "guard", "No")
    expect(question(page, "guard").locator("input[value=no]")).to_be_checked()
    expect(page.locator("div.question#q-guard-why")).to_be_visible()
    expect_progress(page, 1, 7)
    type_and_blur(page, "guard-why", "Removed for cleaning")
    expect_progress(page, 2, 7)
    tap_choice(page, "guard", "Yes")
    expect(question(page, "guard-why")).to_be_hidden()
    expect(page.locator("div.question#q-guard-why")).to_have_count(0)
    expect_progress(page, 1, 6)

    tap_choice(page, "label", "Pass")
    expect_progress(page, 2, 6)
    tap_choice(page, "tidy", "4")

    type_and_blur(page, "torque", "11,5")
    expect(page.locator("#q-torque-value")).to_have_value("11.5")
    expect_progress(page, 4, 6)
    expect(page.locator("#audit-progress .chip-current")).to_contain_text("4/4")

    # Nothing lives only in the page: after a reload every answer is still there.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("1. Station")
    expect(question(page, "guard").locator("input[value=yes]")).to_be_checked()
    expect(question(page, "guard").locator("input[value=no]")).not_to_be_checked()
    expect(question(page, "guard-why")).to_be_hidden()
    expect(question(page, "label").locator("input[value=pass]")).to_be_checked()
    expect(question(page, "tidy").locator("input[value='4']")).to_be_checked()
    expect(page.locator("#q-torque-value")).to_have_value("11.5")
    expect(question(page, "torque").locator(".save-state")).to_have_text("Saved earlier")
    expect_progress(page, 4, 6)
    section_shot = tmp_path / "audit-section-768x1024.png"
    page.screenshot(path=str(section_shot), full_page=True)

    # The big button at the bottom goes on to the next section.
    with page.expect_navigation():
        page.locator(".section-steps").get_by_role("link", name=re.compile("Shift and PPE")).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("2. Shift and PPE")
    tap_choice(page, "shift", "Early shift")
    expect_progress(page, 5, 6)
    tap_choice(page, "ppe", "Gloves")
    expect_progress(page, 6, 6)
    tap_choice(page, "ppe", "Safety glasses")
    expect(question(page, "ppe").locator("input[value=gloves]")).to_be_checked()
    expect(question(page, "ppe").locator("input[value=glasses]")).to_be_checked()
    expect(question(page, "ppe").locator("input[value=boots]")).not_to_be_checked()
    expect_progress(page, 6, 6)

    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Review and submit")).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    sign_and_submit(page, live_server)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign and submit").tap()

    assert urlsplit(page.url).path == f"/audits/{audit_id}"
    expect(page.locator("h1 .badge")).to_have_text("submitted")
    expect(page.get_by_text(re.compile(r"submitted and signed"))).to_be_visible()
    signatures = page.locator("section.card", has=page.get_by_role("heading", name="Signatures"))
    expect(signatures).to_contain_text("Zoë Martin — performed this audit")
    expect(page.get_by_role("link", name="Continue the audit")).to_have_count(0)
    # The record shows what the auditor tapped: option labels, not the stored option values.
    answers = page.locator("table.answers")
    expect(answers.locator("tr", has_text="Shift").locator(".a-cell")).to_have_text("Early shift")
    expect(answers.locator("tr", has_text="PPE worn").locator(".a-cell")).to_have_text("Gloves, Safety glasses")
    expect(answers.locator("tr", has_text="Torque reading").locator(".a-cell")).to_have_text("11.5 Nm")
    submitted_shot = tmp_path / "audit-submitted-768x1024.png"
    page.screenshot(path=str(submitted_shot), full_page=True)
    assert_png(section_shot)
    assert_png(submitted_shot)

    audit = live_server.rows("SELECT * FROM audits WHERE id = ?", (audit_id,))[0]
    assert audit["status"] == "submitted" and audit["submitted_at"] and audit["record_hash"]
    assert (audit["answered_count"], audit["visible_count"]) == (6, 6)
    sigs = live_server.rows("SELECT * FROM signatures WHERE record_type = 'audit' AND record_id = ?",
                   (audit_id,))
    assert len(sigs) == 1
    assert sigs[0]["meaning"] == "performed this audit" and sigs[0]["printed_name"] == "Zoë Martin"
    assert answers_in_db(live_server, audit_id) == {
        "guard": "yes", "guard-why": "Removed for cleaning", "label": "pass", "tidy": 4, "torque": 11.5,
        "shift": "early", "ppe": ["gloves", "glasses"]}


def test_double_tap_on_sign_and_submit_signs_once(live_server, page, monkeypatch):
    """Two fast taps on "Sign and submit" send the form twice; the audit is signed exactly once."""
    # The first request lingers in record.submit (up to 1 s) so the second arrives while it signs, as on a slow site
    # server; both have passed the view's checks. The signing transaction holds the write lock (drawings and rows
    # commit together), so the second waits for it and then finds the audit signed.
    calls = []
    both_in = threading.Event()
    original = record.submit

    def racing_submit(*args, **kwargs):
        calls.append(threading.current_thread().name)
        if len(calls) >= 2:
            both_in.set()
        both_in.wait(timeout=1)
        return original(*args, **kwargs)

    monkeypatch.setattr(record, "submit", racing_submit)
    audit = ready_to_sign(page, live_server)

    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith("/submit") else None)
    button = page.get_by_role("button", name="Sign and submit")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # The second tap comes as soon as the first has sent the form (a browser drops a submission that it has
    # not sent yet when another follows). It cancels the first navigation, so wait for where the page ends up.
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/submit")):
        page.touchscreen.tap(x, y)
    page.touchscreen.tap(x, y)
    expect(page).to_have_url(re.compile(rf"/audits/{audit['id']}$"))
    page.wait_for_load_state()

    # Both taps really sent the form and both reached the signing code (else this test would prove nothing).
    assert len(posts) == 2, posts
    assert len(calls) == 2, calls
    expect(page.locator("h1 .badge")).to_have_text("submitted")
    expect(page.locator("section.card", has=page.get_by_role("heading", name="Signatures")).locator("li")) \
        .to_have_count(1)
    sigs = live_server.rows("SELECT * FROM signatures WHERE record_type = 'audit' AND record_id = ?",
                   (audit["id"],))
    assert len(sigs) == 1, sigs
    row = live_server.rows("SELECT status FROM audits WHERE id = ?", (audit["id"],))[0]
    assert row["status"] == "submitted"
    submitted = live_server.rows("SELECT COUNT(*) AS n FROM audit_trail WHERE action = 'audit.submitted'"
                                     " AND record_id = ?", (audit["id"],))[0]["n"]
    assert submitted == 1


# A save that fails for the network ("network-down") is kept on the tablet and replayed by itself since the
# offline queue (tests/e2e/test_offline_queue.py, test_offline_faults.py); a server error still offers Retry.
@pytest.mark.parametrize("failure", ["server-error"])
def test_failed_save_offers_retry(live_server, new_page, failure):
    """A save that fails says "Not saved" with a Retry button; once the server is back, Retry saves it."""
    # Chromium logs the failed request and htmx logs the error event: both are what this test provokes.
    page = new_page(allow=[r"net::ERR_FAILED", r"status of 503", r"htmx:sendError", r"htmx:responseError",
                                 r"htmx:afterRequest", r"Response Status Error Code 503"])
    version = publish(live_server)
    audit = prepared_audit(live_server, version)
    login(page, live_server, "auditor")
    page.goto(f"{live_server.url}/audits/{audit['id']}/run")
    expect(page.get_by_role("heading", level=1)).to_have_text("1. Station")

    def fail(route):
        if failure == "network-down":
            route.abort()
        else:
            route.fulfill(status=503, content_type="text/html", body="<p>Service unavailable</p>")

    page.route("**/answers/**", fail)
    with page.expect_event("requestfailed" if failure == "network-down" else "requestfinished"):
        question(page, "label").locator(".choice span").get_by_text("Fail", exact=True).tap()
    label = question(page, "label")
    expect(label.locator(".save-state")).to_have_text("Not saved — tap to retry")
    retry = label.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    expect(label).to_have_class(re.compile(r"\bsave-failed\b"))
    expect(label.locator("input[value=fail]")).to_be_checked()
    expect(page.locator("#net-status")).to_be_visible()
    expect_progress(page, 0, 6)
    assert answers_in_db(live_server, audit["id"]) == {}

    page.unroute("**/answers/**", fail)
    saving(page, "label", retry.tap)
    expect(label.locator(".save-state")).to_have_text("Saved")
    expect(label.get_by_role("button", name="Retry")).to_have_count(0)
    expect(label).not_to_have_class(re.compile(r"\bsave-failed\b"))
    expect(label.locator("input[value=fail]")).to_be_checked()
    expect(page.locator("#net-status")).to_be_hidden()
    expect_progress(page, 1, 6)
    assert answers_in_db(live_server, audit["id"]) == {"label": "fail"}


def _draw(page, pad_selector: str) -> None:
    """A stroke with the finger across a signature pad."""
    canvas = page.locator(f"{pad_selector} canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * box["width"] / 14, box["y"] + box["height"] * (0.7 - 0.04 * step))
    page.mouse.up()


def _ink(page, pad_selector: str) -> int:
    """How many pixels of a pad's canvas are drawn on."""
    return page.eval_on_selector(f"{pad_selector} canvas", """c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }""")


def test_a_wrong_password_keeps_both_drawn_signatures(live_server, new_page):
    """The auditee signed; the auditor mistyped the password: only the password is asked again."""
    page = new_page(allow=[r"status of 422"])  # the refused signature is answered 422, as it should be
    audit = ready_to_sign(page, live_server)
    page.locator("input[name=password]").fill("not-my-password")
    _draw(page, ".sigpad[data-field=drawing]")
    page.locator("details.auditee-sign summary").tap()
    page.locator("input[name=auditee_name]").fill("Ирина Смирнова")
    _draw(page, ".sigpad[data-field=auditee_drawing]")
    page.get_by_role("button", name="Sign and submit").tap()

    expect(page.locator("[role=alert]").first).to_contain_text("password")
    expect(page.locator("input[name=confirm]")).to_be_checked()
    expect(page.locator("details.auditee-sign")).to_have_attribute("open", "")
    expect(page.locator("input[name=auditee_name]")).to_have_value("Ирина Смирнова")
    expect(page.locator("input[name=password]")).to_have_value("")
    page.wait_for_function("() => [...document.querySelectorAll('.sigpad canvas')].every(c => { "
                           "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; "
                           "for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; } return false; })")
    assert _ink(page, ".sigpad[data-field=drawing]") > 200 and _ink(page, ".sigpad[data-field=auditee_drawing]") > 200

    page.locator("input[name=password]").fill(live_server.passwords["auditor"])
    page.get_by_role("button", name="Sign and submit").tap()
    expect(page).to_have_url(re.compile(rf"/audits/{audit['id']}$"))
    sigs = live_server.rows("SELECT printed_name, drawing_sha256 FROM signatures WHERE record_type = 'audit'"
                            " AND record_id = ? ORDER BY meaning DESC", (audit["id"],))
    assert len(sigs) == 2 and all(s["drawing_sha256"] for s in sigs)
    assert "Ирина Смирнова" in {s["printed_name"] for s in sigs}


def test_saves_of_every_kind_apply_no_inline_style(live_server, page):
    """Answers of several types saved after the auditor resized note boxes raise no CSP violation (the harness
    fails the test on any). Chromium keeps a drag-resized textarea's size in its style attribute; htmx's settle
    copied that attribute onto the swapped-in note box with setAttribute("style"), which style-src 'self' blocks."""
    version = publish(live_server)
    audit = prepared_audit(live_server, version)
    login(page, live_server, "auditor")
    page.goto(f"{live_server.url}/audits/{audit['id']}/sections/station")
    for qid in ("guard", "tidy", "torque"):
        question(page, qid).locator("details.q-note summary").tap()
        # What a drag on the textarea's corner leaves behind (set through the CSSOM, which the CSP allows).
        page.locator(f"#q-{qid}-note").evaluate("el => { el.style.height = '140px'; }")
    tap_choice(page, "guard", "No")  # reveals the follow-up out of band
    expect(page.locator("div.question#q-guard-why")).to_be_visible()
    tap_choice(page, "tidy", "2")
    type_and_blur(page, "torque", "10,5")
    expect(page.locator("#q-torque-value")).to_have_value("10.5")

