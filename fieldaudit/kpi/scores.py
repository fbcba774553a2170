"""Audit counts and scores over time, by checklist and by place (site, area, workstation), in SQL.

An audit counts in the month (at its site) of the instant it was submitted; audits in progress are not counted.
Its score is the one signed at submission (`audits.score_percent`); an audit with no scored question has none
and is counted but not averaged.
"""
from .. import db as dbm
from .scope import Scope, bounds_cte

# What a score can be grouped by: (key expression, label expression) over audits a, sites s, checklists c,
# areas ar (the audit's area, or its workstation's) and workstations w.
GROUPS = {
    "checklist": ("c.id", "c.title"),
    "site": ("s.id", "s.code"),
    "area": ("COALESCE(ar.id, '')", "COALESCE(ar.name, '(no area)')"),
    "workstation": ("COALESCE(w.id, '')", "COALESCE(w.code || ' ' || w.name, '(no workstation)')"),
}

_FROM = (" FROM months m JOIN audits a ON a.site_id = m.site_id AND a.status = 'submitted'"
         " AND a.submitted_at >= m.lo AND a.submitted_at < m.hi"
         " JOIN sites s ON s.id = a.site_id"
         " JOIN checklist_versions v ON v.id = a.checklist_version_id JOIN checklists c ON c.id = v.checklist_id"
         " LEFT JOIN workstations w ON w.id = a.workstation_id"
         " LEFT JOIN areas ar ON ar.id = COALESCE(a.area_id, w.area_id)")


def _group(by: str) -> tuple[str, str]:
    if by not in GROUPS:
        raise ValueError(f"scores are grouped by one of {', '.join(GROUPS)}, not {by!r}")
    return GROUPS[by]


def monthly(db, scope: Scope, by: str = "checklist") -> list[dict]:
    """(month, key, label, audits, scored, average) per month and group, months in order."""
    key, label = _group(by)
    cte, params = bounds_cte(scope)
    return dbm.query(db, f"{cte} SELECT m.month, {key} AS key, {label} AS label, COUNT(*) AS audits,"
                         " COUNT(a.score_percent) AS scored, AVG(a.score_percent) AS average" + _FROM +
                         f" GROUP BY m.month, {key}, {label} ORDER BY m.month, {label}", params)


def overall(db, scope: Scope, by: str = "checklist") -> list[dict]:
    """(key, label, audits, scored, average, low, high) per group over the whole period (average of audits,
    not of monthly averages), by label."""
    key, label = _group(by)
    cte, params = bounds_cte(scope)
    return dbm.query(db, f"{cte} SELECT {key} AS key, {label} AS label, COUNT(*) AS audits,"
                         " COUNT(a.score_percent) AS scored, AVG(a.score_percent) AS average,"
                         " MIN(a.score_percent) AS low, MAX(a.score_percent) AS high" + _FROM +
                         f" GROUP BY {key}, {label} ORDER BY {label}", params)


def per_month(db, scope: Scope) -> list[dict]:
    """(month, audits, scored, average) for every month of the period, empty months included."""
    cte, params = bounds_cte(scope)
    rows = dbm.query(db, f"{cte} SELECT m.month, COUNT(a.submitted_at) AS audits, COUNT(a.score_percent) AS scored,"
                         " AVG(a.score_percent) AS average FROM months m LEFT JOIN audits a"
                         " ON a.site_id = m.site_id AND a.status = 'submitted'"
                         " AND a.submitted_at >= m.lo AND a.submitted_at < m.hi GROUP BY m.month", params)
    found = {r["month"]: r for r in rows}
    return [found.get(month) or {"month": month, "audits": 0, "scored": 0, "average": None}
            for month in scope.months]
