"""The head office's hub with its store on PostgreSQL, in a real browser: the head-office admin signs in, opens the
cross-site KPI dashboard, an audit a site server synced up over real HTTP (with its photos), its PDF and a CAPA."""
import io
import re
from types import SimpleNamespace

import pytest
import requests
from playwright.sync_api import expect
from pypdf import PdfReader

from fieldaudit import config, create_app
from fieldaudit import db as dbm
from fieldaudit.appdb import blob_store_of
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.sync import client, devices, link
from tests.factories import CHECKLIST
from tests.sync.helpers import field_audit

from .harness import FAST_HASH, login, serve_demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(pg_server, tmp_path_factory):
    """The demo plant's head office: a hub whose store is a fresh PostgreSQL database, behind a real server."""
    name = pg_server.fresh_database()
    server, live = serve_demo(tmp_path_factory.mktemp("pg-hub") / "data", history=True, threads=4, MODE="hub",
                              DATABASE_URL=pg_server.url(name))
    try:
        yield live
    finally:
        server.stop()
        pg_server.drop(name)


@pytest.fixture(scope="module")
def synced_audit(hub, tmp_path_factory):
    """A site server of PLT1 (SQLite) paired with the hub over HTTP; an audit with two photos made there, synced up."""
    db = hub.db()
    try:
        store.publish(db, parse_checklist(CHECKLIST, "test-walk.yaml"), by=None)
        site = dbm.query_one(db, "SELECT * FROM sites WHERE code = 'PLT1'")
        auditor = dbm.query_one(db, "SELECT * FROM users WHERE username = 'auditor'")
        admin = dbm.query_one(db, "SELECT id FROM users WHERE username = 'admin'")
        code = devices.make_code(db, [site["id"]], by=admin["id"])
        version = dbm.scalar(db, "SELECT v.id FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id"
                                 " WHERE c.key = 'test-walk' AND v.status = 'published'")
    finally:
        dbm.close(db)
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("site-server") / "data"),
                      "PASSWORD_HASH_METHOD": FAST_HASH})
    device = SimpleNamespace(db=dbm.connect(config.database_path(app.config)), store=blob_store_of(app))
    http = requests.Session()
    try:
        link.pair_with_hub(device.db, hub.url, code, name="Riverside tablet 1", session=http)
        client.sync_once(device.db, device.store, session=http)
        audit = field_audit(device, {"a": site, "auditor": auditor}, version, photos=2, seed=7)
        summary = client.sync_once(device.db, device.store, session=http)
        assert summary["pushed"] > 0 and summary["photos"] >= 2 and summary["set_aside"] == 0, summary
    finally:
        dbm.close(device.db)
    return audit


def test_head_office_admin_sees_kpi_a_synced_audit_its_pdf_and_a_capa_on_a_postgresql_hub(hub, synced_audit,
                                                                                         new_page):
    assert hub.rows("SELECT 1 AS one") and hub.app.config["DATABASE_URL"]  # the store really is PostgreSQL
    page = new_page(1024, 768)
    login(page, hub, "admin")

    # The cross-site KPI dashboard: every plant's audits, the charts drawn with their tables.
    with page.expect_navigation():
        page.get_by_role("link", name="KPI", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("KPI dashboard")
    audits_per_month = page.locator("#chart-audits table tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.children[1].textContent.trim()))")
    assert sum(audits_per_month) >= 12
    expect(page.locator("#chart-audits svg a.chart-link").first).to_be_visible()

    # The audit the site server synced: in the list, then its page; each of its photos on its evidence page.
    page.goto(f"{hub.url}/audits/")
    link_to = page.get_by_role("link", name=synced_audit["number"], exact=True)
    with page.expect_navigation():
        link_to.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(synced_audit["number"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("submitted")
    photos = hub.rows("SELECT id FROM evidence WHERE audit_id = ?", (synced_audit["id"],))
    assert len(photos) == 2
    for item in photos:
        page.goto(f"{hub.url}/evidence/{item['id']}")
        image = page.locator(f"img[src='/evidence/{item['id']}/image']")
        expect(image).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())

    # Its PDF, as the browser downloads it with the admin's session: the record, its hash and both photos.
    pdf = page.request.get(f"{hub.url}/audits/{synced_audit['id']}/report.pdf", timeout=120_000)
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(pdf.body()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert synced_audit["number"] in text and "Photo file missing" not in text
    assert re.findall(r"Integrity hash[^0-9a-f]*([0-9a-f]{64})", text)[0] == synced_audit["record_hash"]
    assert sum(len(p.images) for p in reader.pages) >= 2

    # A CAPA of the demo plant: the list, then its page with the record form.
    page.goto(f"{hub.url}/capa/")
    first = page.locator("table a[href^='/capa/']").first
    title = first.inner_text().strip()
    with page.expect_navigation():
        first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.locator("form.capa-fields")).to_be_visible()
