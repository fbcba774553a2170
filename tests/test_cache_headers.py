"""Caching: every response carrying someone's data is `private, no-store`; only content-hashed static files are
public (one rule, in security.set_headers, whatever a view or send_file chose)."""
import io
import re
import time

import pytest
from PIL import Image

from fieldaudit import config
from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from fieldaudit.documents import data as documents
from fieldaudit.evidence import data as evidence
from fieldaudit.evidence.blobstore import BlobStore
from tests.factories import FULL_ANSWERS

PRIVATE = "private, no-store"


def assert_private(response):
    response.close()
    assert response.status_code == 200, response.status_code
    cache = response.headers["Cache-Control"]
    assert cache == PRIVATE, cache
    assert "public" not in cache and "max-age" not in cache and "Expires" not in response.headers


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def photo(app, db, plant, audit):
    [row] = evidence.attach(db, BlobStore(config.blob_dir(app.config)), audit, [jpeg()], by=plant["auditor"]["id"],
                            question_id="guard")
    return row


@pytest.mark.parametrize("kind", ["image", "thumb"])
def test_evidence_images_are_private_and_not_stored(auth, photo, kind):
    auth.login("aud.a")
    assert_private(auth.client.get(f"/evidence/{photo['id']}/{kind}"))


def test_signature_drawings_are_private_and_not_stored(app, auth, db, plant, audit):
    by = plant["auditor"]["id"]
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(db, audit, qid, value, None, by)
    drawing = BlobStore(config.blob_dir(app.config)).put(b"\x89PNG drawn")
    record.submit(db, audit["id"], plant["auditor"], drawing_sha256=drawing)
    [signature] = record.signatures_of(db, audit["id"])
    auth.login("aud.a")
    assert_private(auth.client.get(f"/audits/{audit['id']}/signatures/{signature['id']}/drawing"))


def test_report_pdfs_are_private_and_not_stored(auth, audit):
    auth.login("aud.a")
    assert_private(auth.client.get(f"/audits/{audit['id']}/report.pdf"))
    fragment = auth.post(f"/audits/{audit['id']}/report", htmx=True).get_data(as_text=True)
    job = re.search(r"/reports/jobs/([0-9A-Z]+)", fragment).group(1)
    deadline = time.monotonic() + 30
    while "hx-get" in fragment:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        fragment = auth.client.get(f"/reports/jobs/{job}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert_private(auth.client.get(f"/reports/jobs/{job}/file"))


def test_exports_pages_and_document_attachments_are_private(app, auth, db, plant, audit):
    _, version = documents.create_document(db, code="WI-9", title="Guarding", kind="work_instruction",
                                           by=plant["qm"]["id"], site_ids=[plant["a"]["id"]])
    documents.save_draft(db, version["id"], title="Guarding", body="", change_summary="", by=plant["qm"]["id"],
                         store=BlobStore(config.blob_dir(app.config)), attachment=b"%PDF-1.4\n%%EOF\n")
    auth.login("qm.a")
    for url in (f"/audits/{audit['id']}", f"/audits/{audit['id']}/export.json", "/reports/findings.csv",
                f"/documents/{version['document_id']}/versions/{version['id']}/attachment"):
        assert_private(auth.client.get(url))


def test_static_assets_stay_public_and_immutable(client):
    url = re.search(r'href="(/assets/css/app\.[0-9a-f]{10}\.css)"', client.get("/login").get_data(as_text=True))
    response = client.get(url.group(1))
    response.close()
    assert "public" in response.headers["Cache-Control"] and "immutable" in response.headers["Cache-Control"]
