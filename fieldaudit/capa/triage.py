"""The CAPA triage list: nonconformities of submitted audits waiting for the quality manager's decision."""
from .. import db as dbm
from .. import ids, settings
from .data import CapaError, create_capa

NEEDS_TRIAGE = ("major", "minor")


def enqueue_findings(db, audit_id: str, by: str) -> int:
    """Put a submitted audit's nonconformities on the triage list (once); open CAPAs for majors if the site says so."""
    audit = dbm.query_one(db, "SELECT a.*, s.capa_auto_major, s.code AS site_code, s.timezone FROM audits a"
                              " JOIN sites s ON s.id = a.site_id WHERE a.id = ?", (audit_id,))
    now = ids.now_iso()
    added = 0
    with dbm.transaction(db):
        for finding in dbm.query(db, "SELECT * FROM findings WHERE audit_id = ? AND severity IN ('major', 'minor')"
                                     " ORDER BY number", (audit_id,)):
            # ON CONFLICT: a retried or repeated submission never queues a finding twice.
            added += dbm.execute(
                db, "INSERT INTO finding_triage (finding_id, site_id, decision, created_at, updated_at, origin)"
                    " VALUES (?, ?, 'pending', ?, ?, ?) ON CONFLICT (finding_id) DO NOTHING",
                (finding["id"], audit["site_id"], now, now, settings.device_id(db)))
            if finding["severity"] == "major" and audit["capa_auto_major"]:
                pending = dbm.scalar(db, "SELECT decision FROM finding_triage WHERE finding_id = ?", (finding["id"],))
                if pending == "pending":
                    site = {"id": audit["site_id"], "code": audit["site_code"], "timezone": audit["timezone"]}
                    create_capa(db, site=site, title=_title(finding), by=by, source="audit", severity="major",
                                description=finding["description"], source_ref=audit["number"],
                                owner_id=_site_quality_manager(db, audit["site_id"]), finding_ids=[finding["id"]])
    return added


def _title(finding: dict) -> str:
    text = finding["description"].strip().splitlines()[0] if finding["description"].strip() else "Nonconformity"
    return (text[:117] + "…") if len(text) > 120 else text


def _site_quality_manager(db, site_id: str) -> str | None:
    """The site's quality manager (the first by name), who owns CAPAs opened automatically."""
    return dbm.scalar(db, "SELECT u.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.site_id = ?"
                          " AND m.role = 'quality_manager' AND u.active = 1 ORDER BY u.display_name", (site_id,))


def pending(db, site_ids) -> list[dict]:
    """Findings waiting for a decision, oldest first, with their audit and place."""
    if site_ids is not None and not site_ids:
        return []
    where = "" if site_ids is None else f" AND t.site_id IN ({', '.join('?' for _ in site_ids)})"
    return dbm.query(
        db, "SELECT f.*, t.site_id, t.created_at AS queued_at, a.number AS audit_number, a.submitted_at,"
            " s.code AS site_code, s.timezone, w.name AS workstation_name"
            " FROM finding_triage t JOIN findings f ON f.id = t.finding_id JOIN audits a ON a.id = f.audit_id"
            " JOIN sites s ON s.id = t.site_id LEFT JOIN workstations w ON w.id = a.workstation_id"
            " WHERE t.decision = 'pending'" + where + " ORDER BY t.created_at, f.number", tuple(site_ids or ()))


def linked_findings(db, capa_id: str) -> list[dict]:
    """The findings a CAPA answers, with their audit and their evidence photos (the finding's own and those of
    the question it was raised from)."""
    rows = dbm.query(db, "SELECT f.*, a.number AS audit_number, a.id AS audit_id FROM finding_triage t"
                         " JOIN findings f ON f.id = t.finding_id JOIN audits a ON a.id = f.audit_id"
                         " WHERE t.capa_id = ? ORDER BY a.number, f.number", (capa_id,))
    for row in rows:
        row["photos"] = dbm.query(
            db, "SELECT * FROM evidence WHERE finding_id = ? OR (audit_id = ? AND question_id = ?"
                " AND finding_id IS NULL) ORDER BY created_at", (row["id"], row["audit_id"], row["question_id"] or ""))
    return rows


def dismiss(db, finding_id: str, reason: str, by: str) -> None:
    """Record that a nonconformity needs no CAPA, and why."""
    if not reason.strip():
        raise CapaError("Say why no CAPA is needed (e.g. corrected on the spot and verified).", 422)
    with dbm.transaction(db):
        if dbm.execute(db, "UPDATE finding_triage SET decision = 'no_capa', reason = ?, decided_by = ?,"
                           " decided_at = ?, updated_at = ? WHERE finding_id = ? AND decision = 'pending'",
                       (reason.strip()[:2000], by, ids.now_iso(), ids.now_iso(), finding_id)) == 0:
            raise CapaError("That finding is no longer waiting for a decision.", 409)


def set_auto_major(db, site_id: str, on: bool) -> None:
    """The site's choice: open a CAPA automatically for every major nonconformity at submission."""
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE sites SET capa_auto_major = ?, updated_at = ? WHERE id = ?",
                    (int(on), ids.now_iso(), site_id))


def decisions_for_audit(db, audit_id: str) -> dict[str, dict]:
    """finding id → its triage decision and CAPA (number, state), for the audit page."""
    rows = dbm.query(db, "SELECT t.*, c.number AS capa_number, c.state AS capa_state FROM finding_triage t"
                         " JOIN findings f ON f.id = t.finding_id LEFT JOIN capas c ON c.id = t.capa_id"
                         " WHERE f.audit_id = ?", (audit_id,))
    return {r["finding_id"]: r for r in rows}
