"""Exports: one audit as JSON with everything (its signed part is what the PDF's integrity hash covers), CSV lists."""
import csv
import io

from .. import db as dbm
from .. import trail
from ..audits import data as audits
from ..audits import record
from ..capa import triage
from ..checklists import SEVERITY_LABELS, qtypes, rules
from ..evidence import data as evidence

FORMAT = "fieldaudit.audit/1"


def audit_export(db, audit_id: str) -> dict:
    """Everything about one audit, in a stable order; no generation time, so the same audit exports the same."""
    audit = audits.get_audit(db, audit_id)
    checklist = audits.checklist_of(db, audit)
    answers, score, visible = audits.progress(db, audit, checklist)
    photos = evidence.list_for_audit(db, audit_id)
    by_question, by_finding = evidence.by_target(photos)
    decisions = triage.decisions_for_audit(db, audit_id)
    excluded = audits.out_of_scope(audit)
    sections = []
    for section, section_score in zip(checklist.sections, score.sections):
        questions = []
        for q in section.questions:
            a = answers.get(q.id)
            value = a["value"] if a else None
            questions.append({
                "id": q.id, "text": q.text, "type": q.type, "clause": q.clause, "required": q.required,
                "visible": q.id in visible, "value": a["value"] if a else None,
                "display": qtypes.display(q, a["value"] if a else None), "note": a["note"] if a else "",
                "answered_at": a["answered_at"] if a else None,
                "photos": [p["id"] for p in by_question.get(q.id, [])],
                # An answer that fails (scores nothing, or suggests a finding) is highlighted in the report.
                "flagged": q.id in visible and value is not None and (
                    rules.question_score(q, value) == 0 or rules.proposed_finding(q, value) is not None),
                "summary": bool(q.summary),
            })
        sections.append({"id": section.id, "title": section.title, "percent": section_score.percent,
                         "answered": section_score.answered, "visible": section_score.visible,
                         "out_of_scope": excluded.get(section.id), "questions": questions})
    findings = []
    for f in audits.list_findings(db, audit_id):
        link = decisions.get(f["id"]) or {}
        findings.append({"id": f["id"], "number": f["number"], "severity": f["severity"],
                         "severity_label": SEVERITY_LABELS[f["severity"]], "clause": f["clause"],
                         "question_id": f["question_id"], "description": f["description"],
                         "requirement": f["requirement"], "evidence": f["evidence"],
                         "capa": {"number": link.get("capa_number"), "state": link.get("capa_state"),
                                  "decision": link.get("decision"), "reason": link.get("reason")} if link else None,
                         "photos": [p["id"] for p in by_finding.get(f["id"], [])]})
    return {
        "format": FORMAT,
        # What the signatures cover, exactly as hashed: follow-up that changes later (CAPA, triage) is outside it.
        "signed": record.signed_record(db, audit_id),
        "audit": {k: audit[k] for k in ("id", "number", "status", "started_at", "submitted_at", "auditees", "scope",
                                        "score_percent", "record_hash")},
        "site": {"code": audit["site_code"], "name": audit["site_name"], "timezone": audit["timezone"]},
        "place": {"area": audit["area_name"], "workstation": audit["workstation_name"],
                  "workstation_code": audit["workstation_code"]},
        "checklist": {"id": checklist.id, "version": checklist.version, "title": checklist.title,
                      "standard": checklist.standard},
        "auditor": audit["auditor_name"],
        "score": {"percent": score.percent, "answered": score.answered, "visible": score.visible},
        "sections": sections,
        "findings": findings,
        "photos": [{"id": p["id"], "sha256": p["sha256"], "caption": p["caption"], "question_id": p["question_id"],
                    "finding_id": p["finding_id"], "captured_at": p["captured_at"], "width": p["width"],
                    "height": p["height"], "derived_from": p["derived_from"]} for p in photos],
        "signatures": [{k: s[k] for k in ("printed_name", "meaning", "signed_at", "record_hash")}
                       | {"drawing_sha256": s.get("drawing_sha256")} for s in record.signatures_of(db, audit_id)],
    }


