"""Findings and nonconformities in SQL: by severity, by ISO clause, by area, and repeat findings.

A finding counts in the month (at its site) its audit was submitted; findings of audits in progress do not count
(they may still be withdrawn). A nonconformity is a major or minor finding. A finding keeps the clause it was
raised with (copied from the checklist question, editable until submission), so counts keyed by clause stay
comparable when a checklist is edited or replaced.
"""
from datetime import timedelta

from .. import db as dbm
from . import rollup
from ..checklists import SEVERITIES
from .scope import Scope, add_months, bounds_cte, marks

NONCONFORMITIES = ("major", "minor")
NO_CLAUSE = "(no clause)"
DEFAULT_REPEAT_MONTHS = 6



def _sums(*severities) -> str:
    return "".join(f" SUM(CASE WHEN r.severity = '{s}' THEN r.findings ELSE 0 END) AS {s}," for s in severities)


def by_severity(db, scope: Scope) -> list[dict]:
    """(month, major, minor, observation, ofi, total) for every month of the period, empty months included."""
    cte, params, source = rollup.finding_rows(db, scope)
    rows = dbm.query(db, f"{cte} SELECT r.month,{_sums(*SEVERITIES)} SUM(r.findings) AS total"
                         f" FROM ({source}) r GROUP BY r.month", params)
    found = {r["month"]: r for r in rows}
    empty = {s: 0 for s in SEVERITIES} | {"total": 0}
    return [found.get(month) or {"month": month, **empty} for month in scope.months]


def by_clause(db, scope: Scope) -> list[dict]:
    """(clause, major, minor, total) of the period's nonconformities per clause, most first; findings that cite
    no clause are one row, NO_CLAUSE."""
    cte, params, source = rollup.finding_rows(db, scope)
    clause = f"COALESCE(NULLIF(r.clause, ''), '{NO_CLAUSE}')"
    return dbm.query(db, f"{cte} SELECT {clause} AS clause,{_sums(*NONCONFORMITIES)} SUM(r.findings) AS total"
                         f" FROM ({source}) r WHERE r.severity IN ({marks(NONCONFORMITIES)}) GROUP BY {clause}"
                         " ORDER BY total DESC, clause", [*params, *NONCONFORMITIES])


def clause_trend(db, scope: Scope, clauses: list[str]) -> list[dict]:
    """(month, clause, total) nonconformities per month for the clauses asked."""
    if not clauses:
        return []
    cte, params, source = rollup.finding_rows(db, scope)
    return dbm.query(db, f"{cte} SELECT r.month, r.clause, SUM(r.findings) AS total FROM ({source}) r"
                         f" WHERE r.severity IN ({marks(NONCONFORMITIES)}) AND r.clause IN ({marks(clauses)})"
                         " GROUP BY r.month, r.clause ORDER BY r.month, r.clause",
                     [*params, *NONCONFORMITIES, *clauses])


def by_area(db, scope: Scope) -> list[dict]:
    """(area_id, area, major, minor, total) of the period's nonconformities per area of the audit (or of its
    workstation); audits of no area are one row with area_id ''."""
    cte, params, source = rollup.finding_rows(db, scope)
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


def repeats(db, scope: Scope, months: int = DEFAULT_REPEAT_MONTHS) -> list[dict]:
    """Repeat nonconformities of the period: the same clause at the same place as a nonconformity of an earlier
    audit submitted at most `months` calendar months before.

    The place is what the audit names: its workstation and area (an area audit and a workstation audit are
    different places). One row per audit and clause: (month, site_id, audit_id, number, submitted_at, clause,
    place, findings = how many of the audit's nonconformities cite it, previous_at, previous_number).
    """
    months = int(months)
    if not scope.sites or months < 1:
        return []
    cte, params = bounds_cte(scope)
    # Earlier audits matter back to `months` before the period (a day more covers any time zone).
    since = add_months(scope.start, -months) - timedelta(days=2)
    until = scope.end + timedelta(days=2)
    sql = (f"{cte}, hits AS ("
           " SELECT a.id AS audit_id, a.site_id, a.workstation_id, a.area_id, a.submitted_at,"
           " TRIM(f.clause) AS clause, COUNT(*) AS findings"
           " FROM audits a JOIN findings f ON f.audit_id = a.id"
           f" WHERE a.site_id IN ({marks(scope.site_ids)}) AND a.status = 'submitted'"
           " AND a.submitted_at >= ? AND a.submitted_at < ?"
           f" AND f.severity IN ({marks(NONCONFORMITIES)}) AND TRIM(f.clause) <> ''"
           " GROUP BY a.id, a.site_id, a.workstation_id, a.area_id, a.submitted_at, TRIM(f.clause)),"
           " seq AS (SELECT hits.*, LAG(submitted_at) OVER place AS previous_at,"
           " LAG(audit_id) OVER place AS previous_id FROM hits"
           " WINDOW place AS (PARTITION BY site_id, COALESCE(workstation_id, ''), COALESCE(area_id, ''), clause"
           " ORDER BY submitted_at, audit_id))"
           " SELECT m.month, seq.*, this.number, before.number AS previous_number,"
           " COALESCE(w.code || ' ' || w.name, ar.name, 'whole site') AS place"
           " FROM seq JOIN months m ON m.site_id = seq.site_id AND seq.submitted_at >= m.lo"
           " AND seq.submitted_at < m.hi JOIN audits this ON this.id = seq.audit_id"
           " JOIN audits before ON before.id = seq.previous_id"
           " LEFT JOIN workstations w ON w.id = seq.workstation_id LEFT JOIN areas ar ON ar.id = seq.area_id"
           f" WHERE seq.previous_at IS NOT NULL AND seq.previous_at >= {_months_before_sql('seq.submitted_at', months)}"
           " ORDER BY seq.submitted_at, seq.clause")
    return dbm.query(db, sql, [*params, *scope.site_ids, f"{since.isoformat()}T00:00:00.000Z",
                               f"{until.isoformat()}T00:00:00.000Z", *NONCONFORMITIES])


def repeats_per_month(scope: Scope, rows: list[dict]) -> list[dict]:
    """(month, findings) repeat nonconformities per month of the period, from `repeats` rows."""
    counts = {month: 0 for month in scope.months}
    for row in rows:
        counts[row["month"]] += row["findings"]
    return [{"month": month, "findings": n} for month, n in counts.items()]
