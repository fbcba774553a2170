"""The monthly roll-up (migration 0024): make a site's, and give the KPI queries their rows from it where exact.

A (site, month) of a scope is read from the roll-up when the scope covers the whole local month and the stored
bounds of that month are the ones the scope computes (a time zone rule changed by a tzdata update would differ);
any other month — the current, partial one, a period cut mid-month, a site whose roll-up is not made yet — is read
from the audits themselves. Both halves give rows of the same shape, so each figure sums them alike.
"""
from __future__ import annotations

from datetime import date

from .. import db as dbm
from .scope import Scope, add_months, utc_of

FIRST, LAST = date(2000, 1, 1), date(2100, 1, 1)  # the months stored per site; outside them the audits are read

_BUILD_AUDITS = """
INSERT INTO kpi_audit_months (site_id, month, checklist_version_id, area_id, workstation_id, audits, scored,
    score_sum, score_min, score_max)
SELECT m.site_id, m.month, a.checklist_version_id, COALESCE(a.area_id, ''), COALESCE(a.workstation_id, ''),
    COUNT(*), COUNT(a.score_percent), TOTAL(a.score_percent), MIN(a.score_percent), MAX(a.score_percent)
FROM kpi_site_months m JOIN audits a ON a.site_id = m.site_id AND a.status = 'submitted'
    AND a.submitted_at >= m.lo AND a.submitted_at < m.hi
WHERE m.site_id = ?
GROUP BY m.site_id, m.month, a.checklist_version_id, COALESCE(a.area_id, ''), COALESCE(a.workstation_id, '')"""

_BUILD_FINDINGS = """
INSERT INTO kpi_finding_months (site_id, month, area_id, workstation_id, severity, clause, findings)
SELECT m.site_id, m.month, COALESCE(a.area_id, ''), COALESCE(a.workstation_id, ''), f.severity, TRIM(f.clause),
    COUNT(*)
FROM kpi_site_months m JOIN audits a ON a.site_id = m.site_id AND a.status = 'submitted'
    AND a.submitted_at >= m.lo AND a.submitted_at < m.hi JOIN findings f ON f.audit_id = a.id
WHERE m.site_id = ?
GROUP BY m.site_id, m.month, COALESCE(a.area_id, ''), COALESCE(a.workstation_id, ''), f.severity, TRIM(f.clause)"""


def month_rows(site_id: str, tz: str) -> list[tuple[str, str, str, str]]:
    """(site id, month, lo, hi) for every local month of the stored range at a site."""
    rows, first = [], FIRST
    lo = utc_of(first, tz)
    while first < LAST:
        following = add_months(first, 1)
        hi = utc_of(following, tz)
        rows.append((site_id, first.strftime("%Y-%m"), lo, hi))
        first, lo = following, hi
    return rows


def build_site(db, site_id: str, tz: str) -> None:
    """(Re)make a site's month bounds and roll-up from its submitted audits (inside the caller's transaction)."""
    for table in ("kpi_site_months", "kpi_audit_months", "kpi_finding_months"):
        dbm.execute(db, f"DELETE FROM {table} WHERE site_id = ?", (site_id,))
    db.conn.executemany("INSERT INTO kpi_site_months (site_id, month, lo, hi) VALUES (?, ?, ?, ?)",
                        month_rows(site_id, tz))
    dbm.execute(db, _BUILD_AUDITS, (site_id,))
    dbm.execute(db, _BUILD_FINDINGS, (site_id,))


def prepare(db, scope: Scope) -> None:
    """Make the roll-up of the scope's sites that have none yet (a site made, or its time zone changed, since)."""
    if not scope.rollup or not scope.sites:
        return
    ids = scope.site_ids
    marks = ", ".join("?" for _ in ids)
    made = {r["site_id"] for r in dbm.query(
        db, f"SELECT DISTINCT site_id FROM kpi_site_months WHERE site_id IN ({marks})", ids)}
    missing = [s for s in scope.sites if s["id"] not in made]
    if missing:
        with dbm.transaction(db):
            for site in missing:
                build_site(db, site["id"], site["timezone"])


def split(db, scope: Scope) -> tuple[list, list]:
    """(rolled, rest): the (site id, month) read from the roll-up, and the bounds rows read from the audits."""
    bounds = scope.bounds()
    if not scope.rollup or not bounds:
        return [], bounds
    ids = scope.site_ids
    stored = {(r["site_id"], r["month"]): (r["lo"], r["hi"]) for r in dbm.query(
        db, f"SELECT site_id, month, lo, hi FROM kpi_site_months WHERE site_id IN ({', '.join('?' for _ in ids)})"
            " AND month >= ? AND month <= ?", [*ids, scope.months[0], scope.months[-1]])}
    rolled, rest = [], []
    for site_id, month, lo, hi in bounds:
        if stored.get((site_id, month)) == (lo, hi):
            rolled.append((site_id, month))
        else:
            rest.append((site_id, month, lo, hi))
    return rolled, rest


def _ctes(db, scope: Scope) -> tuple[str, list]:
    rolled, rest = split(db, scope)
    rolled, rest = rolled or [("", "")], rest or [("", "", "", "")]
    sql = ("WITH months(site_id, month, lo, hi) AS (VALUES " + ", ".join("(?, ?, ?, ?)" for _ in rest) + "),"
           " rolled(site_id, month) AS (VALUES " + ", ".join("(?, ?)" for _ in rolled) + ")")
    return sql, [v for row in rest for v in row] + [v for row in rolled for v in row]


def audit_rows(db, scope: Scope) -> tuple[str, list, str]:
    """(WITH clause, its parameters, a subquery) of submitted audits per (month, site_id, checklist_version_id,
    area_id, workstation_id) with audits, scored, score_sum, score_min, score_max ('' for no area/workstation)."""
    cte, params = _ctes(db, scope)
    source = ("SELECT k.month, k.site_id, k.checklist_version_id, k.area_id, k.workstation_id, k.audits, k.scored,"
              " k.score_sum, k.score_min, k.score_max FROM rolled m JOIN kpi_audit_months k"
              " ON k.site_id = m.site_id AND k.month = m.month"
              " UNION ALL SELECT m.month, a.site_id, a.checklist_version_id, COALESCE(a.area_id, ''),"
              " COALESCE(a.workstation_id, ''), 1, a.score_percent IS NOT NULL, COALESCE(a.score_percent, 0),"
              " a.score_percent, a.score_percent FROM months m JOIN audits a ON a.site_id = m.site_id"
              " AND a.status = 'submitted' AND a.submitted_at >= m.lo AND a.submitted_at < m.hi")
    return cte, params, source


def finding_rows(db, scope: Scope) -> tuple[str, list, str]:
    """(WITH clause, its parameters, a subquery) of findings of submitted audits per (month, site_id, area_id,
    workstation_id, severity, clause trimmed) with their count, findings."""
    cte, params = _ctes(db, scope)
    source = ("SELECT k.month, k.site_id, k.area_id, k.workstation_id, k.severity, k.clause, k.findings"
              " FROM rolled m JOIN kpi_finding_months k ON k.site_id = m.site_id AND k.month = m.month"
              " UNION ALL SELECT m.month, a.site_id, COALESCE(a.area_id, ''), COALESCE(a.workstation_id, ''),"
              " f.severity, TRIM(f.clause), 1 FROM months m JOIN audits a ON a.site_id = m.site_id"
              " AND a.status = 'submitted' AND a.submitted_at >= m.lo AND a.submitted_at < m.hi"
              " JOIN findings f ON f.audit_id = a.id")
    return cte, params, source
