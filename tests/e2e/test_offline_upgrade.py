"""A static-files upgrade deployed while the tablet holds queued changes (issue 13's last fault): the new worker
and the new hashed scripts take over, and what waited replays once under them — nothing lost, nothing doubled."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from fieldaudit import assets

from .harness import login
from .test_offline_queue import OFFLINE_NOISE, all_saved, open_audit, queued, rows, tap

pytestmark = pytest.mark.slow
# The deploy: new content hashes for the stylesheet and the queue's own scripts, so the worker's version changes.
DEPLOYED = {"css/app.css": "0123456789", "js/queue.js": "abcdef0123", "js/queue-store.js": "fedcba9876"}


def static_caches(page) -> list[str]:
    return [n for n in page.evaluate("caches.keys()") if n.startswith("fieldaudit-static-")]


def test_changes_queued_before_a_static_upgrade_replay_once_after_it(live_server, new_page, tmp_path):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE)
    login(page, server, "auditor")
    section = f"{server.url}/audits/{audit['id']}/sections/station"
    page.goto(section)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    [old] = static_caches(page)

    page.context.set_offline(True)
    tap(page, "guard", "No")
    expect(page.locator("#q-guard .save-state")).to_have_text("On this tablet")
    tap(page, "label", "Pass")
    expect(page.locator("#q-label .save-state")).to_have_text("On this tablet")
    photo = tmp_path / "station.jpg"
    Image.new("RGB", (320, 240), (200, 120, 10)).save(photo, "JPEG")
    page.locator("#q-pic input[type=file]").set_input_files(str(photo))
    expect(page.locator("#q-pic img.tablet-thumb")).to_be_visible()
    waiting = queued(page)
    assert sorted(r["kind"] for r in waiting) == ["answer", "answer", "photo"]
    # The tablet is put away with the changes on it (closing the tab keeps the old page from replaying first).
    context = page.context
    page.close()

    app = server.app
    saved = dict(assets._digests)
    for name in DEPLOYED:
        assets._digest(name)
    assets._digests.update(DEPLOYED)
    app.extensions["offline"].pop("version", None)
    try:
        context.set_offline(False)
        again = context.new_page()
        again.goto(section)
        # The fresh page is the only window: the new worker takes over and the page reloads once more, possibly
        # in the middle of the replay the first load started (a cut replay resends under the same keys).
        again.wait_for_function("""old => caches.keys().then(ns => { window.__names = ns; })
            && window.__names && !window.__names.includes(old)
            && window.__names.some(n => n.startsWith('fieldaudit-static-'))""", arg=old, timeout=60_000)
        again.wait_for_function("""() => document.querySelector('script[src*="queue."]')
            && [...document.scripts].some(s => s.src.includes('abcdef0123'))""", timeout=20_000)
        all_saved(again)
        assert queued(again) == []
        assert len(static_caches(again)) == 1
    finally:
        assets._digests.clear()
        assets._digests.update(saved)
        app.extensions["offline"].pop("version", None)

    answers = {r["question_id"]: r["value"] for r in
               rows(server, "SELECT question_id, value FROM answers WHERE audit_id = ?", (audit["id"],))}
    assert answers == {"guard": '"no"', "label": '"pass"'}
    assert len(rows(server, "SELECT id FROM evidence WHERE audit_id = ? AND question_id = 'pic'",
                    (audit["id"],))) == 1
    assert sorted(r["key"] for r in rows(server, "SELECT key FROM idempotency_keys")) == \
        sorted(r["key"] for r in waiting)
