"""The tablet's queue of changes made offline (static/js/queue*.js) in real Chromium: answers, a note, a photo and
a finding made with the network off land in the database exactly once when it returns, with no tap; sign-out is
refused while anything waits and clears the tablet when nothing does; a full store keeps what it had."""
import io
import json
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from fieldaudit.audits import data
from fieldaudit.auth import users
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.stations import data as stations

from .harness import login

pytestmark = pytest.mark.slow
# What the browser logs for a request made with the network off (expected: that is what the queue catches).
OFFLINE_NOISE = ("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest",
                 # the service worker storing pages of the audit while the server is unreachable
                 r"Failed to load resource: net::ERR_FAILED", "Failed to fetch")

CHECKLIST = """
id: e2e-offline
version: 1
title: Offline walk
sections:
  - id: station
    title: Station
    questions:
      - {id: guard, text: Machine guard in place, type: yes_no, allow_na: true}
      - {id: why, text: "Why is the guard missing?", type: text, show_if: {question: guard, equals: "no"}}
      - {id: label, text: Label legible, type: pass_fail}
      - {id: pic, text: Photo of the station, type: photo, required: false}
  - id: more
    title: More
    questions:
      - {id: tidy, text: Tidiness, type: rating, scale: {min: 1, max: 5}}
"""


def open_audit(server) -> dict:
    db = server.db()
    try:
        version, _ = store.publish(db, parse_checklist(CHECKLIST, "offline.yaml"), by=None)
        site = stations.get_site_by_code(db, "PLT1")
        auditor = users.get_user_by_username(db, "auditor")
        return data.create_audit(db, site=site, checklist_version_id=version["id"], auditor_id=auditor["id"],
                                 workstation=None, auditees="", scope="")
    finally:
        db.conn.close()


def twelve_megapixels() -> bytes:
    image = Image.new("RGB", (4000, 3000), (90, 120, 160))
    ImageDraw.Draw(image).rectangle((400, 300, 3600, 2700), outline=(250, 250, 0), width=40)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def all_saved(page, timeout: float = 60_000) -> None:
    """Wait for "All saved" as read from the tablet's store. The server writes that text into every page before the
    queue is read, so on a fresh page the bare text passes before anything was replayed (a race a loaded machine
    loses). The timeout is an upper bound for a replay on a loaded machine, never a wait."""
    expect(page.locator("#queue-status[data-read] .queue-text")).to_have_text("All saved", timeout=timeout)


def queued(page) -> list[dict]:
    return page.evaluate("""() => window.FAQueueStore.list(window.FAQueue.userId()).then(rs => rs.map(r => (
        {key: r.key, kind: r.kind, state: r.state, questionId: r.questionId})))""")


def rows(server, sql, params=()):
    return server.rows(sql, params)


def tap(page, qid, label):
    page.locator(f"#q-{qid} .choice span").get_by_text(label, exact=True).tap()


