"""Faults on the way back from a tablet's queue, in real Chromium: the response lost after the server committed,
the network lost half-way through a replay, the server process stopped in the middle of a section."""
import json
import re
import threading
from urllib.parse import urlsplit

import pytest
import waitress
from playwright.sync_api import expect

from .harness import login, serve_demo
from .test_offline_queue import OFFLINE_NOISE, all_saved, open_audit, queued, tap

pytestmark = pytest.mark.slow


def answers_of(server, audit_id):
    return {r["question_id"]: json.loads(r["value"])
            for r in server.rows("SELECT question_id, value FROM answers WHERE audit_id = ?", (audit_id,))}


def test_a_change_whose_response_was_lost_after_the_commit_lands_once(live_server, new_page):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE + ("ERR_FAILED", "ERR_CONNECTION_RESET"))
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/sections/station")
    lost = []

    def lose_the_response(route):
        # The request reaches the server and is committed; the answer never reaches the tablet. Every answer is
        # lost until the test has seen the change wait on the tablet (the worker's Background Sync may replay at
        # once, and those replays lose their answer too).
        if not holding:
            route.continue_()
            return
        route.fetch()
        lost.append(route.request.headers["idempotency-key"])
        route.abort("connectionreset")
    holding = [True]
    page.route("**/answers/guard", lose_the_response)
    replayed = []
    page.on("response", lambda r: replayed.append(r.headers.get("idempotent-replayed"))
            if urlsplit(r.url).path.endswith("/answers/guard") else None)
    tap(page, "guard", "Yes")
    expect(page.locator("#q-guard .save-state")).to_have_text("On this tablet")
    holding.clear()
    assert answers_of(server, audit["id"]) == {"guard": "yes"}  # the server has it already
    all_saved(page)  # the timer
    assert replayed == ["true"]
    assert len(set(lost)) == 1  # every try carried the one key of the one change
    assert [r["key"] for r in server.rows("SELECT key FROM idempotency_keys")] == lost[:1]
    assert len(server.rows("SELECT id FROM answers WHERE audit_id = ?", (audit["id"],))) == 1


def test_a_replay_cut_off_half_way_goes_on_where_it_stopped(live_server, new_page):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE + ("ERR_FAILED", "ERR_CONNECTION_RESET"))
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/sections/station")
    page.context.set_offline(True)
    for guard, label in (("Yes", "Pass"), ("No", "Fail"), ("Yes", "Pass")):
        tap(page, "guard", guard)
        tap(page, "label", label)
    expect(page.locator("#queue-status")).to_contain_text("6 answers on this tablet")
    sent = []

    def cut_after_three(route):
        if len(sent) >= 3:
            route.abort("internetdisconnected")
            return
        sent.append(route.request.url)
        route.continue_()
    page.route(re.compile(r".*/answers/.*"), cut_after_three)
    page.context.set_offline(False)
    expect(page.locator("#queue-status")).to_contain_text("3 answers on this tablet", timeout=20_000)
    assert answers_of(server, audit["id"]) == {"guard": "no", "label": "pass"}  # yes/pass, then no
    assert len(queued(page)) == 3
    page.unroute(re.compile(r".*/answers/.*"))
    page.evaluate("() => window.FAQueue.replay()")  # as the timer or the next page load would
    all_saved(page)
    assert answers_of(server, audit["id"]) == {"guard": "yes", "label": "pass"}
    assert len(server.rows("SELECT key FROM idempotency_keys")) == 6


