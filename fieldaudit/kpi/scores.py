"""Audit counts and scores over time, by checklist and by place (site, area, workstation), in SQL.

An audit counts in the month (at its site) of the instant it was submitted; audits in progress are not counted.
Its score is the one signed at submission (`audits.score_percent`); an audit with no scored question has none
and is counted but not averaged.
"""
from .. import db as dbm
from . import rollup
from .scope import Scope

_BY_CHECKLIST = (" JOIN sites s ON s.id = r.site_id JOIN checklist_versions v ON v.id = r.checklist_version_id"
                 " JOIN checklists c ON c.id = v.checklist_id")
_BY_PLACE = (" LEFT JOIN workstations w ON w.id = NULLIF(r.workstation_id, '')"
             " LEFT JOIN areas ar ON ar.id = COALESCE(NULLIF(r.area_id, ''), w.area_id)")

# What a score can be grouped by: (key expression, label expression, rows by, joins) over audit rows r
# (rollup.rows), sites s, checklists c, areas ar (the audit's area, or its workstation's) and workstations w.
GROUPS = {
    "checklist": ("c.id", "c.title", "checklist", _BY_CHECKLIST),
    "site": ("s.id", "s.code", "checklist", _BY_CHECKLIST),
    "area": ("COALESCE(ar.id, '')", "COALESCE(ar.name, '(no area)')", "place", _BY_PLACE),
    "workstation": ("COALESCE(w.id, '')", "COALESCE(w.code || ' ' || w.name, '(no workstation)')", "place",
                    _BY_PLACE),
}
# Counts cast back to integers: PostgreSQL sums BIGINT columns as NUMERIC (Decimal in Python).
_SUMS = (" CAST(SUM(r.audits) AS INTEGER) AS audits, CAST(SUM(r.scored) AS INTEGER) AS scored,"
         " SUM(r.score_sum) / NULLIF(SUM(r.scored), 0) AS average")


def _group(by: str) -> tuple[str, str, str, str]:
    if by not in GROUPS:
        raise ValueError(f"scores are grouped by one of {', '.join(GROUPS)}, not {by!r}")
    return GROUPS[by]


def monthly(db, scope: Scope, by: str = "checklist") -> list[dict]:
    """(month, key, label, audits, scored, average) per month and group, months in order."""
    key, label, rows_by, joins = _group(by)
    cte, params, source = rollup.rows(db, scope, "audits", rows_by)
    return dbm.query(db, f"{cte} SELECT r.month, {key} AS key, {label} AS label," + _SUMS +
                         f" FROM ({source}) r" + joins +
                         f" GROUP BY r.month, {key}, {label} ORDER BY r.month, {label}", params)


def overall(db, scope: Scope, by: str = "checklist") -> list[dict]:
    """(key, label, audits, scored, average, low, high) per group over the whole period (average of audits,
    not of monthly averages), by label."""
    key, label, rows_by, joins = _group(by)
    cte, params, source = rollup.rows(db, scope, "audits", rows_by)
    return dbm.query(db, f"{cte} SELECT {key} AS key, {label} AS label," + _SUMS +
                         ", MIN(r.score_min) AS low, MAX(r.score_max) AS high"
                         f" FROM ({source}) r" + joins + f" GROUP BY {key}, {label} ORDER BY {label}", params)


def per_month(db, scope: Scope) -> list[dict]:
    """(month, audits, scored, average) for every month of the period, empty months included."""
    cte, params, source = rollup.rows(db, scope, "audits", "checklist")
    rows = dbm.query(db, f"{cte} SELECT r.month," + _SUMS + f" FROM ({source}) r GROUP BY r.month", params)
    found = {r["month"]: r for r in rows}
    return [found.get(month) or {"month": month, "audits": 0, "scored": 0, "average": None}
            for month in scope.months]