def test_changes_made_offline_land_once_when_the_server_answers_again(live_server, new_page, tmp_path):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE)
    login(page, server, "auditor")
    section = f"{server.url}/audits/{audit['id']}/sections/station"
    page.goto(section)
    all_saved(page)
    page.context.set_offline(True)
    tap(page, "guard", "No")
    expect(page.locator("#q-guard .save-state")).to_have_text("On this tablet")
    page.locator("#q-guard details.q-note summary").tap()
    page.locator("#q-guard textarea").fill("Guard removed for cleaning")
    page.locator("#q-guard .q-text").tap()
    tap(page, "label", "Pass")
    expect(page.locator("#q-label .save-state")).to_have_text("On this tablet")
    photo = tmp_path / "station.jpg"
    photo.write_bytes(twelve_megapixels())
    page.locator("#q-pic input[type=file]").set_input_files(str(photo))
    expect(page.locator("#q-pic img.tablet-thumb")).to_be_visible()
    # The note's change fails and is kept on its own: wait for all three answers rather than read the store once.
    expect(page.locator("#queue-status")).to_contain_text(
        re.compile(r"[3-9] answers and 1 photo on this tablet, waiting for the site server"))
    expect(page.locator("#audit-progress .progress-text")).to_contain_text("recomputed when back online")
    kinds = [r["kind"] for r in queued(page)]
    assert kinds.count("photo") == 1 and kinds.count("answer") >= 3
    assert rows(server, "SELECT * FROM answers WHERE audit_id = ?", (audit["id"],)) == []

    # Sign-out is refused while anything waits.
    page.get_by_role("button", name="Sign out").tap()
    expect(page.locator("#queue-status")).to_contain_text("Not signed out")
    assert "/login" not in page.url

    # The tab is closed; the queue is on the tablet. A new tab opens while the server is back: it replays alone.
    page.close()
    page.context.set_offline(False)
    again = page.context.new_page()
    again.goto(section)
    all_saved(again)
    answers = {r["question_id"]: (json.loads(r["value"]), r["note"])
               for r in rows(server, "SELECT * FROM answers WHERE audit_id = ?", (audit["id"],))}
    assert answers == {"guard": ("no", "Guard removed for cleaning"), "label": ("pass", "")}
    assert len(rows(server, "SELECT id FROM evidence WHERE audit_id = ? AND question_id = 'pic'", (audit["id"],))) == 1
    assert len(rows(server, "SELECT key FROM idempotency_keys")) == len(kinds)
    # Made-at, not replay time, is the answered time.
    made = rows(server, "SELECT answered_at, updated_at FROM answers WHERE question_id = 'guard'")[0]
    assert made["answered_at"] < made["updated_at"]

    # Nothing waits: sign-out clears the tablet's pages, queue and local data.
    again.evaluate("""() => Promise.all([caches.open('fieldaudit-pages-x').then(c => c.put('/x', new Response('x'))),
                                         caches.open('fieldaudit-static-1').then(c => c.put('/y', new Response('y')))])
                           .then(() => localStorage.setItem('fieldaudit-ready:x', '/x'))""")
    with again.expect_navigation():
        again.get_by_role("button", name="Sign out").tap()
    assert "/login" in again.url
    left = again.evaluate("""() => Promise.all([caches.keys(), indexedDB.databases(),
                                                Promise.resolve(localStorage.length)])""")
    # Static files stay; no one's pages do (the worker notes again that nobody is signed in on the sign-in page).
    assert "fieldaudit-static-1" in left[0] and not [c for c in left[0] if c.startswith("fieldaudit-pages-")]
    assert [d["name"] for d in left[1]] == []
    assert left[2] == 0


def test_a_refused_change_is_set_aside_without_blocking_and_an_expired_session_waits_for_the_same_user(
        live_server, new_page):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE + ("401", "404"))
    login(page, server, "auditor")
    section = f"{server.url}/audits/{audit['id']}/sections/station"
    page.goto(section)
    page.context.set_offline(True)
    tap(page, "guard", "Yes")
    expect(page.locator("#q-guard .save-state")).to_have_text("On this tablet")
    tap(page, "label", "Fail")
    expect(page.locator("#q-label .save-state")).to_have_text("On this tablet")
    # The first change names a question the checklist no longer has (as after a change elsewhere): a 404.
    page.evaluate("""() => window.FAQueueStore.list(window.FAQueue.userId()).then(rs => {
        const first = rs[0]; first.url = first.url.replace(/answers\\/guard$/, 'answers/gone');
        return window.FAQueueStore.put(first); })""")
    # Meanwhile the session ends on the server (idle timeout, or signed out elsewhere).
    db = server.db()
    try:
        db.conn.execute("UPDATE auth_sessions SET ended_at = '2026-01-01T00:00:00.000Z', end_reason = 'idle'")
    finally:
        db.conn.close()
    page.context.set_offline(False)
    page.evaluate("() => window.FAQueue.replay()")
    expect(page.locator("#queue-status")).to_contain_text("sign in again")
    assert rows(server, "SELECT * FROM answers WHERE audit_id = ?", (audit["id"],)) == []
    # The same person signs in again: the queue goes on by itself; the refused change is set aside, not retried.
    login(page, server, "auditor")
    expect(page.locator("#queue-status")).to_contain_text("Not saved: Machine guard in place", timeout=20_000)
    expect(page.locator("#queue-status")).to_contain_text("no longer in this audit")
    expect(page.locator("#queue-status")).to_contain_text("Everything else is saved", timeout=20_000)
    answers = rows(server, "SELECT question_id, value FROM answers WHERE audit_id = ?", (audit["id"],))
    assert [(r["question_id"], json.loads(r["value"])) for r in answers] == [("label", "fail")]
    assert [r["state"] for r in queued(page)] == ["aside"]
    page.get_by_role("button", name="Discard this change").tap()
    all_saved(page)


