"""Findings and nonconformities in SQL: by severity, by ISO clause, by area, and repeat findings.

A finding counts in the month (at its site) its audit was submitted; findings of audits in progress do not count
(they may still be withdrawn). A nonconformity is a major or minor finding. A finding keeps the clause it was
raised with (copied from the checklist question, editable until submission), so counts keyed by clause stay
comparable when a checklist is edited or replaced.
"""
import bisect
from datetime import timedelta

from .. import db as dbm
from . import rollup
from ..checklists import SEVERITIES
from .scope import Scope, add_months, marks

NONCONFORMITIES = ("major", "minor")
NO_CLAUSE = "(no clause)"
DEFAULT_REPEAT_MONTHS = 6



def _sums(*severities) -> str:
    return "".join(f" SUM(CASE WHEN r.severity = '{s}' THEN r.findings ELSE 0 END) AS {s}," for s in severities)


def by_severity(db, scope: Scope) -> list[dict]:
    """(month, major, minor, observation, ofi, total) for every month of the period, empty months included."""
    cte, params, source = rollup.rows(db, scope, "findings", "clause")
    rows = dbm.query(db, f"{cte} SELECT r.month,{_sums(*SEVERITIES)} SUM(r.findings) AS total"
                         f" FROM ({source}) r GROUP BY r.month", params)
    found = {r["month"]: r for r in rows}
    empty = {s: 0 for s in SEVERITIES} | {"total": 0}
    return [found.get(month) or {"month": month, **empty} for month in scope.months]


def by_clause(db, scope: Scope) -> list[dict]:
    """(clause, major, minor, total) of the period's nonconformities per clause, most first; findings that cite
    no clause are one row, NO_CLAUSE."""
    cte, params, source = rollup.rows(db, scope, "findings", "clause")
    clause = f"COALESCE(NULLIF(r.clause, ''), '{NO_CLAUSE}')"
    return dbm.query(db, f"{cte} SELECT {clause} AS clause,{_sums(*NONCONFORMITIES)} SUM(r.findings) AS total"
                         f" FROM ({source}) r WHERE r.severity IN ({marks(NONCONFORMITIES)}) GROUP BY {clause}"
                         " ORDER BY total DESC, clause", [*params, *NONCONFORMITIES])


def clause_trend(db, scope: Scope, clauses: list[str]) -> list[dict]:
    """(month, clause, total) nonconformities per month for the clauses asked."""
    if not clauses:
        return []
    cte, params, source = rollup.rows(db, scope, "findings", "clause")
    return dbm.query(db, f"{cte} SELECT r.month, r.clause, SUM(r.findings) AS total FROM ({source}) r"
                         f" WHERE r.severity IN ({marks(NONCONFORMITIES)}) AND r.clause IN ({marks(clauses)})"
                         " GROUP BY r.month, r.clause ORDER BY r.month, r.clause",
                     [*params, *NONCONFORMITIES, *clauses])


def by_area(db, scope: Scope) -> list[dict]:
    """(area_id, area, major, minor, total) of the period's nonconformities per area of the audit (or of its
    workstation); audits of no area are one row with area_id ''."""
    cte, params, source = rollup.rows(db, scope, "findings", "place")
    return dbm.query(db, f"{cte} SELECT COALESCE(ar.id, '') AS area_id, COALESCE(ar.name, '(no area)') AS area,"
                         f"{_sums(*NONCONFORMITIES)} SUM(r.findings) AS total FROM ({source}) r"
                         " LEFT JOIN workstations w ON w.id = NULLIF(r.workstation_id, '')"
                         " LEFT JOIN areas ar ON ar.id = COALESCE(NULLIF(r.area_id, ''), w.area_id)"
                         f" WHERE r.severity IN ({marks(NONCONFORMITIES)}) GROUP BY ar.id, ar.name"
                         " ORDER BY total DESC, area", [*params, *NONCONFORMITIES])


def _months_before_sql(column: str, months: int) -> str:
    """The instant `months` calendar months before `column` (UTC), the day clamped to the month's end
    (31 March less one month is 28/29 February, where SQLite alone would say 3 March)."""
    shifted = f"strftime('%Y-%m-%dT%H:%M:%fZ', {column}, '-{months} months')"
    clamped = (f"strftime('%Y-%m-%d', {column}, 'start of month', '-{months} months', '+1 month', '-1 day')"
               f" || strftime('T%H:%M:%fZ', {column})")
    return f"(CASE WHEN strftime('%d', {column}, '-{months} months') = strftime('%d', {column})" \
           f" THEN {shifted} ELSE {clamped} END)"


