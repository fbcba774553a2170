"""The monthly roll-up (migration 0024): make a site's, and give the KPI queries their rows from it where exact.

A (site, month) of a scope is read from the roll-up when the scope covers the whole local month and the stored
bounds of that month are the ones the scope computes (a time zone rule changed by a tzdata update would differ);
any other month — the current, partial one, a period cut mid-month, a site whose roll-up is not made yet — is read
from the audits themselves. Both halves give rows of the same shape, so each figure sums them alike.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from .. import db as dbm
from .scope import Scope, add_months, utc_of

FIRST, LAST = date(2000, 1, 1), date(2100, 1, 1)  # the months stored per site; outside them the audits are read

_SUBMITTED = ("FROM kpi_site_months m JOIN audits a ON a.site_id = m.site_id AND a.status = 'submitted'"
              " AND a.submitted_at >= m.lo AND a.submitted_at < m.hi")
# COALESCE(SUM(), 0.0) is SQLite's TOTAL(), which PostgreSQL does not have.
_SCORES = ("COUNT(*), COUNT(a.score_percent), COALESCE(SUM(a.score_percent), 0.0), MIN(a.score_percent),"
           " MAX(a.score_percent)")
_PLACE = "COALESCE(a.area_id, ''), COALESCE(a.workstation_id, '')"

# How each roll-up table is made from the audits of one site (the `?`): what the triggers of 0024 add up.
_BUILD = (
    f"INSERT INTO kpi_audit_months SELECT m.site_id, m.month, a.checklist_version_id, {_SCORES} {_SUBMITTED}"
    " WHERE m.site_id = ? GROUP BY m.site_id, m.month, a.checklist_version_id",
    f"INSERT INTO kpi_audit_places SELECT m.site_id, m.month, {_PLACE}, {_SCORES} {_SUBMITTED}"
    f" WHERE m.site_id = ? GROUP BY m.site_id, m.month, {_PLACE}",
    f"INSERT INTO kpi_finding_months SELECT m.site_id, m.month, f.severity, TRIM(f.clause), COUNT(*) {_SUBMITTED}"
    " JOIN findings f ON f.audit_id = a.id WHERE m.site_id = ? GROUP BY m.site_id, m.month, f.severity,"
    " TRIM(f.clause)",
    f"INSERT INTO kpi_finding_places SELECT m.site_id, m.month, {_PLACE}, f.severity, COUNT(*) {_SUBMITTED}"
    f" JOIN findings f ON f.audit_id = a.id WHERE m.site_id = ? GROUP BY m.site_id, m.month, {_PLACE}, f.severity",
)
TABLES = ("kpi_audit_months", "kpi_audit_places", "kpi_finding_months", "kpi_finding_places")
# kpi_nc_hits, the repeat findings' table, needs no local months: 0024 fills it and its triggers keep it.


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
    for table in ("kpi_site_months", *TABLES):
        dbm.execute(db, f"DELETE FROM {table} WHERE site_id = ?", (site_id,))
    db.conn.executemany("INSERT INTO kpi_site_months (site_id, month, lo, hi) VALUES (?, ?, ?, ?)",
                        month_rows(site_id, tz))
    for sql in _BUILD:
        dbm.execute(db, sql, (site_id,))


def prepare(db, scope: Scope) -> None:
    """Make the roll-up of the scope's sites that have none yet (a site made, or its time zone changed, since)."""
    if not scope.rollup or not scope.sites:
        return
    ids = scope.site_ids
    marks = ", ".join("?" for _ in ids)
    # EXISTS per site (an index seek), not DISTINCT over 1,200 stored months of each site.
    made = {r["id"] for r in dbm.query(
        db, f"SELECT s.id FROM sites s WHERE s.id IN ({marks})"
            " AND EXISTS (SELECT 1 FROM kpi_site_months m WHERE m.site_id = s.id)", ids)}
    missing = [s for s in scope.sites if s["id"] not in made]
    if missing:
        with dbm.transaction(db):
            for site in missing:
                build_site(db, site["id"], site["timezone"])


def prepared(db, scope: Scope) -> Scope:
    """The scope with its roll-up made (`prepare`) and its `split` worked out once, for the queries of one page
    (a dashboard across 50 sites read 600 stored months for each of its ten queries)."""
    prepare(db, scope)
    once = replace(scope)
    object.__setattr__(once, "_split", split(db, once))  # a frozen dataclass may still cache what it derives
    return once


