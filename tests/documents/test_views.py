"""Document pages through the Flask test client: site scoping, CSRF, forms, approvals, attachments, receipts."""
import io
import re
from datetime import timedelta

import pytest
from PIL import Image

from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.documents import data
from tests.factories import approve, effective_doc, noon, submit, version_ids

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def urls(doc, vid):
    base = f"/documents/{doc['id']}"
    return {"show": base, "version": f"{base}/versions/{vid}", "attachment": f"{base}/versions/{vid}/attachment",
            "code": f"/documents/code/{doc['code']}", "edit": f"{base}/edit",
            "draft": f"{base}/versions/{vid}/edit"}


@pytest.mark.both_engines(slow=True)
def test_index_page_and_the_effective_version(auth, db, plant, doc, qm2):
    effective_doc(db, doc, plant["qm"], qm2)
    auth.login("op.a")
    page = auth.client.get("/documents/").get_data(as_text=True)
    assert "WI-ASM-012" in page and "New versions to read and confirm" in page and "New document" not in page
    shown = auth.client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "In force since" in shown and "<strong>25 Nm</strong>" in shown
    assert "I have read and understood version 1" in shown


def test_code_link_opens_the_version_in_force_and_unknown_codes_are_404(auth, db, plant, doc, qm2):
    effective_doc(db, doc, plant["qm"], qm2)
    auth.login("aud.a")
    response = auth.client.get("/documents/code/wi-asm-012")
    assert response.status_code == 302 and response.headers["Location"] == f"/documents/{doc['id']}"
    missing = auth.client.get("/documents/code/SOP-NOPE-1")
    assert missing.status_code == 404 and "SOP-NOPE-1" in missing.get_data(as_text=True)


def test_another_sites_user_gets_404_everywhere(auth, db, plant, doc, qm2):
    vid = effective_doc(db, doc, plant["qm"], qm2)["id"]
    auth.login("aud.b")
    for name, url in urls(doc, vid).items():
        assert auth.client.get(url).status_code == 404, name
    assert auth.post(f"/documents/{doc['id']}/versions/{vid}/ack").status_code == 404
    assert doc["id"] not in auth.client.get("/documents/").get_data(as_text=True)
    assert db["document_acks"].count == 0


def test_operators_cannot_author(auth, db, plant, doc):
    vid = version_ids(db, doc["id"])[1]
    auth.login("op.a")
    assert auth.client.get("/documents/new").status_code == 403
    assert auth.client.get(f"/documents/{doc['id']}/versions/{vid}/edit").status_code == 403
    response = auth.post(f"/documents/{doc['id']}/versions/{vid}/transition",
                         {"command": "submit", "expected": "draft"})
    assert response.status_code == 403
    assert data.get_version(db, vid)["status"] == "draft"


def test_create_and_write_a_document_through_the_forms(auth, db, plant):
    auth.login("qm.a")
    response = auth.post("/documents/new", {"code": "sop-qa-099", "title": "Gauge handling", "kind": "procedure",
                                            "review_months": "6", "workstation_ids": plant["ws_a"]["id"]})
    assert response.status_code == 303
    doc = data.get_document_by_code(db, "SOP-QA-099")
    assert doc["site_ids"] == [plant["a"]["id"]] and doc["review_months"] == 6
    vid = version_ids(db, doc["id"])[1]
    assert response.headers["Location"] == f"/documents/{doc['id']}/versions/{vid}/edit"
    saved = auth.post(f"/documents/{doc['id']}/versions/{vid}/edit",
                      {"title": "Gauge handling", "body": "## Steps\n1. Wipe.", "change_summary": "First issue."})
    assert saved.status_code == 303
    assert data.get_version(db, vid)["body"] == "## Steps\n1. Wipe."
    sent = auth.post(f"/documents/{doc['id']}/versions/{vid}/transition", {"command": "submit", "expected": "draft"})
    assert sent.status_code == 303 and data.get_version(db, vid)["status"] == "in_review"


