"""The dashboard's figures, tables and charts from one scope (no Flask): the page, its CSVs and the PDF share them.

`collect` runs the SQL once; `tables` turns the figures into the named tables shown under each chart and
downloaded as CSV; `charts` lays them out, with `link(kind, **filters)` giving the records behind each mark.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..checklists import SEVERITIES, SEVERITY_LABELS
from . import capas, charts, findings, programme, rollup, scores
from .scope import Scope

TOP_CLAUSES = 10
REPEATS_SHOWN = 25  # the newest repeats on the page; the CSV and the PDF list them all


def collect(db, scope: Scope, repeat_months: int = findings.DEFAULT_REPEAT_MONTHS, page: bool = False) -> dict:
    """Every figure of the dashboard for a scope; for a `page`, only the repeats it shows (the CSV has them all)."""
    shown, scope = scope, rollup.prepared(db, scope)
    if page:
        repeat_rows, repeat_months_rows, repeat_total = findings.repeats(db, scope, repeat_months, REPEATS_SHOWN)
    else:
        repeat_rows = findings.repeats(db, scope, repeat_months)
        repeat_months_rows, repeat_total = findings.repeats_per_month(scope, repeat_rows), len(repeat_rows)
    clause_rows = findings.by_clause(db, scope)
    effectiveness = capas.effectiveness(db, scope)
    adherence = programme.adherence(db, scope)
    return {
        "scope": shown, "months": scope.months, "repeat_months": repeat_months,
        "per_month": scores.per_month(db, scope),
        "checklist_monthly": scores.monthly(db, scope, "checklist"),
        "by_checklist": scores.overall(db, scope, "checklist"),
        "by_site": scores.overall(db, scope, "site") if len(scope.sites) > 1 else [],
        "by_area": scores.overall(db, scope, "area"),
        "by_workstation": scores.overall(db, scope, "workstation"),
        "severity": findings.by_severity(db, scope),
        "clauses": clause_rows,
        "clause_trend": findings.clause_trend(db, scope, [r["clause"] for r in clause_rows[:3]
                                                          if r["clause"] != findings.NO_CLAUSE]),
        "nc_by_area": findings.by_area(db, scope),
        "repeats": repeat_rows,
        "repeats_total": repeat_total,
        "repeats_per_month": repeat_months_rows,
        "capa_status": capas.status(db, scope),
        "ageing": capas.ageing(db, scope),
        "time_to_close": capas.time_to_close(db, scope),
        "effectiveness": effectiveness,
        "effectiveness_total": capas.effectiveness_total(effectiveness),
        "adherence": adherence,
        "adherence_total": programme.total(adherence),
        "lpa_layers": programme.lpa(db, scope, "layer"),
        "lpa_people": programme.lpa(db, scope, "person"),
    }


def headline(data: dict) -> list[tuple[str, str]]:
    """The few figures at the top of the page and of the PDF: (label, value)."""
    audits = sum(r["audits"] for r in data["per_month"])
    scored = [r for r in data["by_checklist"] if r["scored"]]
    total_scored = sum(r["scored"] for r in scored)
    average = sum(r["average"] * r["scored"] for r in scored) / total_scored if total_scored else None
    ncs = sum(r["total"] for r in data["clauses"])
    eff = data["effectiveness_total"]
    plan = data["adherence_total"]
    return [
        ("Programme adherence", f"{pct(plan['adherence'])} ({plan['on_time']} of {plan['planned']} on time)"),
        ("Audits submitted", str(audits)),
        ("Average score", pct(average)),
        ("Nonconformities", str(ncs)),
        (f"Repeat nonconformities ({data['repeat_months']} months)",
         str(sum(r["findings"] for r in data["repeats_per_month"]))),
        ("Open CAPAs", str(sum(r["open"] for r in data["capa_status"]))),
        ("Overdue CAPAs", str(sum(r["overdue"] for r in data["capa_status"]))),
        ("Effectiveness pass rate", f"{pct(eff['rate'])} ({eff['passed']} of {eff['checked']})"),
    ]


def pct(value) -> str:
    """A percentage with one decimal, or a dash for none."""
    return "—" if value is None else f"{value:.1f} %"


def num(value, digits: int = 1) -> str:
    """A number with `digits` decimals, or a dash for none."""
    return "—" if value is None else f"{value:.{digits}f}"


@dataclass
class Table:
    """A named table: its caption, column headings and rows of text (what the page, CSV and PDF show)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    shown: int | None = None  # rows the page shows (the CSV has all); None: all
    total: int | None = None  # rows in all, where the page was given only those it shows