def test_a_full_store_refuses_the_photo_clearly_and_keeps_what_was_queued(live_server, new_page, tmp_path):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE)
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/sections/station")
    page.context.set_offline(True)
    tap(page, "guard", "Yes")
    expect(page.locator("#q-guard .save-state")).to_have_text("On this tablet")
    # For this test only: the store is full for photos (as IndexedDB answers when the origin's quota is used up).
    page.evaluate("""() => { const put = window.FAQueueStore.put;
        window.FAQueueStore.put = r => r.kind === 'photo'
            ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) : put(r); }""")
    photo = tmp_path / "p.jpg"
    Image.new("RGB", (64, 48), (10, 200, 10)).save(photo, "JPEG")
    page.locator("#q-pic input[type=file]").set_input_files(str(photo))
    expect(page.locator("#q-pic .save-state")).to_contain_text("storage is full")
    expect(page.locator("#q-pic .save-state")).to_contain_text("already on the tablet is safe")
    assert [r["kind"] for r in queued(page)] == ["answer"]
    expect(page.locator("#queue-status")).to_contain_text("1 answer on this tablet")


def test_two_tabs_of_one_audit_offline_share_one_queue_and_land_once(live_server, new_page):
    server = live_server
    audit = open_audit(server)
    first = new_page(allow=OFFLINE_NOISE)
    login(first, server, "auditor")
    url = f"{server.url}/audits/{audit['id']}/sections/station"
    first.goto(url)
    second = first.context.new_page()
    second.goto(url)
    first.context.set_offline(True)
    tap(first, "guard", "Yes")
    expect(first.locator("#q-guard .save-state")).to_have_text("On this tablet")
    tap(second, "label", "Pass")
    expect(second.locator("#q-label .save-state")).to_have_text("On this tablet")
    # One store: each tab sees both changes in its strip.
    expect(first.locator("#queue-status")).to_contain_text("2 answers on this tablet")
    assert len(queued(second)) == 2
    first.context.set_offline(False)  # both tabs get `online` and try to replay at once; one lock lets one in
    all_saved(first)
    all_saved(second)
    answers = rows(server, "SELECT question_id, value FROM answers WHERE audit_id = ? ORDER BY question_id",
                   (audit["id"],))
    assert [(r["question_id"], json.loads(r["value"])) for r in answers] == [("guard", "yes"), ("label", "pass")]
    assert len(rows(server, "SELECT key FROM idempotency_keys")) == 2


def test_offline_show_if_and_suggestions_follow_the_answers_on_the_tablet(live_server, new_page):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE)
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/sections/station")
    expect(page.locator("#q-why")).to_be_hidden()
    page.context.set_offline(True)
    tap(page, "guard", "No")
    expect(page.locator("#q-guard .save-state")).to_have_text("On this tablet")
    # The follow-up appears with no server, and the checklist's suggestion for "no" with it.
    expect(page.locator("#q-why textarea[name=v-why]")).to_be_visible()
    expect(page.locator("#q-guard .suggestion")).to_have_text("Suggests: minor nonconformity")
    page.locator("#q-why textarea[name=v-why]").fill("Removed for cleaning")
    page.locator("#q-why .q-text").tap()
    expect(page.locator("#q-why .save-state")).to_have_text("On this tablet")
    tap(page, "label", "Fail")
    expect(page.locator("#q-label .suggestion")).to_have_text("Suggests: minor nonconformity")
    tap(page, "guard", "Yes")
    expect(page.locator("#q-why")).to_be_hidden()
    expect(page.locator("#q-guard .suggestion")).to_have_count(0)
    tap(page, "guard", "No")
    expect(page.locator("#q-why")).to_be_visible()
    page.context.set_offline(False)
    all_saved(page)
    answers = {r["question_id"]: json.loads(r["value"])
               for r in rows(server, "SELECT * FROM answers WHERE audit_id = ?", (audit["id"],))}
    assert answers == {"guard": "no", "why": "Removed for cleaning", "label": "fail"}


