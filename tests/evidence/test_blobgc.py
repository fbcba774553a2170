"""Blob removal: one collector that counts every table naming a blob, safe against an upload reusing the file."""
import io
import threading

from PIL import Image

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.documents import data as documents
from fieldaudit.evidence import blobgc
from fieldaudit.evidence import data as evidence
from fieldaudit.evidence.blobstore import BlobStore

ITERATIONS = 60


def photo(seed: int = 0) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (seed % 256, 90, 30)).save(out, "JPEG")
    return out.getvalue()


def test_every_column_naming_a_blob_is_counted(db):
    assert set(blobgc.reference_columns(db)) >= {
        ("evidence", "sha256"), ("evidence", "thumb_sha256"), ("evidence", "original_sha256"),
        ("document_versions", "attachment_sha256"), ("signatures", "drawing_sha256")}


def test_delete_during_an_upload_of_the_same_bytes_never_loses_the_new_photo(app, plant, checklist_version):
    """One auditor deletes photo P from audit 1 while another attaches the same bytes to audit 2, many times over:
    the attached photo's files are always there (before the fix about half the uploads named a removed file)."""
    path, store = config.database_target(app.config), BlobStore(config.blob_dir(app.config))
    setup = dbm.connect(path)
    made = [audits.create_audit(setup, site=plant["a"], checklist_version_id=checklist_version["id"],
                                auditor_id=plant["auditor"]["id"]) for _ in range(2)]
    setup.conn.close()
    lost = []
    for i in range(ITERATIONS):
        data = photo(i)
        first = dbm.connect(path)
        evidence.attach(first, store, made[0], [data], by=plant["auditor"]["id"], question_id="guard")
        start = threading.Barrier(2)

        def remove():
            db = dbm.connect(path)
            try:
                start.wait(5)
                for row in evidence.list_for_audit(db, made[0]["id"]):
                    evidence.delete(db, store, evidence.get(db, row["id"]))
            finally:
                db.conn.close()

        def add(out):
            db = dbm.connect(path)
            try:
                start.wait(5)
                out.extend(evidence.attach(db, store, made[1], [data], by=plant["auditor"]["id"],
                                           question_id="guard"))
            finally:
                db.conn.close()

        rows = []
        threads = [threading.Thread(target=remove), threading.Thread(target=add, args=(rows,))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        lost += [i for row in rows for sha in (row["sha256"], row["thumb_sha256"]) if not store.exists(sha)]
        for row in evidence.list_for_audit(first, made[1]["id"]):
            evidence.delete(first, store, evidence.get(first, row["id"]))
        first.conn.close()
    assert lost == []


def test_deleting_evidence_keeps_the_same_file_attached_to_a_document(app, db, plant, audit):
    """A photo attached as evidence and, byte for byte, stored as a document's attachment: removing the evidence
    leaves the document's file in place."""
    store = BlobStore(config.blob_dir(app.config))
    [row] = evidence.attach(db, store, audit, [photo(7)], by=plant["auditor"]["id"], question_id="guard")
    stored = store.path(row["sha256"]).read_bytes()
    _, version = documents.create_document(db, site_ids=[plant["a"]["id"]], code="WI-1", title="Work instruction",
                                           kind="work_instruction", by=plant["qm"]["id"])
    documents.save_draft(db, version["id"], title="Work instruction", body="", change_summary="",
                         by=plant["qm"]["id"], store=store, attachment=stored)
    assert documents.get_version(db, version["id"])["attachment_sha256"] == row["sha256"]
    evidence.delete(db, store, evidence.get(db, row["id"]))
    assert store.exists(row["sha256"])  # named by the document
    assert not store.exists(row["thumb_sha256"])  # named by nothing any more


def test_a_blob_a_signed_record_names_is_never_collected(app, db, submitted):
    store = BlobStore(config.blob_dir(app.config))
    sha = store.put(b"drawn signature")
    [signature] = dbm.query(db, "SELECT * FROM signatures WHERE record_id = ? LIMIT 1", (submitted["id"],))
    with dbm.transaction(db):
        db["signatures"].insert({**signature, "id": "01SIGNEDDRAWING", "meaning": "auditee",
                                 "drawing_sha256": sha})
    assert blobgc.collect(db, store, [sha]) == 0 and store.exists(sha)
    assert blobgc.sweep(db, store, grace=0) == 0 and store.exists(sha)


def test_collect_inside_an_open_transaction_removes_nothing(app, db):
    """The transaction may roll back and restore a row naming the blob; the file must outlive that."""
    store = BlobStore(config.blob_dir(app.config))
    sha = store.put(b"orphan")
    with dbm.transaction(db):
        assert blobgc.collect(db, store, [sha]) == 0
    assert store.exists(sha)
    assert blobgc.collect(db, store, [sha]) == 1 and not store.exists(sha)


def test_sweep_removes_old_orphans_and_leaves_young_ones(app, db):
    store = BlobStore(config.blob_dir(app.config))
    sha = store.put(b"left behind by a kill")
    assert blobgc.sweep(db, store) == 0 and store.exists(sha)
    assert blobgc.sweep(db, store, grace=0) == 1 and not store.exists(sha)