def integrity_hash(export: dict) -> str:
    """SHA-256 of the canonical JSON of the export's signed part: the signatures' record hash once submitted,
    printed on the PDF and recomputable by anyone from the JSON."""
    return trail.digest(export["signed"])


def previous_audit(db, audit: dict) -> dict | None:
    """The last submitted audit of the same checklist at the same place before this one (for the trend)."""
    checklist_id = audit["checklist_id"]
    place = ("a.workstation_id = ?", audit["workstation_id"]) if audit["workstation_id"] else \
        ("a.site_id = ? AND a.workstation_id IS NULL", audit["site_id"])
    return dbm.query_one(
        db, "SELECT a.number, a.score_percent, a.submitted_at FROM audits a JOIN checklist_versions v"
            f" ON v.id = a.checklist_version_id WHERE v.checklist_id = ? AND {place[0]} AND a.status = 'submitted'"
            " AND a.id <> ? AND a.started_at < ? ORDER BY a.started_at DESC LIMIT 1",
        (checklist_id, place[1], audit["id"], audit["started_at"]))


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as a CSV cell a spreadsheet shows as text: a leading apostrophe before a formula character."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header: list[str], rows) -> str:
    """CSV text with a header row; every export goes through here, so every cell is neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return out.getvalue()


def audits_csv(rows: list[dict]) -> str:
    """The audits list as CSV."""
    return to_csv(["number", "site", "workstation", "checklist", "version", "auditor", "status", "started_at",
                   "submitted_at", "score_percent", "answered", "visible"],
                  ([a["number"], a["site_code"], a["workstation_code"] or "", a["checklist_title"],
                    a["checklist_version"], a["auditor_name"], a["status"], a["started_at"], a["submitted_at"] or "",
                    "" if a["score_percent"] is None else round(a["score_percent"], 1), a["answered_count"],
                    a["visible_count"]] for a in rows))


def answers_csv(db, rows: list[dict]) -> str:
    """Every answer of the listed audits, one line each."""
    lines = []
    for a in rows:
        export = audit_export(db, a["id"])
        for section in export["sections"]:
            for q in section["questions"]:
                if q["visible"]:
                    lines.append([a["number"], section["title"], q["id"], q["text"], q["clause"] or "", q["display"],
                                  q["note"], q["answered_at"] or ""])
    return to_csv(["audit", "section", "question_id", "question", "clause", "answer", "note", "answered_at"], lines)


def findings_csv(db, rows: list[dict]) -> str:
    """Every finding of the listed audits with its CAPA."""
    lines = []
    for a in rows:
        decisions = triage.decisions_for_audit(db, a["id"])
        for f in audits.list_findings(db, a["id"]):
            link = decisions.get(f["id"]) or {}
            lines.append([a["number"], a["site_code"], f["number"], f["severity"], f["clause"], f["description"],
                          f["requirement"], f["evidence"], link.get("capa_number") or "", link.get("capa_state") or "",
                          link.get("decision") or ""])
    return to_csv(["audit", "site", "finding", "severity", "clause", "description", "requirement", "evidence",
                   "capa", "capa_state", "triage"], lines)


def missing_answers(export: dict) -> int:
    """How many visible required questions have no answer (a draft report says so)."""
    return sum(1 for s in export["sections"] for q in s["questions"]
               if q["visible"] and q["required"] and q["value"] is None and not qtypes.get(q["type"]).photos)


def capas_csv(rows: list[dict]) -> str:
    """The (filtered) CAPA list as CSV."""
    return to_csv(["number", "site", "title", "source", "source_ref", "severity", "state", "owner", "raised_on",
                   "due_date", "due_status", "closed_at"],
                  ([r["number"], r["site_code"], r["title"], r["source"], r["source_ref"], r["severity"], r["state"],
                    r["owner_name"] or "", r["raised_on"], r["due_date"] or "", r["due_status"] or "",
                    r["closed_at"] or ""] for r in rows))
