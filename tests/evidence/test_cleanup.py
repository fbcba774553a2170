"""Files that must not pile up: drawings of refused submissions, replaced draft attachments, temp files a kill
left, generated report files past REPORT_KEEP_HOURS."""
import base64
import io
import os
import time
from datetime import timedelta

from PIL import Image

from fieldaudit import config, create_app, ids, jobs
from fieldaudit import db as dbm
from fieldaudit.documents import data as documents
from fieldaudit.evidence.blobstore import BlobStore
from tests.factories import FAST_HASH


def blob_files(app) -> list:
    root = config.blob_dir(app.config)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def drawing_url() -> str:
    out = io.BytesIO()
    Image.new("RGBA", (120, 40), (0, 0, 80, 255)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_a_refused_submission_leaves_no_drawing_file(app, auth, audit, db):
    auth.login("aud.a")  # nothing answered: the record refuses the submission as incomplete
    response = auth.post(f"/audits/{audit['id']}/submit", {
        "confirm": "yes", "password": "correct-horse-battery", "drawing": drawing_url(),
        "auditee_name": "Pat Doe", "auditee_drawing": drawing_url()})
    assert response.status_code == 422
    assert dbm.scalar(db, "SELECT status FROM audits") == "in_progress"
    assert blob_files(app) == []


def test_a_replaced_draft_attachment_is_removed_unless_another_version_names_it(app, db, plant):
    store, by = BlobStore(config.blob_dir(app.config)), plant["qm"]["id"]
    _, version = documents.create_document(db, code="WI-7", title="Guards", kind="work_instruction", by=by,
                                           site_ids=[plant["a"]["id"]])

    def save(attachment=None, remove=False):
        return documents.save_draft(db, version["id"], title="Guards", body="", change_summary="", by=by,
                                    store=store, attachment=attachment, remove_attachment=remove)

    first = save(b"%PDF-1.4 first\n")["attachment_sha256"]
    second = save(b"%PDF-1.4 second\n")["attachment_sha256"]
    assert not store.exists(first) and store.exists(second)
    save(remove=True)
    assert not store.exists(second)
    # Another document holds the same file: replacing it here keeps it there.
    shared = save(b"%PDF-1.4 shared\n")["attachment_sha256"]
    _, other = documents.create_document(db, code="WI-8", title="Other", kind="work_instruction", by=by,
                                         site_ids=[plant["a"]["id"]])
    documents.save_draft(db, other["id"], title="Other", body="", change_summary="", by=by, store=store,
                         attachment=b"%PDF-1.4 shared\n")
    save(b"%PDF-1.4 third\n")
    assert store.exists(shared)


def test_stale_temp_files_are_removed_at_start(app):
    folder = config.blob_dir(app.config) / "ab"
    folder.mkdir(parents=True)
    stale, fresh = folder / ".tmp-killed", folder / ".tmp-writing"
    stale.write_bytes(b"half a photo")
    fresh.write_bytes(b"being written")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    create_app({"DATA_DIR": app.config["DATA_DIR"], "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
    assert not stale.exists() and fresh.exists()


def test_report_files_expire(app, auth, db, plant):
    job = jobs.submit(app.config, "test", {}, by=plant["qm"]["id"], site_id=plant["a"]["id"], title="T",
                      filename="t.pdf", work=lambda db, progress: b"%PDF-1.4 report\n")
    deadline = time.monotonic() + 10
    while not jobs.get(db, job["id"], plant["qm"]["id"])["finished"]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    done = jobs.get(db, job["id"], plant["qm"]["id"])
    path = jobs.file_of(app.config, done)
    assert path is not None and path.is_file()
    auth.login("qm.a")
    with auth.client.get(f"/reports/jobs/{job['id']}/file") as fresh:
        assert fresh.status_code == 200
    # A day and more later: no longer served, even before the clean-up runs; then the clean-up removes it.
    old = ids.iso(ids.utc_now() - timedelta(hours=25))
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE jobs SET finished_at = ? WHERE id = ?", (old, job["id"]))
    assert jobs.file_of(app.config, jobs.get(db, job["id"], plant["qm"]["id"])) is None
    assert auth.client.get(f"/reports/jobs/{job['id']}/file").status_code == 404
    os.utime(path, (time.time() - 25 * 3600, time.time() - 25 * 3600))
    stray = jobs.folder_of(app.config) / "left-over.pdf"
    stray.write_bytes(b"%PDF")
    os.utime(stray, (time.time() - 25 * 3600, time.time() - 25 * 3600))
    create_app({"DATA_DIR": app.config["DATA_DIR"], "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True,
                "DATABASE_URL": app.config.get("DATABASE_URL")})  # the same store (None: the SQLite file)
    assert not path.exists() and not stray.exists()
    assert dbm.scalar(db, "SELECT file FROM jobs WHERE id = ?", (job["id"],)) is None
