"""One CAPA on paper: header facts, linked findings, what each step recorded, actions and the whole timeline.

`build` is pure (rows in, PDF bytes out); `collect` reads what it needs from the database.
"""
from __future__ import annotations

from ..capa import actions as capa_actions
from ..capa import data as capas
from ..capa import states, triage
from ..checklists import SEVERITY_LABELS
from ..ids import now_iso
from ..timefmt import local_time
from .pdfdoc import ReportPDF


def collect(db, capa: dict) -> dict:
    """What the report of one CAPA needs besides the CAPA itself."""
    return {"actions": capa_actions.list_actions(db, capa["id"]), "events": capas.events(db, capa["id"]),
            "findings": triage.linked_findings(db, capa["id"])}


def _due(due: str | None, status: str | None) -> str:
    if not due:
        return "—"
    return due + {"overdue": " (OVERDUE)", "due_soon": " (due soon)"}.get(status or "", "")


def describe(event: dict) -> str:
    """One timeline event in words (as the CAPA page shows it)."""
    label = states.STATE_LABELS
    kind, old, new = event["kind"], event["old_value"], event["new_value"]
    if kind == "transition":
        return f"State: {label.get(old, old)} → {label.get(new, new)}"
    if kind == "field":
        return f"{event['field'].replace('_', ' ').capitalize()}: {old or '—'} → {new or '—'}"
    if kind == "conflict":
        return f"Conflict: a move to {label.get(new, new)} expected {label.get(old, old)}; it was not applied."
    if kind == "action":
        what = event["field"].replace("action.", "").replace("action", "planned").replace("_", " ")
        return f"Action {what}: " + (f"{old} → " if old else "") + (new or "")
    if kind == "link":
        return f"Linked {new}"
    return kind.capitalize()


def build(capa: dict, actions: list[dict], events: list[dict], findings: list[dict], *,
          generated: str | None = None) -> bytes:
    """The CAPA report as PDF bytes."""
    tz = capa["timezone"]
    pdf = ReportPDF(title=f"CAPA report {capa['number']}", document_id=capa["number"],
                    generated=generated or local_time(now_iso(), tz))
    pdf.add_page()
    _header(pdf, capa)
    pdf.h2(f"Linked findings ({len(findings)})")
    if findings:
        pdf.rows_table(("Audit", "No.", "Severity", "Clause", "Finding"), (32, 10, 28, 18, 92),
              ([f["audit_number"], f["number"], SEVERITY_LABELS.get(f["severity"], f["severity"]),
                f["clause"] or "—", f["description"]] for f in findings))
    else:
        pdf.para(f"No audit finding is linked; the CAPA was raised from: {states.SOURCES.get(capa['source'])}.")
    _steps(pdf, capa, actions)
    pdf.h2(f"Timeline ({len(events)} events)")
    pdf.rows_table(("When", "Who", "What", "Note"), (35, 26, 69, 50),
          ([local_time(e["at"], tz), e["actor_name"] or "system", describe(e), e["note"]] for e in events))
    return pdf.to_bytes()


def _header(pdf: ReportPDF, capa: dict) -> None:
    tz = capa["timezone"]
    pdf.para("CAPA REPORT — corrective and preventive action", size=10, bold=True, color=(11, 92, 171))
    pdf.h1(capa["title"])
    pdf.set_font("DejaVu", "B", 22)
    pdf.cell(0, 12, pdf.text_of(capa["number"]), new_x="LMARGIN", new_y="NEXT")
    state = states.STATE_LABELS.get(capa["state"], capa["state"])
    source = states.SOURCES.get(capa["source"], capa["source"])
    pdf.facts([
        ("Number", capa["number"]),
        ("Site", f"{capa['site_name']} ({capa['site_code']})"),
        ("Source", source + (f" · {capa['source_ref']}" if capa["source_ref"] else "")),
        ("Severity", SEVERITY_LABELS.get(capa["severity"], capa["severity"])),
        ("State", state + (f": {capa['state_reason']}" if capa["state"] in ("rejected", "cancelled") else "")),
        ("Owner", capa["owner_name"] or "not assigned"),
        ("Raised", f"{capa['raised_on']} by {capa['raised_by_name']}"),
        ("Due", _due(capa["due_date"], capa.get("due_status"))),
        ("Closed", local_time(capa["closed_at"], tz) if capa["closed_at"] else "not closed"),
    ], label_width=30)
    if capa["description"]:
        pdf.ln(2)
        pdf.para(capa["description"])


def _steps(pdf: ReportPDF, capa: dict, actions: list[dict]) -> None:
    pdf.h2("1. Containment")
    pdf.para(capa["containment"] or "Not recorded yet.")
    pdf.h2("2. Root cause")
    whys = capa["whys"] or []
    pdf.facts([("Category", states.CATEGORIES.get(capa["root_cause_category"], "not chosen yet"))]
              + [(f"Why {n}?", why) for n, why in enumerate(whys, 1) if why]
              + [("Root cause", capa["root_cause"] or "not recorded yet")], label_width=30)
    pdf.h2(f"3. Actions ({len(actions)})")
    if actions:
        pdf.rows_table(("Kind", "Action", "Owner", "Due", "Status", "Notes"), (22, 54, 26, 26, 22, 30),
              ([states.ACTION_KINDS.get(a["kind"], a["kind"]), a["description"], a["owner_name"],
                _due(a["due_date"], a.get("due_status")),
                a["status"] + (f"\n{a['done_at'][:10]}" if a["done_at"] else ""), a["done_note"]]
               for a in actions))
    else:
        pdf.para("No actions planned yet.")
    pdf.h2("4. Effectiveness check")
    result = {"effective": "Effective", "not_effective": "Not effective"}.get(capa["effectiveness_result"] or "",
                                                                             "not checked yet")
    checked = local_time(capa["effectiveness_checked_at"], capa["timezone"]) \
        if capa.get("effectiveness_checked_at") else ""
    pdf.facts([("Check on", capa["effectiveness_due"] or "not set"),
               ("Result", result + (f" (recorded {checked})" if checked else "")),
               ("Evidence", capa["effectiveness_notes"] or "none recorded")], label_width=30)
