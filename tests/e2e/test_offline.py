"""Offline tablets in real Chromium: an audit opened once is stored by the service worker's side and every section,
its station page and its procedures open with the network off (answered by the worker), across closing the tab;
an unknown page offline is the offline page; a static-files upgrade replaces the precache and leaves no old one;
the manifest and its icons load."""
import re

import pytest
from playwright.sync_api import expect

from fieldaudit import assets
from fieldaudit.audits import data
from fieldaudit.auth import users
from fieldaudit.checklists import store
from fieldaudit.demo import history
from fieldaudit.stations import data as stations

from .harness import login, serve_demo

pytestmark = pytest.mark.slow
# Requests that fail while the context is offline are logged by Chromium as console errors; they are the test.
OFFLINE_NOISE = (r"net::ERR_INTERNET_DISCONNECTED", r"Failed to load resource", r"Failed to fetch")


def new_audit(server, checklist_id: str = "lpa-assembly") -> dict:
    """An audit of PLT1 at its first workstation by the demo auditor, made server-side."""
    db = server.db()
    try:
        history.publish_shipped(db)  # a no-op on the demo plant with history
        site = stations.get_site_by_code(db, "PLT1")
        version = next(c for c in store.list_checklists(db) if c["key"] == checklist_id)
        workstation = stations.list_workstations(db, site["id"])[0]
        auditor = users.get_user_by_username(db, "auditor")
        audit = data.create_audit(db, site=site, checklist_version_id=version["version_id"],
                                  auditor_id=auditor["id"], workstation=workstation, auditees="", scope="")
        return data.get_audit(db, audit["id"])
    finally:
        db.conn.close()


def section_ids(server, audit: dict) -> list[str]:
    db = server.db()
    try:
        return [s.id for s in data.checklist_of(db, audit).sections]
    finally:
        db.conn.close()


def stored(page, audit_id: str) -> dict:
    """Wait until offline.js has stored the audit; its entry in the On this tablet list."""
    page.wait_for_function("""id => window.FieldAuditOffline && FieldAuditOffline.storedAudits()
        .then(list => { window.__stored = list.find(a => a.id === id); }) && window.__stored""", arg=audit_id,
        timeout=20_000)
    return page.evaluate("window.__stored")


def cache_names(page) -> list[str]:
    return page.evaluate("caches.keys()")


def test_an_audit_opened_once_opens_offline_in_every_section(plant_server, new_page):
    page = new_page(allow=OFFLINE_NOISE)
    login(page, plant_server, "auditor")
    audit = new_audit(plant_server)
    sections = section_ids(plant_server, audit)
    page.goto(f"{plant_server.url}/audits/{audit['id']}/run")
    entry = stored(page, audit["id"])
    assert entry["missing"] == 0 and entry["bytes"] > 0
    assert any("/w/" in k for k in entry["keys"]) and any("/documents/" in k for k in entry["keys"])
    assert any(n.startswith("fieldaudit-static-") for n in cache_names(page))
    assert f"fieldaudit-pages-{audit['auditor_id']}" in cache_names(page)

    context = page.context
    context.set_offline(True)
    for section_id in sections:
        response = page.goto(f"{plant_server.url}/audits/{audit['id']}/sections/{section_id}")
        # From the worker AND from the stored copy (the worker's own fetch failed: set_offline reaches it too).
        assert response.ok and response.from_service_worker, section_id
        assert response.headers.get("x-fieldaudit-stored"), section_id
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert page.locator("#section-form").count() == 1
        # The stylesheet and scripts came from the precache too.
        assert page.evaluate("getComputedStyle(document.body).display") == "flex"
    # The station page and a procedure linked from a question (a redirect to the document, kept as one).
    station = next(k for k in entry["keys"] if "/w/" in k)
    assert page.goto(station).from_service_worker
    procedure = next(k for k in entry["keys"] if "/documents/code/" in k)
    response = page.goto(procedure)
    assert response.from_service_worker and "/documents/" in page.url and "/code/" not in page.url

    # The tab closed and another opened, still offline: the resume link of the home screen works.
    page.close()
    again = context.new_page()
    response = again.goto(f"{plant_server.url}/audits/{audit['id']}/run")
    assert response.from_service_worker and f"/audits/{audit['id']}/sections/" in again.url
    assert again.locator("#section-form").count() == 1

    # A page that was never stored: the offline page with the audits on this tablet, never the browser's error.
    response = again.goto(f"{plant_server.url}/capa/")
    assert response.from_service_worker
    assert again.get_by_role("heading", name="You are offline; these audits are on this tablet").is_visible()
    again.locator(f"#on-this-tablet li[data-audit='{audit['id']}']").wait_for()
    context.set_offline(False)


