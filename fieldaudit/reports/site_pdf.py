"""A site's summary for a period: audits and scores, findings by severity and clause, open and closed CAPAs.

`collect(db, site, start, end)` gathers the figures (no Flask); `build(summary)` lays them out (pure). The period
is a pair of calendar dates at the site, both included; an audit belongs to it by the local date it was
submitted, a CAPA by the local date it was closed. Audits still in progress are counted, not scored.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from .. import ids
from ..audits import data as audits
from ..capa import data as capas
from ..capa import states
from ..checklists import SEVERITY_LABELS
from ..timefmt import local_time
from .pdfdoc import ReportPDF

DEFAULT_DAYS = 90
TOP_CLAUSES = 10
SEVERITY_ORDER = ("major", "minor", "observation", "ofi")
ALL = 1_000_000  # list functions take a limit; a summary wants every row of the site


def default_period(tz: str) -> tuple[date, date]:
    """The last 90 days at the site, today included."""
    today = capas.local_today(tz)
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _local_date(instant: str | None, tz: str) -> date | None:
    return ids.parse_iso(instant).astimezone(ZoneInfo(tz)).date() if instant else None


def collect(db, site: dict, start: date, end: date) -> dict:
    """Everything the summary shows, for the site's calendar dates start..end (both included)."""
    tz = site["timezone"]

    def within(instant):
        day = _local_date(instant, tz)
        return day is not None and start <= day <= end

    rows = [a for a in audits.list_audits(db, site_ids=[site["id"]], status="submitted", limit=ALL)
            if within(a["submitted_at"])]
    rows.sort(key=lambda a: a["submitted_at"])
    findings = []
    for a in rows:
        found = audits.list_findings(db, a["id"])
        a["findings_count"] = len(found)
        findings.extend(found)
    in_progress = sum(1 for a in audits.list_audits(db, site_ids=[site["id"]], status="in_progress", limit=ALL)
                      if within(a["started_at"]))
    every_capa = capas.list_capas(db, site_ids=[site["id"]], limit=ALL)
    open_capas = sorted((c for c in every_capa if c["state"] not in states.TERMINAL),
                        key=lambda c: (c["due_date"] or "9999", c["number"]))
    closed = sorted((c for c in every_capa if c["state"] == states.CLOSED and within(c["closed_at"])),
                    key=lambda c: c["closed_at"])
    return {"site": site, "start": start.isoformat(), "end": end.isoformat(), "audits": rows,
            "findings": findings, "in_progress": in_progress, "open_capas": open_capas, "closed_capas": closed}


def checklist_scores(rows: list[dict]) -> list[dict]:
    """Audits, average, lowest and highest score per checklist (scored audits only), by title."""
    groups: dict[str, list[dict]] = {}
    for a in rows:
        groups.setdefault(a["checklist_id"], []).append(a)
    result = []
    for group in groups.values():
        scores = [a["score_percent"] for a in group if a["score_percent"] is not None]
        latest = max(group, key=lambda a: a["checklist_version"])
        result.append({"title": latest["checklist_title"], "audits": len(group),
                       "average": sum(scores) / len(scores) if scores else None,
                       "low": min(scores, default=None), "high": max(scores, default=None)})
    return sorted(result, key=lambda r: r["title"].lower())


def clause_counts(findings: list[dict]) -> tuple[list[tuple[str, int]], int]:
    """The most cited clauses (at most ten, most first, then by clause) and how many findings cite none."""
    counts = Counter(f["clause"].strip() for f in findings if f["clause"].strip())
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_CLAUSES]
    return top, sum(1 for f in findings if not f["clause"].strip())


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f} %"


