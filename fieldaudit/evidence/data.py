"""Evidence rows and their blobs (no Flask): attach photos to a question or finding, caption, delete, annotate."""
import hashlib

from .. import db as dbm
from .. import ids, settings
from ..checklists import store as checklist_store
from ..refusal import Refusal
from . import annotate as annotation
from . import blobgc, pipeline
from .blobstore import BlobStore
from .limits import DEFAULT, Limits

MAX_CAPTION = 500


def list_for_audit(db, audit_id: str) -> list[dict]:
    """An audit's evidence in upload order."""
    return dbm.query(db, "SELECT * FROM evidence WHERE audit_id = ? ORDER BY created_at, id", (audit_id,))


def by_target(rows: list[dict]) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """Evidence grouped by question id and by finding id."""
    questions: dict[str, list[dict]] = {}
    findings: dict[str, list[dict]] = {}
    for row in rows:
        if row["finding_id"]:
            findings.setdefault(row["finding_id"], []).append(row)
        elif row["question_id"]:
            questions.setdefault(row["question_id"], []).append(row)
    return questions, findings


def get(db, evidence_id: str) -> dict | None:
    """One evidence row with the site of its audit (for the access check)."""
    return dbm.query_one(db, "SELECT e.*, a.site_id, a.status AS audit_status, a.auditor_id, a.number AS audit_number"
                             " FROM evidence e JOIN audits a ON a.id = e.audit_id WHERE e.id = ?", (evidence_id,))


def _check_target(db, audit: dict, question_id: str | None, finding_id: str | None) -> None:
    if audit["status"] != "in_progress":
        raise Refusal(f"Audit {audit['number']} has been submitted; its evidence cannot change.", 409)
    if bool(question_id) == bool(finding_id):
        raise Refusal("Attach a photo to one question or one finding.", 400)
    if question_id:
        try:
            checklist_store.load_version(db, audit["checklist_version_id"]).question(question_id)
        except KeyError:
            raise Refusal("This audit's checklist has no such question.", 404) from None
    if finding_id:
        row = dbm.query_one(db, "SELECT audit_id FROM findings WHERE id = ?", (finding_id,))
        if row is None or row["audit_id"] != audit["id"]:
            raise Refusal("No such finding in this audit.", 404)


def _processed(db, data: bytes, limits: Limits) -> dict:
    """Pipeline output as row fields; a photo seen before is not decoded again (same original, same result)."""
    original = hashlib.sha256(data).hexdigest()
    known = dbm.query_one(db, "SELECT * FROM evidence WHERE original_sha256 = ? AND derived_from IS NULL LIMIT 1",
                          (original,))
    if known:
        return {k: known[k] for k in ("sha256", "thumb_sha256", "original_sha256", "mime", "mime_in", "width",
                                      "height", "thumb_width", "thumb_height", "bytes", "original_width",
                                      "original_height", "captured_at")} | {"_blobs": None,
                                                                             "_upload": (data, limits)}
    return _ingested(data, limits)


def _ingested(data: bytes, limits: Limits) -> dict:
    """Run one upload through the pipeline: its row fields and, in `_blobs`, the bytes to store."""
    photo = pipeline.ingest(data, max_side=limits.max_side, thumb_side=limits.thumb_side,
                            max_pixels=limits.max_pixels, max_bytes=limits.max_bytes,
                            max_pixels_full=limits.max_pixels_full)
    return {"sha256": photo.image_sha256, "thumb_sha256": photo.thumb_sha256,
            "original_sha256": photo.original_sha256, "mime": "image/jpeg", "mime_in": photo.mime_in,
            "width": photo.width, "height": photo.height, "thumb_width": photo.thumb_width,
            "thumb_height": photo.thumb_height, "bytes": len(photo.image), "original_width": photo.original_width,
            "original_height": photo.original_height, "captured_at": photo.captured_at,
            "_blobs": (photo.image, photo.thumb)}


def check_count(count: int, limits: Limits = DEFAULT) -> None:
    """Refuse more photos in one request than PHOTO_MAX_FILES: each holds a worker for its decode."""
    if count > limits.max_files:
        raise pipeline.PhotoError(f"{count} photos were sent at once; the limit is {limits.max_files} per upload. "
                                  "Send them in smaller batches.", 413)


def process(db, uploads: list[bytes], limits: Limits = DEFAULT) -> list[dict]:
    """Run every upload through the pipeline within `limits`; raises PhotoError before anything is stored."""
    check_count(len(uploads), limits)
    return [_processed(db, data, limits) for data in uploads]


def attach(db, store: BlobStore, audit: dict, uploads: list[bytes], *, by: str, question_id: str | None = None,
           finding_id: str | None = None, caption: str = "", limits: Limits = DEFAULT,
           derived_from: str | None = None) -> list[dict]:
    """Process every upload, then store blobs and link them; all or nothing, no orphan file on failure."""
    _check_target(db, audit, question_id, finding_id)
    if not uploads:
        raise Refusal("Choose at least one photo.", 400)
    return link(db, store, audit, process(db, uploads, limits), by=by, question_id=question_id,
                finding_id=finding_id, caption=caption, derived_from=derived_from)