def test_placing_a_document_at_another_site_is_refused(auth, db, plant):
    auth.login("qm.a")
    response = auth.post("/documents/new", {"code": "X-1", "title": "X", "kind": "procedure", "review_months": "12",
                                            "site_ids": plant["b"]["id"]})
    assert response.status_code == 404
    assert db["documents"].count == 0


def test_post_without_csrf_changes_nothing(auth, db, plant, doc):
    vid = version_ids(db, doc["id"])[1]
    auth.login("qm.a")
    response = auth.client.post(f"/documents/{doc['id']}/versions/{vid}/transition",
                                data={"command": "submit", "expected": "draft"})
    assert response.status_code == 400
    assert data.get_version(db, vid)["status"] == "draft"


@pytest.mark.both_engines(slow=True)
def test_approval_through_the_form_needs_another_qm_and_their_password(auth, db, plant, doc, qm2):
    vid = version_ids(db, doc["id"])[1]
    submit(db, vid, plant["qm"])
    url = f"/documents/{doc['id']}/versions/{vid}/transition"
    form = {"command": "approve", "expected": "in_review", "confirm": "yes", "password": "correct-horse-battery",
            "effective_date": data.today_at(db, doc["site_ids"]).isoformat()}
    auth.login("qm.a")
    own = auth.post(url, form)
    assert own.status_code == 403 and "another quality manager" in own.get_data(as_text=True)
    assert "Sign and approve" not in auth.client.get(f"/documents/{doc['id']}/versions/{vid}").get_data(as_text=True)
    auth.logout()
    auth.login("qm2.a")
    wrong = auth.post(url, {**form, "password": "nope"})
    assert wrong.status_code == 422 and "your signature needs your own password" in wrong.get_data(as_text=True)
    assert data.get_version(db, vid)["status"] == "in_review" and db["signatures"].count == 0
    assert auth.post(url, form).status_code == 303
    assert data.get_version(db, vid)["status"] == "effective"
    stale = auth.post(url, form)  # the page still said "in review"
    assert stale.status_code == 409 and "changed meanwhile" in stale.get_data(as_text=True)
    assert db["signatures"].count == 1


def test_an_approved_version_cannot_be_edited(auth, db, plant, doc, qm2):
    vid = effective_doc(db, doc, plant["qm"], qm2)["id"]
    auth.login("qm.a")
    assert auth.client.get(f"/documents/{doc['id']}/versions/{vid}/edit").status_code == 409
    response = auth.post(f"/documents/{doc['id']}/versions/{vid}/edit", {"title": "T", "body": "changed"})
    assert response.status_code == 409
    assert data.get_version(db, vid)["body"] != "changed"