def repeats(db, scope: Scope, months: int = DEFAULT_REPEAT_MONTHS, newest: int | None = None):
    """Repeat nonconformities of the period: the same clause at the same place as a nonconformity of an earlier
    audit submitted at most `months` calendar months before.

    The place is what the audit names: its workstation and area (an area audit and a workstation audit are
    different places). One row per audit and clause: (month, site_id, audit_id, number, submitted_at, clause,
    place, findings = how many of the audit's nonconformities cite it, previous_at, previous_number), oldest first.
    With `newest`: (the newest rows only, repeats_per_month of them all, how many in all), for a page.
    """
    months = int(months)
    if not scope.sites or months < 1:
        return [] if newest is None else ([], repeats_per_month(scope, []), 0)
    # Earlier audits matter back to `months` before the period (a day more covers any time zone).
    since = add_months(scope.start, -months) - timedelta(days=2)
    until = scope.end + timedelta(days=2)
    if scope.rollup:  # kept by 0024's triggers, already in the window's order
        hits = ("SELECT audit_id, number, site_id, workstation_id, area_id, submitted_at, clause, findings"
                " FROM kpi_nc_hits"
                f" WHERE site_id IN ({marks(scope.site_ids)}) AND submitted_at >= ? AND submitted_at < ?")
        hit_params = [*scope.site_ids, f"{since.isoformat()}T00:00:00.000Z", f"{until.isoformat()}T00:00:00.000Z"]
    else:
        hits = ("SELECT a.id AS audit_id, a.number, a.site_id, COALESCE(a.workstation_id, '') AS workstation_id,"
                " COALESCE(a.area_id, '') AS area_id, a.submitted_at, TRIM(f.clause) AS clause, COUNT(*) AS findings"
                " FROM audits a JOIN findings f ON f.audit_id = a.id"
                f" WHERE a.site_id IN ({marks(scope.site_ids)}) AND a.status = 'submitted'"
                " AND a.submitted_at >= ? AND a.submitted_at < ?"
                f" AND f.severity IN ({marks(NONCONFORMITIES)}) AND TRIM(f.clause) <> ''"
                " GROUP BY a.id, a.number, a.site_id, a.workstation_id, a.area_id, a.submitted_at, TRIM(f.clause)")
        hit_params = [*scope.site_ids, f"{since.isoformat()}T00:00:00.000Z", f"{until.isoformat()}T00:00:00.000Z",
                      *NONCONFORMITIES]
    bounds = scope.bounds()
    ranges = {}
    for site_id, _, lo, hi in bounds:
        low, high = ranges.get(site_id, (lo, hi))
        ranges[site_id] = (min(low, lo), max(high, hi))
    sql = (f"WITH hits AS ({hits}),"
           " seq AS MATERIALIZED (SELECT hits.*, LAG(submitted_at) OVER place AS previous_at,"
           " LAG(audit_id) OVER place AS previous_id, LAG(number) OVER place AS previous_number FROM hits"
           " WINDOW place AS (PARTITION BY site_id, workstation_id, area_id, clause"
           " ORDER BY submitted_at, audit_id)),"
           " ranges(site_id, lo, hi) AS (VALUES " + ", ".join("(?, ?, ?)" for _ in ranges) + ")"
           " SELECT seq.audit_id, seq.site_id, NULLIF(seq.workstation_id, '') AS workstation_id,"
           " NULLIF(seq.area_id, '') AS area_id, seq.submitted_at, seq.clause, seq.findings, seq.previous_at,"
           " seq.previous_id, seq.number, seq.previous_number FROM seq JOIN ranges g ON g.site_id = seq.site_id"
           " AND seq.submitted_at >= g.lo AND seq.submitted_at < g.hi WHERE seq.previous_at IS NOT NULL"
           f" AND seq.previous_at >= {_months_before_sql('seq.submitted_at', months)}")
    rows = dbm.query(db, sql, [*hit_params, *[v for site_id, r in ranges.items() for v in (site_id, *r)]])
    # Each repeat's local month at its site is found here: a join to the months cost more than the rest together.
    starts = {}
    for site_id, month, lo, _ in bounds:
        starts.setdefault(site_id, []).append((lo, month))
    for row in rows:
        months_of = starts[row["site_id"]]
        row["month"] = months_of[bisect.bisect_right(months_of, (row["submitted_at"], "\uffff")) - 1][1]
    rows.sort(key=lambda r: (r["submitted_at"], r["clause"], r["audit_id"]))
    shown = rows if newest is None else rows[-newest:] if newest else []
    _name_places(db, shown)
    return rows if newest is None else (shown, repeats_per_month(scope, rows), len(rows))


def _name_places(db, rows: list[dict]) -> None:
    """Each row's place: its workstation (code and name), else its area, else the whole site."""
    ws_ids = sorted({r["workstation_id"] for r in rows if r["workstation_id"]})
    area_ids = sorted({r["area_id"] for r in rows if r["area_id"]})
    stations = {r["id"]: f"{r['code']} {r['name']}" for r in dbm.query(
        db, f"SELECT id, code, name FROM workstations WHERE id IN ({marks(ws_ids)})", ws_ids)} if ws_ids else {}
    areas = {r["id"]: r["name"] for r in dbm.query(
        db, f"SELECT id, name FROM areas WHERE id IN ({marks(area_ids)})", area_ids)} if area_ids else {}
    for row in rows:
        row["place"] = stations.get(row["workstation_id"]) or areas.get(row["area_id"]) or "whole site"


def repeats_per_month(scope: Scope, rows: list[dict]) -> list[dict]:
    """(month, findings) repeat nonconformities per month of the period, from `repeats` rows."""
    counts = {month: 0 for month in scope.months}
    for row in rows:
        counts[row["month"]] += row["findings"]
    return [{"month": month, "findings": n} for month, n in counts.items()]