def split(db, scope: Scope) -> tuple[list, list]:
    """(rolled, rest): the (site id, month) read from the roll-up, and the bounds rows read from the audits."""
    if "_split" in scope.__dict__:
        return scope.__dict__["_split"]
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


def _runs(scope: Scope, rolled: list) -> list[tuple[str, str, str]]:
    """The rolled (site, month) pairs as (site, first month, last month) runs of consecutive months: one row per
    site as a rule, where a list of pairs across 50 sites was 600 rows for the server to plan in every query."""
    index = {month: i for i, month in enumerate(scope.months)}
    runs = []
    for site_id, month in rolled:
        if runs and runs[-1][0] == site_id and index[month] == index[runs[-1][2]] + 1:
            runs[-1][2] = month
        else:
            runs.append([site_id, month, month])
    return [tuple(run) for run in runs]


def _ctes(db, scope: Scope) -> tuple[str, list]:
    rolled, rest = split(db, scope)
    runs, rest = _runs(scope, rolled) or [("", "", "")], rest or [("", "", "", "")]
    sql = ("WITH months(site_id, month, lo, hi) AS (VALUES " + ", ".join("(?, ?, ?, ?)" for _ in rest) + "),"
           " rolled(site_id, lo_month, hi_month) AS (VALUES " + ", ".join("(?, ?, ?)" for _ in runs) + ")")
    return sql, [v for row in rest for v in row] + [v for row in runs for v in row]


# 0/1, not a comparison: PostgreSQL's boolean would not unite with the roll-up's integer column.
_SCORED = "CASE WHEN a.score_percent IS NULL THEN 0 ELSE 1 END"
_SOURCES = {
    # (roll-up table, its columns besides site and month, the same from the audits a and findings f)
    ("audits", "checklist"): ("kpi_audit_months", "checklist_version_id, audits, scored, score_sum, score_min,"
                              " score_max", f"a.checklist_version_id, 1, {_SCORED},"
                              " COALESCE(a.score_percent, 0), a.score_percent, a.score_percent"),
    ("audits", "place"): ("kpi_audit_places", "area_id, workstation_id, audits, scored, score_sum, score_min,"
                          " score_max", f"{_PLACE}, 1, {_SCORED},"
                          " COALESCE(a.score_percent, 0), a.score_percent, a.score_percent"),
    ("findings", "clause"): ("kpi_finding_months", "severity, clause, findings", "f.severity, TRIM(f.clause), 1"),
    ("findings", "place"): ("kpi_finding_places", "area_id, workstation_id, severity, findings",
                            f"{_PLACE}, f.severity, 1"),
}


def _column(name: str) -> str:
    # PostgreSQL sums a BIGINT column as NUMERIC (Python's Decimal, which floats refuse); a count's INTEGER sums to
    # an integer on both engines.
    return f"CAST(k.{name} AS INTEGER) AS {name}" if name in ("audits", "scored", "findings") else f"k.{name}"


def rows(db, scope: Scope, what: str, by: str) -> tuple[str, list, str]:
    """(WITH clause, its parameters, a subquery r) of the scope's submitted audits or their findings with month and
    site_id, and per `by`:
    - audits by checklist: checklist_version_id, audits, scored, score_sum, score_min, score_max;
    - audits by place: area_id, workstation_id ('' for none) and the same sums;
    - findings by clause: severity, clause (trimmed), findings; findings by place: area_id, workstation_id,
      severity, findings.
    Whole months come from the roll-up, the rest from the audits, one row per audit (or finding)."""
    table, columns, raw = _SOURCES[(what, by)]
    cte, params = _ctes(db, scope)
    joins = " JOIN findings f ON f.audit_id = a.id" if what == "findings" else ""
    source = (f"SELECT k.month, k.site_id, {', '.join(_column(c.strip()) for c in columns.split(','))}"
              f" FROM rolled m JOIN {table} k ON k.site_id = m.site_id AND k.month >= m.lo_month"
              " AND k.month <= m.hi_month"
              f" UNION ALL SELECT m.month, a.site_id, {raw} FROM months m JOIN audits a ON a.site_id = m.site_id"
              f" AND a.status = 'submitted' AND a.submitted_at >= m.lo AND a.submitted_at < m.hi{joins}")
    return cte, params, source