def test_malicious_content_renders_inert_in_the_page(auth, db, plant, doc):
    vid = version_ids(db, doc["id"])[1]
    auth.login("qm.a")
    payload = ('<script>alert("x")</script>\n\n[tap](javascript:alert(1)) [data](data:text/html,hi)\n\n'
               '<img src=x onerror=alert(1)>')
    auth.post(f"/documents/{doc['id']}/versions/{vid}/edit", {"title": "<b>Title</b>", "body": payload})
    page = auth.client.get(f"/documents/{doc['id']}/versions/{vid}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and 'href="data:' not in page and "<img src=x" not in page
    assert "&lt;b&gt;Title&lt;/b&gt;" in page


def test_attachments_are_checked_stored_by_hash_and_served_safely(auth, app, db, plant, doc, qm2):
    vid = version_ids(db, doc["id"])[1]
    edit = f"/documents/{doc['id']}/versions/{vid}/edit"
    auth.login("qm.a")

    def upload(blob, name):
        return auth.post(edit, {"title": "T", "body": "B", "attachment": (io.BytesIO(blob), name)},
                         content_type="multipart/form-data")

    fake = upload(b"<html><script>alert(1)</script>", "../../evil.pdf")
    assert fake.status_code == 422 and "neither" in fake.get_data(as_text=True)
    app.config["DOCUMENT_MAX_BYTES"] = 1024
    assert upload(PDF + b"x" * 2000, "big.pdf").status_code == 413
    app.config["DOCUMENT_MAX_BYTES"] = 1024 * 1024
    assert data.get_version(db, vid)["attachment_sha256"] is None
    assert upload(PDF, "../../etc/passwd.pdf").status_code == 303
    row = data.get_version(db, vid)
    assert row["attachment_mime"] == "application/pdf" and len(row["attachment_sha256"]) == 64
    with auth.client.get(f"/documents/{doc['id']}/versions/{vid}/attachment") as served:
        assert served.data == PDF and served.mimetype == "application/pdf"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Disposition"].startswith("inline") and "WI-ASM-012-v1.pdf" in \
            served.headers["Content-Disposition"]
    with auth.client.get(f"/documents/{doc['id']}/versions/{vid}/attachment?download=1") as download:
        assert download.headers["Content-Disposition"].startswith("attachment")
    assert upload(png_bytes(), "diagram.png").status_code == 303
    assert data.get_version(db, vid)["attachment_mime"] == "image/jpeg"  # re-encoded by the photo pipeline
    assert "<img src=\"/documents/" in auth.client.get(f"/documents/{doc['id']}/versions/{vid}").get_data(as_text=True)
    assert upload(b"\x89PNG\r\n\x1a\nbroken", "x.png").status_code == 422


def test_htmx_acknowledgement_returns_the_widget_and_receipts_show_who_is_missing(auth, db, plant, doc, qm2):
    vid = effective_doc(db, doc, plant["qm"], qm2)["id"]
    auth.login("op.a")
    response = auth.post(f"/documents/{doc['id']}/versions/{vid}/ack", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "You confirmed reading version 1" in body
    assert "HX-Request" in response.headers["Vary"]
    plain = auth.post(f"/documents/{doc['id']}/versions/{vid}/ack")
    assert plain.status_code == 303
    assert db["document_acks"].count == 1
    auth.logout()
    auth.login("qm.a")
    page = auth.client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    missing = re.search(r'<ul class="plain" id="not-confirmed">(.*?)</ul>', page, re.S).group(1)
    assert "Aud.A" in missing and "Op.A" not in missing
    assert "1 of 2 operators and auditors confirmed" in page


def test_due_for_review_is_listed_for_quality_managers(auth, db, plant, doc, qm2):
    effective_doc(db, doc, plant["qm"], qm2)
    dbm.execute(db, "UPDATE documents SET next_review_date = '2000-01-01' WHERE id = ?", (doc["id"],))
    auth.login("qm.a")
    page = auth.client.get("/documents/").get_data(as_text=True)
    assert "Due for periodic review (1)" in page and "review due 2000-01-01" in page
    assert auth.post(f"/documents/{doc['id']}/review", {"note": "ok"}).status_code == 303
    assert data.get_document(db, doc["id"])["next_review_date"] > "2000-01-01"


def test_reading_never_changes_state(auth, db, plant, doc, qm2):
    """A version whose effective date has come shows as in force, yet a GET stores nothing."""
    effective_doc(db, doc, plant["qm"], qm2)
    v2 = data.new_version(db, doc["id"], plant["qm"]["id"])
    submit(db, v2["id"], plant["qm"])
    today = data.today_at(db, doc["site_ids"])
    with ids.at(noon((today - timedelta(days=1)).isoformat())):
        approve(db, v2["id"], qm2, effective=today.isoformat())  # approved yesterday, effective today
    before = dbm.query(db, "SELECT id, status FROM document_versions ORDER BY id")
    trail = db["audit_trail"].count
    auth.login("op.a")
    shown = auth.client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "In force since" in shown and "version 2" in shown
    for url in ("/documents/", "/w/A-01", f"/documents/{doc['id']}/versions/{v2['id']}"):
        assert auth.client.get(url).status_code == 200
    assert dbm.query(db, "SELECT id, status FROM document_versions ORDER BY id") == before
    assert data.get_version(db, v2["id"])["status"] == "approved" and db["audit_trail"].count == trail
    # The next write catches up with the calendar: confirming it stores the change first.
    assert auth.post(f"/documents/{doc['id']}/versions/{v2['id']}/ack").status_code == 303
    assert data.get_version(db, v2["id"])["status"] == "effective"


def test_the_audit_question_badge_links_to_the_procedure(auth, db, plant, doc, qm2):
    from fieldaudit.audits import data as audits
    from fieldaudit.checklists import parse_checklist, store

    effective_doc(db, doc, plant["qm"], qm2)  # WI-ASM-012 in force at site A; SOP-QA-007 exists nowhere (bug 5)

    version, _ = store.publish(db, parse_checklist(
        "id: t\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    questions:\n"
        "      - {id: q, text: Torque right, type: yes_no, procedure: WI-ASM-012}\n"
        "      - {id: p, text: Photo, type: photo, procedure: SOP-QA-007}\n", "t.yaml"), by=None)
    audit = audits.create_audit(db, site=plant["a"], checklist_version_id=version["id"],
                                auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"])
    auth.login("aud.a")
    page = auth.client.get(f"/audits/{audit['id']}/sections/s").get_data(as_text=True)
    assert 'href="/documents/code/WI-ASM-012"' in page and 'href="/documents/code/SOP-QA-007"' not in page
    assert "SOP-QA-007 is not in force at Plant A" in page


@pytest.mark.parametrize("path", ["/documents/", "/documents/code/X", "/w/A-01"])
def test_pages_refuse_anonymous_users(client, plant, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_authoring_pages_render_and_edit_the_scope(auth, db, plant, doc):
    vid = version_ids(db, doc["id"])[1]
    auth.login("qm.a")
    for url in ("/documents/new", f"/documents/{doc['id']}/edit", f"/documents/{doc['id']}/versions/{vid}/edit"):
        response = auth.client.get(url)
        assert response.status_code == 200 and 'name="csrf_token"' in response.get_data(as_text=True), url
    second = data.get_document(db, doc["id"])
    response = auth.post(f"/documents/{doc['id']}/edit", {"kind": "procedure", "review_months": "24",
                                                         "next_review_date": "2031-01-31",
                                                         "site_ids": plant["a"]["id"]})
    assert response.status_code == 303
    changed = data.get_document(db, doc["id"])
    assert (changed["kind"], changed["review_months"], changed["next_review_date"]) == ("procedure", 24,
                                                                                         "2031-01-31")
    assert changed["workstation_ids"] == [] and second["workstation_ids"] == [plant["ws_a"]["id"]]
    bad = auth.post(f"/documents/{doc['id']}/edit", {"kind": "procedure", "review_months": "0",
                                                    "site_ids": plant["a"]["id"]})
    assert bad.status_code == 422 and data.get_document(db, doc["id"])["review_months"] == 24


def test_paired_with_a_hub_the_screens_are_read_only(auth, db, plant, doc):
    from fieldaudit import settings

    settings.put(db, "hub_url", "https://hub.example")
    vid = version_ids(db, doc["id"])[1]
    auth.login("qm.a")
    page = auth.client.get("/documents/").get_data(as_text=True)
    assert "Managed at the hub" in page and "New document" not in page
    assert auth.client.get("/documents/new").status_code == 409
    response = auth.post(f"/documents/{doc['id']}/versions/{vid}/transition", {"command": "submit",
                                                                               "expected": "draft"})
    assert response.status_code == 409 and data.get_version(db, vid)["status"] == "draft"