def test_a_finding_with_a_photo_raised_offline_lands_once(live_server, new_page, tmp_path):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE + ("ERR_INTERNET_DISCONNECTED",))
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/findings/new")
    page.context.set_offline(True)
    page.locator("label.choice", has_text="Minor nonconformity").tap()
    page.locator("textarea[name=description]").fill("Oil on the floor by the press")
    photo = tmp_path / "oil.jpg"
    Image.new("RGB", (64, 48), (40, 40, 40)).save(photo, "JPEG")
    page.locator("input[name=photos]").set_input_files(str(photo))
    page.get_by_role("button", name="Save finding").tap()
    expect(page.locator(".queue-note")).to_contain_text("Finding kept on this tablet")
    expect(page.locator("#queue-status")).to_contain_text("1 finding on this tablet")
    page.context.set_offline(False)
    all_saved(page)
    findings = rows(server, "SELECT id, description, severity FROM findings WHERE audit_id = ?", (audit["id"],))
    assert [(f["description"], f["severity"]) for f in findings] == [("Oil on the floor by the press", "minor")]
    assert len(rows(server, "SELECT id FROM evidence WHERE finding_id = ?", (findings[0]["id"],))) == 1
    # Online, the form is sent with a key and leads on like a plain form.
    page.goto(f"{server.url}/audits/{audit['id']}/findings/new")
    page.locator("label.choice", has_text="Observation").tap()
    page.locator("textarea[name=description]").fill("Labels faded")
    with page.expect_navigation(url=re.compile(r"/findings$")):
        page.get_by_role("button", name="Save finding").tap()
    assert len(rows(server, "SELECT id FROM findings WHERE audit_id = ?", (audit["id"],))) == 2
    assert len(rows(server, "SELECT key FROM idempotency_keys")) == 2


def test_submitting_offline_explains_the_server_is_needed_and_keeps_no_password(live_server, new_page):
    server = live_server
    audit = open_audit(server)
    db = server.db()
    try:
        auditor = users.get_user_by_username(db, "auditor")
        for qid, value in {"guard": "yes", "label": "pass", "tidy": "4"}.items():
            data.save_answer(db, audit, qid, value, None, auditor["id"])
    finally:
        db.conn.close()
    page = new_page(allow=OFFLINE_NOISE)
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/submit")
    page.context.set_offline(True)
    page.locator("label.check", has_text="performed this audit").tap()
    page.locator("input[name=password]").fill(server.passwords["auditor"])
    page.get_by_role("button", name="Sign and submit").tap()
    expect(page.locator("#submit-offline")).to_contain_text("Submitting needs the site server")
    expect(page.locator("#submit-offline")).to_contain_text("never kept on this tablet")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.locator("#queue-status .queue-ready")).to_have_text("1 audit ready to submit once the site server "
                                                                    "answers.")
    assert page.evaluate("() => JSON.stringify(localStorage)").find(server.passwords["auditor"]) < 0
    assert rows(server, "SELECT status FROM audits WHERE id = ?", (audit["id"],))[0]["status"] == "in_progress"
    page.context.set_offline(False)
    page.locator("input[name=password]").fill(server.passwords["auditor"])
    with page.expect_navigation():
        page.get_by_role("button", name="Sign and submit").tap()
    assert rows(server, "SELECT status FROM audits WHERE id = ?", (audit["id"],))[0]["status"] == "submitted"