def test_with_the_server_stopped_the_worker_answers_from_the_tablet(tmp_path, new_page):
    server, live = serve_demo(tmp_path / "data", threads=4)
    try:
        page = new_page(allow=OFFLINE_NOISE + (r"ERR_CONNECTION_REFUSED",))
        login(page, live, "auditor")
        audit = new_audit(live)
        page.goto(f"{live.url}/audits/{audit['id']}/run")
        entry = stored(page, audit["id"])
        first_section = page.url
    finally:
        server.stop()
    for section_id in section_ids(live, audit):
        response = page.goto(f"{live.url}/audits/{audit['id']}/sections/{section_id}")
        assert response.from_service_worker and response.headers.get("x-fieldaudit-stored"), section_id
    # Resume, stored as a redirect, leads to the section the auditor opened last, offline too.
    assert page.url != first_section
    last = page.url
    page.wait_for_function("""([run, last]) => caches.match(run).then(r => { window.__to = r.headers.get("Location"); })
        && window.__to === last""", arg=[f"{live.url}/audits/{audit['id']}/run", last])
    page.goto(f"{live.url}/audits/{audit['id']}/run")
    assert page.url == last
    assert page.goto(f"{live.url}/documents/").from_service_worker
    page.get_by_role("heading", name="You are offline; these audits are on this tablet").wait_for()
    expect(page.locator(f"#on-this-tablet li[data-audit='{audit['id']}']")).to_have_count(1)
    assert entry["missing"] == 0


def test_this_tablet_shows_storage_and_install(plant_server, new_page):
    page = new_page()
    login(page, plant_server, "auditor")
    audit = new_audit(plant_server)
    page.goto(f"{plant_server.url}/audits/{audit['id']}/run")
    stored(page, audit["id"])
    page.goto(f"{plant_server.url}/tablet")
    panel = page.locator("#tablet-storage")
    panel.wait_for()
    assert re.search(r"[\d.]+ MB used of [\d.]+ MB", panel.locator(".storage-used").inner_text())
    persisted = page.evaluate("navigator.storage.persisted()")
    assert panel.locator(".storage-persisted").is_visible() == persisted
    assert panel.locator(".storage-not-persisted").is_visible() == (not persisted)
    # Chromium outside an installed app and not on iOS: the browser-menu or prompt hint, not the iPad one.
    assert not page.locator(".install-apple").is_visible()
    assert page.locator(".install-other, .install-prompt").filter(visible=True).count() == 1
    page.locator(f"#on-this-tablet li[data-audit='{audit['id']}']").wait_for()


def test_remove_from_this_tablet(plant_server, new_page):
    page = new_page()
    login(page, plant_server, "auditor")
    audit = new_audit(plant_server)
    page.goto(f"{plant_server.url}/audits/{audit['id']}/run")
    entry = stored(page, audit["id"])
    page.goto(f"{plant_server.url}/")
    row = page.locator(f"#on-this-tablet li[data-audit='{audit['id']}']")
    assert re.search(r"stored (just now|\d+ min ago)", row.inner_text())
    row.get_by_role("button", name="Remove from this tablet").click()
    row.wait_for(state="detached")
    kept = page.evaluate("""name => caches.open(name).then(c => c.keys()).then(ks => ks.map(k => k.url))""",
                         f"fieldaudit-pages-{audit['auditor_id']}")
    # Gone, but for a station or procedure page that another audit stored on this tablet still needs.
    needed = {k for other in page.evaluate("FieldAuditOffline.storedAudits()") for k in other["keys"]}
    assert not (set(kept) & set(entry["keys"])) - needed
    assert not [k for k in kept if audit["id"] in k]


def test_a_static_files_upgrade_replaces_the_precache(plant_server, new_page):
    page = new_page()
    login(page, plant_server, "auditor")
    page.goto(f"{plant_server.url}/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    [old] = [n for n in cache_names(page) if n.startswith("fieldaudit-static-")]
    # A deploy with a changed stylesheet: its hashed name changes, so does the worker's version.
    app = plant_server.app
    saved = dict(assets._digests)
    assets._digests["css/app.css"] = "0123456789"
    app.extensions["offline"].pop("version", None)
    try:
        with page.expect_event("load"):
            page.reload()
        # The fresh page is the only window: the new worker takes over and the page reloads once more.
        page.wait_for_function("""old => caches.keys().then(ns => { window.__names = ns; })
            && window.__names && !window.__names.includes(old)
            && window.__names.some(n => n.startsWith('fieldaudit-static-'))""", arg=old, timeout=20_000)
        page.wait_for_function("document.querySelector('link[rel=stylesheet]').href.includes('0123456789')")
        names = [n for n in cache_names(page) if n.startswith("fieldaudit-static-")]
        assert len(names) == 1 and names[0] != old
        urls = page.evaluate("n => caches.open(n).then(c => c.keys()).then(ks => ks.map(k => k.url))", names[0])
        assert any("0123456789" in u for u in urls)
    finally:
        assets._digests.clear()
        assets._digests.update(saved)
        app.extensions["offline"].pop("version", None)


def test_manifest_is_valid_and_its_icons_load(plant_server, new_page):
    page = new_page()
    login(page, plant_server, "auditor")
    page.goto(f"{plant_server.url}/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    response = page.request.get(plant_server.url + href)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["orientation"] == "any"
    assert manifest["start_url"] == "/" and manifest["name"]
    purposes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= purposes
    for icon in manifest["icons"]:
        size = int(icon["sizes"].split("x")[0])
        loaded = page.evaluate("""src => new Promise((ok, fail) => { const i = new Image(); i.onload = () =>
            ok([i.naturalWidth, i.naturalHeight]); i.onerror = fail; i.src = src; })""", icon["src"])
        assert loaded == [size, size]
    # Chromium's own reading of the manifest: no errors, installable fields present.
    session = page.context.new_cdp_session(page)
    found = session.send("Page.getAppManifest")
    assert found["errors"] == [], found["errors"]
