"""Demo controlled documents: the procedures the shipped checklists name, with versions, approvals and receipts."""
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fpdf import FPDF

from . import document_texts as texts
from .. import ids
from ..paths import resource
from ..auth import users
from ..documents import data as documents
from ..documents import states, workflow
from ..stations import data as stations

def _once(code: str, days_ago: int, summary: str = "First issue.") -> list[tuple]:
    """A document with one version, effective since some days."""
    return [(days_ago, *texts.GENERIC[code], summary)]


# code → (kind, site code or codes, workstation codes, author, review months,
#         [(days ago, title, body, change summary)])
# The last version's days-ago may be negative (approved now, effective later) or None (left in review).
LINE = ["ASM-01", "ASM-02", "ASM-03", "MCH-01", "MCH-02"]
SPECS = {
    "WI-ASM-012": ("work_instruction", "PLT1", ["ASM-01", "ASM-02"], "quality", 12, [
        (420, "Torque tightening at assembly stations", texts.WI_ASM_012_V1, "First issue."),
        (45, "Torque tightening at assembly stations", texts.WI_ASM_012_V2,
         "M8 flange torque raised from 22 to 25 Nm after the gasket change; daily check on the torque gauge.")]),
    "SOP-QA-007": ("procedure", "PLT1", LINE, "quality", 12, [
        (500, "Control of nonconforming product", texts.SOP_QA_007_V1, "First issue."),
        (120, "Control of nonconforming product", texts.SOP_QA_007_V2,
         "Check back to the last good part; line stop from three identical faults; quality decides in two days.")]),
    "SOP-QA-031": ("procedure", "PLT1", ["ASM-01", "ASM-02", "ASM-03"], "quality", 12, [
        (200, "First-off inspection at shift start and changeover", texts.SOP_QA_031_V1, "First issue."),
        (None, "First-off inspection at shift start and changeover", texts.SOP_QA_031_V2,
         "Photo of the first-off part attached to the shift record.")]),
    "SOP-HS-010": ("procedure", "PLT1", ["ASM-01", "ASM-02", "ASM-03", "MCH-01", "MCH-02", "WHS-01", "QLB-01"],
                   "quality", 12, [
        (300, "Personal protective equipment", texts.SOP_HS_010_V1, "First issue."),
        (-10, "Personal protective equipment", texts.SOP_HS_010_V2,
         "Sleeve guards added for assembly after two forearm cuts on housing edges.")]),
    "SOP-5S-001": ("procedure", "PLT1", LINE, "quality", 12, _once("SOP-5S-001", 400)),
    "SOP-5S-002": ("procedure", "PLT1", LINE, "quality", 24, _once("SOP-5S-002", 380)),
    "SOP-QA-010": ("procedure", "PLT1", ["QLB-01", "ASM-01", "ASM-02"], "quality", 12, _once("SOP-QA-010", 250)),
    "SOP-QA-015": ("procedure", "PLT1", ["WHS-01"], "quality", 12, _once("SOP-QA-015", 180)),
    "SOP-PUR-002": ("procedure", "PLT1", ["WHS-01"], "quality", 24, _once("SOP-PUR-002", 260)),
    "SOP-HS-021": ("procedure", "PLT1", ["QLB-01", "MCH-01"], "quality", 12, _once("SOP-HS-021", 150)),
    "QM-001": ("procedure", "PLT1", [], "quality", 24, _once("QM-001", 600)),
    "SOP-QA-003": ("procedure", "PLT1", [], "quality", 24,
                   _once("SOP-QA-003", 590, "Rewritten for electronic document control.")),
    "SOP-QA-012": ("procedure", "PLT1", [], "quality", 12, _once("SOP-QA-012", 90)),
    "SOP-QA-020": ("procedure", "PLT1", [], "quality", 12, _once("SOP-QA-020", 410)),
    "SOP-HR-004": ("procedure", "PLT1", [], "quality", 12, _once("SOP-HR-004", 70)),
    # Group procedures: the checklists that link them run at both plants, so both plants have them in force.
    "SOP-MNT-001": ("procedure", ("PLT2", "PLT1"), ["MLD-01", "MLD-02", "MCH-01", "MCH-02"], "quality2", 12,
                    _once("SOP-MNT-001", 160)),
    "SOP-HS-004": ("procedure", ("PLT2", "PLT1"), ["MLD-01", "MLD-02", "PCK-01", "MCH-01", "MCH-02"], "quality2", 12,
                   _once("SOP-HS-004", 140)),
}
APPROVER = "groupqm"
# (username, code): receipts for the version in force, so the "not yet confirmed" lists have both kinds of people.
RECEIPTS = [("operator", "WI-ASM-012"), ("operator", "SOP-QA-007"), ("operator", "SOP-HS-010"),
            ("auditor", "WI-ASM-012"), ("auditor", "SOP-5S-001"), ("operator2", "SOP-MNT-001")]