def _kept(store: BlobStore, item: dict) -> dict:
    """Under the write lock: the item with both its files on disk, whatever a concurrent removal took."""
    blobs = item["_blobs"] or (None, None)
    if all(blobgc.keep(store, item[k], blob) for k, blob in zip(("sha256", "thumb_sha256"), blobs)):
        return item
    # Reused from a row that was removed (with its files) meanwhile: decode again; rare, so done under the lock.
    fresh = _ingested(*item["_upload"])
    for sha, blob in zip((fresh["sha256"], fresh["thumb_sha256"]), fresh["_blobs"]):
        blobgc.keep(store, sha, blob)
    return fresh


def link(db, store: BlobStore, audit: dict, processed: list[dict], *, by: str, question_id: str | None = None,
         finding_id: str | None = None, caption: str = "", derived_from: str | None = None) -> list[dict]:
    """Store processed photos and link them (inside the caller's transaction, if any); no orphan file on failure."""
    written: list[str] = []
    rows: list[dict] = []
    try:
        for item in processed:
            # Written before the lock so the fsyncs do not hold up other writers; checked again under it.
            for sha, blob in zip((item["sha256"], item["thumb_sha256"]), item["_blobs"] or ()):
                if not store.exists(sha):
                    written.append(store.put(blob))
        with dbm.transaction(db):
            _check_target(db, dbm.query_one(db, "SELECT * FROM audits WHERE id = ?", (audit["id"],)),
                          question_id, finding_id)
            for item in processed:
                item = _kept(store, item)
                written += [item["sha256"], item["thumb_sha256"]]
                item = {k: v for k, v in item.items() if not k.startswith("_")}
                existing = dbm.query_one(
                    db, "SELECT * FROM evidence WHERE audit_id = ? AND COALESCE(question_id, '') = ? AND"
                        " COALESCE(finding_id, '') = ? AND original_sha256 = ?",
                    (audit["id"], question_id or "", finding_id or "", item["original_sha256"]))
                if existing:
                    rows.append(existing)
                    continue
                now = ids.now_iso()
                row = {"id": ids.new_id(), "audit_id": audit["id"], "question_id": question_id,
                       "finding_id": finding_id, **item, "caption": caption.strip()[:MAX_CAPTION],
                       "derived_from": derived_from, "uploaded_by": by, "created_at": now, "updated_at": now,
                       "origin": settings.device_id(db)}
                db["evidence"].insert(row)
                rows.append(row)
    except BaseException:
        drop_unreferenced(db, store, written)
        raise
    return rows


def drop_unreferenced(db, store: BlobStore, shas) -> None:
    """Delete the blobs among `shas` that no row of any table names (after a failed attach or a deletion)."""
    blobgc.collect(db, store, shas)


def set_caption(db, evidence: dict, caption: str) -> None:
    """Caption a photo while its audit is open."""
    if evidence["audit_status"] != "in_progress":
        raise Refusal("The audit has been submitted; its evidence cannot change.", 409)
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE evidence SET caption = ?, updated_at = ? WHERE id = ?",
                    (caption.strip()[:MAX_CAPTION], ids.now_iso(), evidence["id"]))


def delete(db, store: BlobStore, evidence: dict) -> None:
    """Remove a photo from an open audit; its blobs go when nothing else uses them."""
    if evidence["audit_status"] != "in_progress":
        raise Refusal("The audit has been submitted; its evidence cannot change.", 409)
    with dbm.transaction(db):
        # Annotated copies keep standing on their own once their source is removed.
        dbm.execute(db, "UPDATE evidence SET derived_from = NULL WHERE derived_from = ?", (evidence["id"],))
        dbm.execute(db, "DELETE FROM evidence WHERE id = ?", (evidence["id"],))
    drop_unreferenced(db, store, [evidence["sha256"], evidence["thumb_sha256"]])


def delete_for_finding(db, store: BlobStore, audit_id: str, finding_id: str) -> None:
    """Remove the photos of a finding that is being withdrawn."""
    for row in dbm.query(db, "SELECT id FROM evidence WHERE finding_id = ? AND audit_id = ?", (finding_id, audit_id)):
        delete(db, store, get(db, row["id"]))


def annotate(db, store: BlobStore, evidence: dict, shapes, *, by: str, audit: dict, limits: Limits = DEFAULT) -> dict:
    """Draw on a copy of a photo and attach it beside the original (which is kept)."""
    with store.open(evidence["sha256"]) as fh:
        drawn = annotation.annotate(fh.read(), shapes, max_pixels=limits.max_pixels)
    caption = (evidence["caption"] + " (annotated)").strip() if evidence["caption"] else "Annotated"
    return attach(db, store, audit, [drawn], by=by, question_id=evidence["question_id"],
                  finding_id=evidence["finding_id"], caption=caption, limits=limits,
                  derived_from=evidence["id"])[0]