def build(summary: dict, *, generated: str | None = None) -> bytes:
    """The site summary as PDF bytes."""
    site, rows, findings = summary["site"], summary["audits"], summary["findings"]
    tz = site["timezone"]
    period = f"{summary['start']} to {summary['end']}"
    pdf = ReportPDF(title=f"Site summary {site['code']}", document_id=period,
                    generated=generated or local_time(ids.now_iso(), tz))
    pdf.add_page()
    pdf.para("SITE SUMMARY", size=10, bold=True, color=(11, 92, 171))
    pdf.h1(f"{site['name']} ({site['code']})")
    pdf.para(f"Period: {period} (dates at the site, {tz}; both days included)", color=(90, 90, 90))
    pdf.ln(2)
    scored = [a["score_percent"] for a in rows if a["score_percent"] is not None]
    overdue = sum(1 for c in summary["open_capas"] if c["due_status"] == "overdue")
    pdf.facts([
        ("Audits submitted", str(len(rows)) + (f" ({summary['in_progress']} more started and still in progress)"
                                              if summary["in_progress"] else "")),
        ("Average score", _pct(sum(scored) / len(scored) if scored else None)),
        ("Findings", str(len(findings))),
        ("Open CAPAs", f"{len(summary['open_capas'])} ({overdue} overdue)"),
        ("CAPAs closed", str(len(summary["closed_capas"]))),
    ], label_width=40)

    pdf.h2(f"Audits in the period ({len(rows)})")
    if rows:
        pdf.rows_table(("Number", "Checklist", "Place", "Auditor", "Date", "Score", "Findings"),
              (30, 40, 32, 25, 20, 17, 16),
              ([a["number"], f"{a['checklist_title']} v{a['checklist_version']}",
                " · ".join(p for p in (a["area_name"], a["workstation_name"]) if p) or "whole site",
                a["auditor_name"], str(_local_date(a["submitted_at"], tz)), _pct(a["score_percent"]),
                str(a["findings_count"])] for a in rows), size=8)
    else:
        pdf.para("No audit was submitted in this period.")

    pdf.h2("Average score per checklist")
    by_checklist = checklist_scores(rows)
    if by_checklist:
        pdf.rows_table(("Checklist", "Audits", "Average", "Lowest", "Highest"), (92, 20, 24, 22, 22),
              ([r["title"], str(r["audits"]), _pct(r["average"]), _pct(r["low"]), _pct(r["high"])]
               for r in by_checklist))
    else:
        pdf.para("No scored audit in this period.")

    pdf.h2(f"Findings by severity ({len(findings)})")
    severities = Counter(f["severity"] for f in findings)
    pdf.rows_table(("Severity", "Findings"), (140, 40),
          ([SEVERITY_LABELS[s], str(severities[s])] for s in SEVERITY_ORDER))
    pdf.h2(f"Findings by clause (top {TOP_CLAUSES})")
    top, without = clause_counts(findings)
    if top:
        pdf.rows_table(("Clause", "Findings"), (140, 40), ([clause, str(n)] for clause, n in top))
    if without or not top:
        pdf.para(f"{without} finding(s) cite no clause." if findings else "No findings in this period.",
                 color=(90, 90, 90))

    pdf.h2(f"Open CAPAs ({len(summary['open_capas'])}, {overdue} overdue)")
    if summary["open_capas"]:
        pdf.rows_table(("Number", "Title", "State", "Owner", "Due", "Overdue"), (30, 54, 30, 28, 22, 16),
              ([c["number"], c["title"], states.STATE_LABELS[c["state"]], c["owner_name"] or "not assigned",
                c["due_date"] or "—", "yes" if c["due_status"] == "overdue" else ""]
               for c in summary["open_capas"]))
    else:
        pdf.para("No open CAPA at this site.")

    pdf.h2(f"CAPAs closed in the period ({len(summary['closed_capas'])})")
    if summary["closed_capas"]:
        pdf.rows_table(("Number", "Title", "Raised", "Closed", "Effectiveness"), (30, 78, 22, 22, 28),
              ([c["number"], c["title"], c["raised_on"], str(_local_date(c["closed_at"], tz)),
                (c["effectiveness_result"] or "—").replace("_", " ")] for c in summary["closed_capas"]))
    else:
        pdf.para("No CAPA was closed in this period.")
    return pdf.to_bytes()