def torque_sheet() -> bytes:
    """A one-page PDF torque table (the attachment of WI-ASM-012 v2), made with the shipped font."""
    pdf = FPDF(format="A4")
    fonts = resource("static") / "fonts"
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 12, "WI-ASM-012 v2 — torque table", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    for joint, thread, torque in (("Joint", "Thread", "Final torque"), ("Cover to housing", "M6", "10 Nm ± 1"),
                                  ("Housing to flange", "M8", "25 Nm ± 2")):
        pdf.cell(80, 10, joint, border=1)
        pdf.cell(30, 10, thread, border=1)
        pdf.cell(50, 10, torque, border=1, new_x="LMARGIN", new_y="NEXT")
    out = io.BytesIO()
    pdf.output(out)
    return out.getvalue()


def _morning(days_ago: int, tz: str, hour: int = 9) -> datetime:
    day = datetime.now(ZoneInfo(tz)).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, 0), ZoneInfo(tz))


def _actor(user: dict) -> states.Actor:
    return states.Actor(user["id"], can_author=True, can_approve=True)


def _written(days_ago: int | None) -> int:
    """How many days ago a version was written: a version approved for later, or still in review, is recent."""
    return days_ago if days_ago is not None and days_ago >= 0 else 2


def _issue(db, store, doc, version, spec_version, site, author, approver) -> None:
    """Write, submit and approve one version at its point in history (effective that day, or later, or not yet)."""
    days_ago, title, body, summary = spec_version
    start = _morning(_written(days_ago), site["timezone"])
    with ids.at(start):
        attachment = torque_sheet() if (doc["code"], version["version"]) == ("WI-ASM-012", 2) else None
        documents.save_draft(db, version["id"], title=title, body=body, change_summary=summary, by=author["id"],
                             store=store, attachment=attachment)
    with ids.at(start + timedelta(hours=2)):
        workflow.transition(db, version["id"], states.Command("submit", "draft"), _actor(author))
    if days_ago is None:
        return  # left in review for the demo
    if days_ago >= 0:  # approved the day it was written, effective at once
        approve_at, effective = start + timedelta(hours=4), start.date()
    else:  # approved yesterday, effective some days from now
        approve_at, effective = start + timedelta(days=1), _morning(days_ago, site["timezone"]).date()
    with ids.at(approve_at):
        workflow.transition(db, version["id"],
                            states.Command("approve", "in_review", effective_date=effective.isoformat()),
                            _actor(approver), signer=approver)


def seed_documents(db, store, *, progress=lambda message: None) -> dict:
    """Create the demo documents that are missing (idempotent); returns counts of what was added."""
    counts = {"documents": 0, "versions": 0, "receipts": 0}
    approver = users.get_user_by_username(db, APPROVER)
    for code, (kind, site_codes, ws_codes, author_name, months, history) in SPECS.items():
        if documents.get_document_by_code(db, code) is not None:
            continue
        codes = (site_codes,) if isinstance(site_codes, str) else site_codes
        sites = [stations.get_site_by_code(db, c) for c in codes]
        site = sites[0]
        author = users.get_user_by_username(db, author_name)
        ws_ids = [stations.get_workstation_by_code(db, c)["id"] for c in ws_codes]
        first = history[0]
        with ids.at(_morning(first[0], site["timezone"], 8)):
            doc, version = documents.create_document(db, code=code, title=first[1], kind=kind, by=author["id"],
                                                     site_ids=[s["id"] for s in sites], workstation_ids=ws_ids,
                                                     review_months=months)
        progress(f"document {code} {first[1]}")
        counts["documents"] += 1
        for n, spec_version in enumerate(history):
            if n:
                with ids.at(_morning(_written(spec_version[0]), site["timezone"], 8)):
                    version = documents.new_version(db, doc["id"], author["id"])
            _issue(db, store, doc, version, spec_version, site, author, approver)
            counts["versions"] += 1
    for username, code in RECEIPTS:
        user, doc = users.get_user_by_username(db, username), documents.get_document_by_code(db, code)
        today = documents.today_at(db, doc["site_ids"])
        current = workflow.in_force(db, doc["id"], today)
        if user and current and workflow.receipt(db, current["id"], user["id"]) is None:
            workflow.acknowledge(db, current["id"], user["id"], today)
            counts["receipts"] += 1
    return counts


def seed_and_report(db, store, echo) -> dict:
    """Seed the demo documents and say where to go next (the label sheet command)."""
    counts = seed_documents(db, store, progress=lambda m: echo(f"  + {m}"))
    if counts["documents"]:
        echo(f"Documents: {counts['documents']} controlled documents, {counts['versions']} versions, "
             f"{counts['receipts']} read receipts.")
    echo("QR labels for the stations: fieldaudit qr labels --site PLT1 -o labels.pdf "
         "(add --base-url https://… when tablets reach this server by another name)")
    return counts
