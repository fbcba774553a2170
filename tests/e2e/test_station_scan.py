"""A scanned label on a tablet: signed out → sign in → the station page → read the procedure → start an audit."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from fieldaudit import config
from fieldaudit.demo import documents as demo_documents
from fieldaudit.demo import history as demo_history
from fieldaudit import db as dbm
from fieldaudit.evidence.blobstore import BlobStore

from .harness import login

pytestmark = pytest.mark.slow


@pytest.fixture
def plant_with_documents(live_server):
    """The live demo plant plus the shipped checklists and the demo's controlled documents."""
    db = live_server.db()
    try:
        demo_history.publish_shipped(db)
        demo_documents.seed_documents(db, BlobStore(config.blob_dir(live_server.app.config)))
    finally:
        db.conn.close()
    return live_server


def rows(server, sql, params=()):
    db = server.db()
    try:
        return dbm.query(db, sql, params)
    finally:
        db.conn.close()


def test_scan_read_the_procedure_and_start_an_audit_here(plant_with_documents, new_page):
    server = plant_with_documents
    page = new_page()
    page.goto(f"{server.url}/w/ASM-01")  # what the tablet's camera app opens
    assert urlsplit(page.url).path == "/login"
    login(page, server, "auditor", goto=False)
    assert urlsplit(page.url).path == "/w/ASM-01"
    expect(page.get_by_role("heading", name="Torque station 1")).to_be_visible()
    procedures = page.locator("#procedures")
    expect(procedures.get_by_text("WI-ASM-012")).to_be_visible()
    expect(procedures.get_by_text("SOP-QA-031")).to_be_visible()

    # One tap opens the version in force; the auditor has not confirmed SOP-QA-007 version 2 yet.
    with page.expect_navigation():
        procedures.get_by_role("link", name=re.compile("SOP-QA-007")).tap()
    expect(page.locator("#doc-state")).to_contain_text("In force since")
    expect(page.locator("#doc-state")).to_contain_text("version 2")
    expect(page.locator("#doc-content")).to_contain_text("line stops")
    page.get_by_role("button", name="I have read and understood version 2").tap()
    expect(page.locator(".ack-done")).to_contain_text("You confirmed reading version 2")
    acked = rows(server, "SELECT u.username FROM document_acks a JOIN users u ON u.id = a.user_id"
                         " JOIN document_versions v ON v.id = a.version_id JOIN documents d ON d.id = v.document_id"
                         " WHERE d.code = 'SOP-QA-007' AND v.version = 2 AND u.username = 'auditor'")
    assert [r["username"] for r in acked] == ["auditor"]

    # The superseded version stays readable, clearly marked.
    page.get_by_role("link", name="v1", exact=True).tap()
    expect(page.locator("#doc-state")).to_contain_text("Superseded — not for use")

    # Back at the station: start the assembly LPA here, which asks about this station's procedures.
    page.goto(f"{server.url}/w/ASM-01")
    row = page.locator("#start-audit li", has_text="Layered process audit")
    expect(row).to_contain_text("asks about WI-ASM-012")
    with page.expect_navigation():
        row.get_by_role("link", name="Start").tap()
    expect(page.get_by_text("At Torque station 1")).to_be_visible()
    expect(page.locator("input[name=checklist_version_id]:checked")).to_have_count(1)
    with page.expect_navigation():
        page.get_by_role("button", name="Start audit").tap()
    assert re.search(r"/audits/[0-9A-Z]{26}/sections/", page.url)
    audit_id = page.url.split("/audits/")[1].split("/")[0]
    (audit,) = rows(server, "SELECT w.code FROM audits a JOIN workstations w ON w.id = a.workstation_id"
                            " WHERE a.id = ?", (audit_id,))
    assert audit["code"] == "ASM-01"
    # In the audit, a question's procedure badge opens the version in force of that document.
    with page.expect_navigation():
        page.get_by_role("link", name="Standard work →").tap()
    expect(page.locator('a.badge[href="/documents/code/WI-ASM-012"]').first).to_be_visible()


def test_operator_scans_an_unknown_label_and_finds_the_station(plant_with_documents, new_page):
    server = plant_with_documents
    page = new_page(390, 844, mobile=True, allow=[r"404 \(NOT FOUND\)"])
    login(page, server, "operator")
    page.goto(f"{server.url}/w/ASM-99")
    expect(page.get_by_role("heading", name="Unknown station")).to_be_visible()
    page.get_by_label("Station code or name").fill("leak")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").tap()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("ASM-03")).tap()
    expect(page.get_by_role("heading", name="Leak test bench")).to_be_visible()
    expect(page.get_by_role("link", name="Start audit here")).to_have_count(0)