def tables(data: dict) -> dict[str, Table]:
    """Every table of the dashboard by name (the CSV download's name too)."""
    sev = [SEVERITY_LABELS[s] for s in SEVERITIES]
    out = [
        Table("scores-by-month", "Audits and average score per month", ["Month", "Audits", "Scored", "Average score"],
              [[r["month"], str(r["audits"]), str(r["scored"]), pct(r["average"])] for r in data["per_month"]]),
        Table("scores-by-checklist-month", "Average score per checklist and month",
              ["Month", "Checklist", "Audits", "Average score"],
              [[r["month"], r["label"], str(r["audits"]), pct(r["average"])] for r in data["checklist_monthly"]]),
        Table("scores-by-checklist", "Score per checklist over the period",
              ["Checklist", "Audits", "Scored", "Average", "Lowest", "Highest"],
              [[r["label"], str(r["audits"]), str(r["scored"]), pct(r["average"]), pct(r["low"]), pct(r["high"])]
               for r in data["by_checklist"]]),
        Table("scores-by-area", "Score per area over the period", ["Area", "Audits", "Scored", "Average"],
              [[r["label"], str(r["audits"]), str(r["scored"]), pct(r["average"])] for r in data["by_area"]]),
        Table("scores-by-workstation", "Score per workstation over the period",
              ["Workstation", "Audits", "Scored", "Average"],
              [[r["label"], str(r["audits"]), str(r["scored"]), pct(r["average"])] for r in data["by_workstation"]]),
        Table("findings-by-severity", "Findings per month by severity", ["Month", *sev, "Total"],
              [[r["month"], *[str(r[s]) for s in SEVERITIES], str(r["total"])] for r in data["severity"]]),
        Table("nonconformities-by-clause", "Nonconformities by ISO clause",
              ["Clause", "Major", "Minor", "Total"],
              [[r["clause"], str(r["major"]), str(r["minor"]), str(r["total"])] for r in data["clauses"]]),
        Table("clause-trend", "Nonconformities per month of the three most cited clauses",
              ["Month", "Clause", "Nonconformities"],
              [[r["month"], r["clause"], str(r["total"])] for r in data["clause_trend"]]),
        Table("nonconformities-by-area", "Nonconformities by area", ["Area", "Major", "Minor", "Total"],
              [[r["area"], str(r["major"]), str(r["minor"]), str(r["total"])] for r in data["nc_by_area"]]),
        Table("repeat-findings", f"Repeat nonconformities (same clause, same place, within "
                                 f"{data['repeat_months']} months)",
              ["Month", "Audit", "Place", "Clause", "Findings", "Previous audit"],
              [[r["month"], r["number"], r["place"], r["clause"], str(r["findings"]), r["previous_number"]]
               for r in reversed(data["repeats"])], shown=REPEATS_SHOWN, total=data["repeats_total"]),
        Table("capa-status", "Open and overdue CAPAs by severity (today)", ["Severity", "Open", "Overdue"],
              [[SEVERITY_LABELS[r["severity"]], str(r["open"]), str(r["overdue"])] for r in data["capa_status"]]),
        Table("capa-ageing", "Open CAPAs by age (today)", ["Age since raised", "Open", "Overdue"],
              [[r["label"], str(r["open"]), str(r["overdue"])] for r in data["ageing"]]),
        Table("capa-time-to-close", "Median days to close, CAPAs closed in the period",
              ["Severity", "Closed", "Median days"],
              [[SEVERITY_LABELS[r["severity"]], str(r["closed"]), num(r["median_days"])]
               for r in data["time_to_close"]]),
        Table("capa-effectiveness", "Effectiveness checks concluded per month",
              ["Month", "Checked", "Passed", "Pass rate"],
              [[r["month"], str(r["checked"]), str(r["passed"]), pct(r["rate"])] for r in data["effectiveness"]]),
    ]
    lpa_columns = ["Planned", "Done", "On time", "Missed", "Overdue", "Completion", "On time %", "Still open"]

    def lpa_row(r):
        return [r["label"], str(r["planned"]), str(r["done"]), str(r["on_time"]), str(r["missed"]), str(r["overdue"]),
                pct(r["completion"]), pct(r["adherence"]), str(r["open"])]

    out += [
        Table("programme-adherence", "Audit programme: done on time of those planned, per month of the due date",
              ["Month", "Planned", "On time", "Late", "Missed", "Overdue", "Adherence", "Still open"],
              [[r["month"], str(r["planned"]), str(r["on_time"]), str(r["late"]), str(r["missed"]),
                str(r["overdue"]), pct(r["adherence"]), str(r["open"])] for r in data["adherence"]]),
        Table("lpa-by-layer", "LPA completion per layer", ["Layer", *lpa_columns],
              [lpa_row(r) for r in data["lpa_layers"]]),
        Table("lpa-by-person", "LPA completion per person", ["Auditor", *lpa_columns],
              [lpa_row(r) for r in data["lpa_people"]]),
    ]
    if len(data["scope"].sites) > 1:
        out.insert(2, Table("scores-by-site", "Score per site over the period", ["Site", "Audits", "Scored", "Average"],
                            [[r["label"], str(r["audits"]), str(r["scored"]), pct(r["average"])]
                             for r in data["by_site"]]))
    return {t.name: t for t in out}


def _none(kind, **filters):
    return None


