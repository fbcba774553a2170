"""The signed record of an audit: submission with an e-signature, and `verify` against the audit trail."""

from .. import db as dbm
from .. import ids, settings, trail
from ..capa import triage
from ..checklists import rules
from ..programme import start as programme_start
from ..sync import background as sync_background
from .data import (AuditError, MissingItems, answers_of, checklist_of, get_audit, out_of_scope, photo_counts,
                   values)

MEANING_PERFORMED = "performed this audit"
MEANING_AUDITEE = "received the audit results (auditee)"

_AUDIT_FIELDS = ("id", "number", "site_id", "area_id", "workstation_id", "checklist_version_id", "auditor_id",
                 "auditees", "scope", "started_at")
# Set by the submission itself; part of what is signed.
_RESULT_FIELDS = ("status", "submitted_at", "score_percent", "answered_count", "visible_count")
_FINDING_FIELDS = ("id", "question_id", "severity", "clause", "description", "requirement", "evidence",
                   "created_by")
_EVIDENCE_FIELDS = ("id", "sha256", "thumb_sha256", "original_sha256", "question_id", "finding_id", "caption",
                    "derived_from", "uploaded_by", "captured_at")
SIGNATURE_FIELDS = ("id", "user_id", "printed_name", "meaning", "signed_at", "record_hash", "drawing_sha256")


def signed_record(db, audit_id: str, result: dict | None = None) -> dict:
    """Everything an audit's signature covers; its canonical JSON's SHA-256 is the record hash.

    `result` gives the submission's own fields (status, time, score) while they are being written.
    """
    audit = dbm.query_one(db, "SELECT * FROM audits WHERE id = ?", (audit_id,))
    audit |= result or {}
    signed = {k: audit[k] for k in _AUDIT_FIELDS}
    if out_of_scope(audit):
        # Only when set, so a record without a scope reads as it did before scopes existed.
        signed["out_of_scope"] = out_of_scope(audit)
    return {
        "format": "fieldaudit.signed-audit/2",
        "audit": signed,
        "result": {k: audit[k] for k in _RESULT_FIELDS},
        "answers": {qid: {"value": row["value"], "note": row["note"], "answered_by": row["answered_by"]}
                    for qid, row in sorted(answers_of(db, audit_id).items())},
        "findings": {str(row["number"]): {k: row[k] for k in _FINDING_FIELDS} for row in dbm.query(
            db, "SELECT * FROM findings WHERE audit_id = ? ORDER BY number", (audit_id,))},
        "evidence": {row["id"]: row for row in dbm.query(
            db, f"SELECT {', '.join(_EVIDENCE_FIELDS)} FROM evidence WHERE audit_id = ? ORDER BY id", (audit_id,))},
    }


def record_items(record: dict) -> dict[str, str]:
    """Hash of every part of a signed record, keyed so a mismatch can be named (e.g. 'answer:wi-followed')."""
    items = {"audit": trail.digest(record["audit"]), "result": trail.digest(record["result"])}
    for part, key in (("answers", "answer"), ("findings", "finding"), ("evidence", "evidence")):
        for name, value in record[part].items():
            items[f"{key}:{name}"] = trail.digest(value)
    return items


def _items_before_v2(db, audit_id: str) -> dict[str, str]:
    """The parts as audits signed before version 2 hashed them (no score, times or thumbnails)."""
    record = signed_record(db, audit_id)
    items = {"audit": trail.digest(record["audit"])}
    items |= {f"answer:{k}": trail.digest(v) for k, v in record["answers"].items()}
    items |= {f"finding:{k}": trail.digest(v) for k, v in record["findings"].items()}
    for key, row in record["evidence"].items():
        items[f"evidence:{key}"] = trail.digest({k: row[k] for k in ("id", "sha256", "question_id", "finding_id",
                                                                     "caption", "derived_from", "uploaded_by")})
    return items


