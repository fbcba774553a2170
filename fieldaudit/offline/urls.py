"""The addresses a tablet stores to run one audit with no network: every section, the findings and submit pages,
the station page, the procedures in force that its questions link to, and the photos already taken."""
from flask import url_for

from ..audits import data as audits
from ..documents import data as documents, workflow as document_workflow
from ..evidence import data as evidence


def audit_urls(db, audit: dict) -> list[str]:
    """Every GET address the audit's pages need offline; the caller has checked access."""
    checklist = audits.checklist_of(db, audit)
    audit_id = audit["id"]
    urls = [url_for("audits.section", audit_id=audit_id, section_id=s.id) for s in checklist.sections]
    urls += [url_for("audits.findings", audit_id=audit_id), url_for("audits.new_finding", audit_id=audit_id),
             url_for("audits.submit", audit_id=audit_id)]
    if audit.get("workstation_code"):
        urls.append(url_for("scan.station", code=audit["workstation_code"]))
    codes = {q.procedure for s in checklist.sections for q in s.questions if q.procedure}
    today = documents.local_today(audit["timezone"])
    # Only the codes in force at the audit's site are links on the page (the others are plain text).
    for code in sorted(document_workflow.in_force_at_site(db, audit["site_id"], codes, today)):
        urls.append(url_for("documents.by_code", code=code))
    urls += [url_for("evidence.thumb", evidence_id=row["id"]) for row in evidence.list_for_audit(db, audit_id)]
    return urls


def audit_redirects(db, audit: dict) -> dict[str, str]:
    """Addresses that only redirect, stored as the redirect (fetching them would render a page twice): Resume."""
    section = audits.resume_section(db, audit)
    return {url_for("audits.run", audit_id=audit["id"]):
            url_for("audits.section", audit_id=audit["id"], section_id=section)}


def describe(audit: dict) -> dict:
    """What the "On this tablet" list shows of an audit (stored beside its pages, read offline)."""
    return {"id": audit["id"], "number": audit["number"], "title": audit["checklist_title"],
            "site": audit["site_name"], "workstation": audit.get("workstation_name") or "",
            "resume": url_for("audits.run", audit_id=audit["id"])}