def test_the_server_stopped_mid_section_and_started_again(tmp_path, new_page):
    thread, server = serve_demo(tmp_path / "data", threads=4)
    try:
        audit = open_audit(server)
        page = new_page(allow=OFFLINE_NOISE + ("ERR_CONNECTION_REFUSED",))
        login(page, server, "auditor")
        page.goto(f"{server.url}/audits/{audit['id']}/sections/station")
        tap(page, "guard", "No")
        expect(page.locator("#q-guard .save-state")).to_have_text("Saved")
        thread.stop()  # the site server goes away; the tablet still thinks it is online
        page.locator("#q-why textarea[name=v-why]").fill("Removed for cleaning")
        page.locator("#q-why .q-text").tap()
        expect(page.locator("#q-why .save-state")).to_have_text("On this tablet")
        tap(page, "label", "Fail")
        # A replay may be under way at any moment (Background Sync, the timer): either word is right.
        expect(page.locator("#queue-status")).to_contain_text(
            re.compile("2 answers on this tablet, (waiting for|sending to) the site server"))
        # Started again on the same address, with its own socket map (the stopped one closed the shared map).
        restarted = waitress.create_server(server.app, map={}, host="127.0.0.1", port=thread.port, threads=4)
        thread.server = restarted
        thread.thread = threading.Thread(target=restarted.run, daemon=True)
        thread.thread.start()
        # No online event (the browser never lost its network): the back-off timer finds the server again.
        all_saved(page)
        assert answers_of(server, audit["id"]) == {"guard": "no", "why": "Removed for cleaning", "label": "fail"}
    finally:
        try:
            thread.stop()
        except OSError:
            # The first server's loop, winding down, may close a descriptor number the restarted server reused
            # for its wake-up pipe; its sockets are then closed here directly.
            from waitress import wasyncore
            wasyncore.close_all(thread.server._map)
            thread.server.task_dispatcher.shutdown()


def test_the_service_workers_offline_answer_queues_and_a_stale_token_is_renewed(live_server, new_page):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE + ("503", "400"))
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/sections/station")
    # What the service worker answers for a change it could not send: 503 marked X-FieldAudit-Offline.
    page.route("**/answers/guard", lambda route: route.fulfill(status=503, headers={"X-FieldAudit-Offline": "1"},
                                                                body="offline"))
    tap(page, "guard", "No")
    expect(page.locator("#q-guard .save-state")).to_have_text("On this tablet")
    expect(page.locator("#net-status")).to_be_hidden()  # not "Not saved": it is kept
    # The page's token is stale (as after the session was renewed elsewhere): the replay fetches the current one.
    # Made stale before the route goes, since the worker's Background Sync may start a replay at once.
    page.evaluate("() => document.querySelector('meta[name=csrf-token]').setAttribute('content', 'stale')")
    page.unroute("**/answers/guard")
    page.evaluate("() => window.FAQueue.replay()")
    all_saved(page)
    assert answers_of(server, audit["id"]) == {"guard": "no"}
    assert page.evaluate("() => document.querySelector('meta[name=csrf-token]').content") != "stale"


def test_leaving_while_a_save_is_on_its_way_asks_first(live_server, new_page):
    server = live_server
    audit = open_audit(server)
    page = new_page()
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/sections/station")
    held = []
    page.route("**/answers/guard", lambda route: held.append(route))  # the save is still on its way
    page.locator("#q-guard .choice span").get_by_text("Yes", exact=True).tap()
    page.wait_for_function("() => window.FAQueue.state.inFlight === 1")
    page.locator("h1").click()  # a user gesture on the page, which Chromium wants before it asks
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    with page.expect_event("dialog", timeout=20_000):  # as soon as it comes, not after a fixed wait
        page.close(run_before_unload=True)
    assert dialogs == ["beforeunload"]
    held[0].continue_()


def test_background_sync_wakes_the_page_to_replay(live_server, new_page):
    server = live_server
    audit = open_audit(server)
    page = new_page(allow=OFFLINE_NOISE + ("503",))
    login(page, server, "auditor")
    page.goto(f"{server.url}/audits/{audit['id']}/sections/station")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.evaluate("""() => { window.__woken = 0; navigator.serviceWorker.addEventListener('message', e => {
        if (e.data && e.data.type === 'fieldaudit-replay') { window.__woken++; } }); }""")
    page.route("**/answers/guard", lambda route: route.fulfill(status=503, headers={"X-FieldAudit-Offline": "1"},
                                                                body="offline"))
    tap(page, "guard", "No")
    expect(page.locator("#q-guard .save-state")).to_have_text("On this tablet")
    page.unroute("**/answers/guard")
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    scope = f"{server.url}/"
    for _ in range(200):  # polled until the event arrives, not a fixed wait
        found = [r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"]]
        if found:
            break
        page.wait_for_timeout(50)
    assert found, registrations
    # The browser fires the tag (as when the network comes back, with or without a page event): the worker tells
    # every window, and the page replays.
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": server.url, "registrationId": found[0]["registrationId"],
                                                 "tag": "fieldaudit-replay", "lastChance": False})
    page.wait_for_function("() => window.__woken >= 1", timeout=20_000)
    all_saved(page)
    assert answers_of(server, audit["id"]) == {"guard": "no"}