def submit(db, audit_id: str, signer: dict, meaning: str = MEANING_PERFORMED, *, drawing_sha256: str | None = None,
           auditee_name: str = "", auditee_drawing_sha256: str | None = None) -> tuple[dict, bool]:
    """Sign and submit an audit once; returns (audit, newly submitted). A repeat returns the submitted audit.

    The auditor's e-signature (password re-entered by the caller) may carry a drawn signature; the auditee may
    sign on the same tablet, recorded with the auditor as the one who collected it.
    """
    with dbm.transaction(db):
        audit = get_audit(db, audit_id)
        if audit["status"] == "submitted":
            return audit, False
        if audit["auditor_id"] != signer["id"]:
            raise AuditError("Only the auditor who performed this audit can sign and submit it.", 403)
        checklist = checklist_of(db, audit)
        vals = values(answers_of(db, audit_id))
        counts = photo_counts(db, audit_id)
        excluded = out_of_scope(audit)
        missing = rules.missing_for_submission(checklist, vals, counts, excluded)
        if missing:
            raise MissingItems(missing)
        score = rules.score(checklist, vals, counts, excluded)
        now = ids.now_iso()
        signed = signed_record(db, audit_id, {"status": "submitted", "submitted_at": now,
                                              "score_percent": score.percent, "answered_count": score.answered,
                                              "visible_count": score.visible})
        items = record_items(signed)
        record_hash = trail.digest(signed)
        dbm.execute(db, "UPDATE audits SET status = 'submitted', submitted_at = ?, score_percent = ?,"
                        " answered_count = ?, visible_count = ?, record_hash = ?, updated_at = ? WHERE id = ?",
                    (now, score.percent, score.answered, score.visible, record_hash, now, audit_id))
        signature = {"id": ids.new_id(), "record_type": "audit", "record_id": audit_id, "user_id": signer["id"],
                     "printed_name": signer["display_name"], "meaning": meaning, "signed_at": now,
                     "record_hash": record_hash, "created_at": now, "origin": settings.device_id(db),
                     "drawing_sha256": drawing_sha256}
        signatures = [signature]
        if auditee_name.strip():
            signatures.append({**signature, "id": ids.new_id(), "printed_name": auditee_name.strip()[:200],
                               "meaning": MEANING_AUDITEE, "drawing_sha256": auditee_drawing_sha256})
        for row in signatures:
            db["signatures"].insert(row)
        trail.append(db, actor_id=signer["id"], action="audit.submitted", record_type="audit", record_id=audit_id,
                     payload={"number": audit["number"], "record_hash": record_hash, "items": items,
                              "signatures": [{k: row[k] for k in SIGNATURE_FIELDS} for row in signatures]})
        # In the same transaction: a submitted audit's nonconformities are on the CAPA triage list, or nothing is.
        triage.enqueue_findings(db, audit_id, signer["id"])
        programme_start.mark_done(db, audit_id, now, audit["timezone"])  # the scheduled audit it did, if any
        dbm.after_commit(db, "sync-wake", sync_background.wake)  # a paired device sends it to the hub at once
    return get_audit(db, audit_id), True


def signatures_of(db, audit_id: str) -> list[dict]:
    """E-signatures on an audit."""
    return dbm.query(db, "SELECT * FROM signatures WHERE record_type = 'audit' AND record_id = ? ORDER BY signed_at",
                     (audit_id,))


def submissions(db) -> list[tuple[dict, dict]]:
    """(trail entry, its payload) of every audit submission in the trail."""
    return trail.entries_with(db, "audit.submitted")


def verify(db) -> list[str]:
    """Problems with signed audits: each submission in the trail against the audit in the database."""
    problems, signed_ids = [], set()
    for entry, payload in submissions(db):
        signed_ids.add(entry["record_id"])
        name = f"audit {payload.get('number', '?')} ({entry['record_id']})"
        audit = dbm.query_one(db, "SELECT id, status, record_hash FROM audits WHERE id = ?", (entry["record_id"],))
        if audit is None:
            problems.append(f"{name}: signed (trail entry {entry['writer']}#{entry['seq']}) but deleted from "
                            "the database")
            continue
        if audit["status"] != "submitted":
            problems.append(f"{name}: signed but set back to {audit['status']}")
        problems += [f"{name}: {line}" for line in _compare(db, audit, payload)]
    for audit in dbm.query(db, "SELECT id, number FROM audits WHERE status = 'submitted' ORDER BY number"):
        if audit["id"] not in signed_ids:
            problems.append(f"audit {audit['number']} ({audit['id']}): submitted but has no submission entry "
                            "in the audit trail")
    return problems


def _compare(db, audit: dict, payload: dict) -> list[str]:
    """How an audit in the database differs from its signed record."""
    problems = []
    record = signed_record(db, audit["id"])
    signed = payload["items"]
    current = record_items(record) if "result" in signed else _items_before_v2(db, audit["id"])
    for key in sorted(set(current) | set(signed)):
        label = key.replace(":", " ")
        if key not in current:
            problems.append(f"{label} is missing from the database")
        elif key not in signed:
            problems.append(f"{label} was added after submission")
        elif current[key] != signed[key]:
            what = "its score, status or submission time" if key == "result" else label
            problems.append(f"{what} no longer matches the signed record")
    if "result" in signed and not problems and trail.digest(record) != payload["record_hash"]:
        problems.append("its content no longer matches the signed record hash")
    if audit["record_hash"] != payload["record_hash"]:
        problems.append("its record hash no longer matches the signed record")
    return problems