def chart_set(data: dict, link=_none) -> dict[str, charts.Chart]:
    """The dashboard's charts by the name of the table beneath each; `link(kind, **filters)` → URL or None."""
    months = data["months"]
    checklists = {}
    for r in data["checklist_monthly"]:
        checklists.setdefault((r["key"], r["label"]), {})[r["month"]] = r["average"]
    severity = data["severity"]
    clauses = data["clauses"][:TOP_CLAUSES]
    trend = {(r["month"], r["clause"]): r["total"] for r in data["clause_trend"]}
    trend_clauses = sorted({r["clause"] for r in data["clause_trend"]},
                           key=[r["clause"] for r in data["clauses"]].index)
    out = {
        "scores-by-month": charts.bars(
            "Audits submitted per month", months, [r["audits"] for r in data["per_month"]], series="Audits",
            hrefs=[link("audits", month=m) for m in months]),
        "scores-by-checklist-month": charts.lines(
            "Average score per checklist (%)", months,
            [(label, [by_month.get(m) for m in months]) for (_, label), by_month in checklists.items()],
            unit=" %", top_value=100,
            hrefs=[[link("audits", month=m, checklist_id=key) for m in months] for (key, _) in checklists]),
        "scores-by-area": charts.bars(
            "Average score per area (%)", [r["label"] for r in data["by_area"]],
            [r["average"] for r in data["by_area"]], unit=" %", top_value=100, series="Average score",
            hrefs=[link("audits", area_id=r["key"]) for r in data["by_area"]]),
        "findings-by-severity": charts.stacked(
            "Findings per month by severity", months,
            [(SEVERITY_LABELS[s], [r[s] for r in severity]) for s in SEVERITIES],
            hrefs=[[link("findings", month=m, severity=s) for m in months] for s in SEVERITIES]),
        "nonconformities-by-clause": charts.stacked(
            f"Nonconformities by ISO clause (top {TOP_CLAUSES})", [r["clause"] for r in clauses],
            [("Major", [r["major"] for r in clauses]), ("Minor", [r["minor"] for r in clauses])],
            hrefs=[[link("findings", clause=r["clause"], severity=s) for r in clauses] for s in ("major", "minor")]),
        "clause-trend": charts.lines(
            "Most cited clauses per month", months,
            [(clause, [trend.get((m, clause), 0) for m in months]) for clause in trend_clauses],
            hrefs=[[link("findings", month=m, clause=clause, severity="nc") for m in months]
                   for clause in trend_clauses]),
        "nonconformities-by-area": charts.stacked(
            "Nonconformities by area", [r["area"] for r in data["nc_by_area"]],
            [("Major", [r["major"] for r in data["nc_by_area"]]), ("Minor", [r["minor"] for r in data["nc_by_area"]])],
            hrefs=[[link("findings", area_id=r["area_id"], severity=s) for r in data["nc_by_area"]]
                   for s in ("major", "minor")]),
        "repeat-findings": charts.bars(
            "Repeat nonconformities per month", months, [r["findings"] for r in data["repeats_per_month"]],
            series="Repeats"),
        "capa-status": charts.stacked(
            "Open CAPAs by severity (today)", [SEVERITY_LABELS[r["severity"]] for r in data["capa_status"]],
            [("Overdue", [r["overdue"] for r in data["capa_status"]]),
             ("Not overdue", [r["open"] - r["overdue"] for r in data["capa_status"]])],
            hrefs=[[link("capas", severity=r["severity"], overdue="1") for r in data["capa_status"]],
                   [link("capas", severity=r["severity"], overdue="0") for r in data["capa_status"]]]),
        "capa-ageing": charts.bars(
            "Open CAPAs by age (today)", [r["label"] for r in data["ageing"]], [r["open"] for r in data["ageing"]],
            series="Open CAPAs", hrefs=[link("capas", age=str(r["bucket"])) for r in data["ageing"]]),
        "capa-time-to-close": charts.bars(
            "Median days to close", [SEVERITY_LABELS[r["severity"]] for r in data["time_to_close"]],
            [r["median_days"] for r in data["time_to_close"]], unit=" days", series="Median",
            hrefs=[link("capas", severity=r["severity"], closed="1") for r in data["time_to_close"]]),
        "capa-effectiveness": charts.bars(
            "Effectiveness pass rate per month (%)", months, [r["rate"] for r in data["effectiveness"]],
            unit=" %", top_value=100, series="Pass rate", color=charts.PALETTE[3]),
        "programme-adherence": charts.bars(
            "Programme adherence per month (%)", months, [r["adherence"] for r in data["adherence"]], unit=" %",
            top_value=100, series="Done on time", color=charts.PALETTE[3]),
        "lpa-by-layer": charts.bars(
            "LPA completion per layer (%)", [r["label"] for r in data["lpa_layers"]],
            [r["completion"] for r in data["lpa_layers"]], unit=" %", top_value=100, series="Completion"),
    }
    return out

