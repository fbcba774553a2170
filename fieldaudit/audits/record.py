"""The signed record of an audit: submission with an e-signature, and `verify` against the audit trail."""
import json

from .. import db as dbm
from .. import ids, settings, trail
from ..capa import triage
from ..checklists import rules
from .data import (AuditError, MissingItems, answers_of, checklist_of, get_audit, out_of_scope, photo_counts,
                   values)

MEANING_PERFORMED = "performed this audit"
MEANING_AUDITEE = "received the audit results (auditee)"

_AUDIT_FIELDS = ("id", "number", "site_id", "area_id", "workstation_id", "checklist_version_id", "auditor_id",
                 "auditees", "scope", "started_at")
_FINDING_FIELDS = ("id", "question_id", "severity", "clause", "description", "requirement", "evidence",
                   "created_by")


def record_items(db, audit_id: str) -> dict[str, str]:
    """Hash of every part of an audit's record, keyed so a mismatch can be named (e.g. 'answer:wi-followed')."""
    audit = dbm.query_one(db, "SELECT * FROM audits WHERE id = ?", (audit_id,))
    signed = {k: audit[k] for k in _AUDIT_FIELDS}
    if out_of_scope(audit):
        # Only when set, so audits signed before scopes existed keep their hash.
        signed["out_of_scope"] = out_of_scope(audit)
    items = {"audit": trail.digest(signed)}
    for qid, row in answers_of(db, audit_id).items():
        items[f"answer:{qid}"] = trail.digest({"value": row["value"], "note": row["note"],
                                              "answered_by": row["answered_by"]})
    for row in dbm.query(db, "SELECT * FROM findings WHERE audit_id = ?", (audit_id,)):
        items[f"finding:{row['number']}"] = trail.digest({k: row[k] for k in _FINDING_FIELDS})
    for row in dbm.query(db, "SELECT id, sha256, question_id, finding_id, caption, derived_from, uploaded_by"
                             " FROM evidence WHERE audit_id = ?", (audit_id,)):
        items[f"evidence:{row['id']}"] = trail.digest(row)
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
        items = record_items(db, audit_id)
        record_hash = trail.digest(items)
        now = ids.now_iso()
        dbm.execute(db, "UPDATE audits SET status = 'submitted', submitted_at = ?, score_percent = ?,"
                        " answered_count = ?, visible_count = ?, record_hash = ?, updated_at = ? WHERE id = ?",
                    (now, score.percent, score.answered, score.visible, record_hash, now, audit_id))
        signature = {"id": ids.new_id(), "record_type": "audit", "record_id": audit_id, "user_id": signer["id"],
                     "printed_name": signer["display_name"], "meaning": meaning, "signed_at": now,
                     "record_hash": record_hash, "created_at": now, "origin": settings.device_id(db),
                     "drawing_sha256": drawing_sha256}
        db["signatures"].insert(signature)
        if auditee_name.strip():
            db["signatures"].insert({**signature, "id": ids.new_id(), "printed_name": auditee_name.strip()[:200],
                                     "meaning": MEANING_AUDITEE, "drawing_sha256": auditee_drawing_sha256})
        trail.append(db, actor_id=signer["id"], action="audit.submitted", record_type="audit", record_id=audit_id,
                     payload={"number": audit["number"], "record_hash": record_hash, "items": items,
                              "signature": {k: signature[k] for k in ("id", "printed_name", "meaning",
                                                                      "signed_at")}})
        # In the same transaction: a submitted audit's nonconformities are on the CAPA triage list, or nothing is.
        triage.enqueue_findings(db, audit_id, signer["id"])
    return get_audit(db, audit_id), True


def signatures_of(db, audit_id: str) -> list[dict]:
    """E-signatures on an audit."""
    return dbm.query(db, "SELECT * FROM signatures WHERE record_type = 'audit' AND record_id = ? ORDER BY signed_at",
                     (audit_id,))


def verify(db) -> list[str]:
    """Every problem found: broken trail chains, and submitted audits that differ from what was signed."""
    problems = trail.verify_chains(db)
    signed = {}
    for entry in dbm.query(db, "SELECT * FROM audit_trail WHERE action = 'audit.submitted'"):
        try:
            signed[entry["record_id"]] = json.loads(entry["payload"])
        except ValueError:
            continue  # verify_chains has reported the damaged entry
    for audit in dbm.query(db, "SELECT id, number, status, record_hash FROM audits WHERE status = 'submitted'"):
        name = f"audit {audit['number']} ({audit['id']})"
        payload = signed.get(audit["id"])
        if payload is None:
            problems.append(f"{name}: submitted but has no submission entry in the audit trail")
            continue
        current = record_items(db, audit["id"])
        for key in sorted(set(current) | set(payload["items"])):
            if key not in current:
                problems.append(f"{name}: {key.replace(':', ' ')} is missing from the database")
            elif key not in payload["items"]:
                problems.append(f"{name}: {key.replace(':', ' ')} was added after submission")
            elif current[key] != payload["items"][key]:
                problems.append(f"{name}: {key.replace(':', ' ')} no longer matches the signed record")
        if audit["record_hash"] != payload["record_hash"]:
            problems.append(f"{name}: its record hash no longer matches the signed record")
        for sig in signatures_of(db, audit["id"]):
            if sig["record_hash"] != payload["record_hash"]:
                problems.append(f"{name}: signature of {sig['printed_name']} no longer matches the signed record")
    return problems
