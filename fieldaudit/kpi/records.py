"""The records behind a chart's mark (no Flask): the audits, findings or CAPAs a figure counted, with the same
predicates as the figure, so the list under a bar is as long as the bar is high."""
from dataclasses import replace
from datetime import date, timedelta

from .. import db as dbm
from ..capa import states
from . import findings
from .capas import today_cte
from .scope import Scope, add_months, bounds_cte, marks

KINDS = ("audits", "findings", "capas")
LIMIT = 500


def narrowed(scope: Scope, month: str | None) -> Scope:
    """The scope cut to one of its months (YYYY-MM); unchanged for none or a month outside it."""
    if not month or month not in scope.months:
        return scope
    first = date.fromisoformat(month + "-01")
    return replace(scope, start=max(first, scope.start), end=min(add_months(first, 1) - timedelta(days=1), scope.end))


_AUDITS = (" FROM months m JOIN audits a ON a.site_id = m.site_id AND a.status = 'submitted'"
           " AND a.submitted_at >= m.lo AND a.submitted_at < m.hi JOIN sites s ON s.id = a.site_id"
           " JOIN checklist_versions v ON v.id = a.checklist_version_id"
           " LEFT JOIN workstations w ON w.id = a.workstation_id"
           " LEFT JOIN areas ar ON ar.id = COALESCE(a.area_id, w.area_id)")


def audits(db, scope: Scope, filters: dict) -> list[dict]:
    """Submitted audits of the scope, by checklist, area ('' = none) or workstation."""
    scope = narrowed(scope, filters.get("month"))
    cte, params = bounds_cte(scope)
    where = []
    if filters.get("checklist_id"):
        where.append("v.checklist_id = ?")
        params.append(filters["checklist_id"])
    if "area_id" in filters and filters["area_id"] is not None:
        where.append("COALESCE(ar.id, '') = ?")
        params.append(filters["area_id"])
    if "workstation_id" in filters and filters["workstation_id"] is not None:
        where.append("COALESCE(w.id, '') = ?")
        params.append(filters["workstation_id"])
    return dbm.query(db, f"{cte} SELECT a.id, a.number, a.submitted_at, a.score_percent, s.code AS site_code,"
                         " s.timezone, v.title AS checklist_title, w.code AS workstation_code, ar.name AS area_name"
                         + _AUDITS + (" WHERE " + " AND ".join(where) if where else "") +
                         f" ORDER BY a.submitted_at DESC LIMIT {LIMIT}", params)


def finding_rows(db, scope: Scope, filters: dict) -> list[dict]:
    """Findings of submitted audits of the scope, by severity ('nc': major and minor), clause, area."""
    scope = narrowed(scope, filters.get("month"))
    cte, params = bounds_cte(scope)
    where = []
    severity = filters.get("severity")
    if severity == "nc":
        where.append(f"f.severity IN ({marks(findings.NONCONFORMITIES)})")
        params.extend(findings.NONCONFORMITIES)
    elif severity:
        where.append("f.severity = ?")
        params.append(severity)
    if filters.get("clause") is not None:
        where.append("TRIM(f.clause) = ?")
        params.append("" if filters["clause"] == findings.NO_CLAUSE else filters["clause"].strip())
    if filters.get("area_id") is not None:
        where.append("COALESCE(ar.id, '') = ?")
        params.append(filters["area_id"])
    return dbm.query(db, f"{cte} SELECT f.id, f.number, f.severity, f.clause, f.description, a.id AS audit_id,"
                         " a.number AS audit_number, a.submitted_at, s.code AS site_code, s.timezone,"
                         " w.code AS workstation_code, ar.name AS area_name" + _AUDITS +
                         " JOIN findings f ON f.audit_id = a.id" + (" WHERE " + " AND ".join(where) if where else "")
                         + f" ORDER BY a.submitted_at DESC, f.number LIMIT {LIMIT}", params)


def capa_rows(db, scope: Scope, filters: dict) -> list[dict]:
    """Open CAPAs (by severity, overdue '1'/'0', age bucket) or, with closed='1', those closed in the period."""
    if filters.get("closed") == "1":
        cte, params = bounds_cte(narrowed(scope, filters.get("month")))
        sql = (f"{cte} SELECT c.*, s.code AS site_code FROM months m JOIN capas c ON c.site_id = m.site_id"
               " AND c.state = 'closed' AND c.closed_at >= m.lo AND c.closed_at < m.hi"
               " JOIN sites s ON s.id = c.site_id")
        where = []
    else:
        cte, params = today_cte(scope)
        sql = (f"WITH {cte} SELECT c.*, s.code AS site_code FROM today t JOIN capas c ON c.site_id = t.site_id"
               " JOIN sites s ON s.id = c.site_id")
        where = [f"c.state IN ({marks(states.OPEN)})"]
        params.extend(states.OPEN)
        if filters.get("overdue") == "1":
            where.append("c.due_date < t.day")
        elif filters.get("overdue") == "0":
            where.append("(c.due_date IS NULL OR c.due_date >= t.day)")
        age = filters.get("age")
        if age in ("0", "1", "2", "3"):
            limits = ["t.day", "t.b1", "t.b2", "t.b3"]
            i = int(age)
            if i < 3:
                where.append(f"c.raised_on >= {limits[i + 1]}")
            if i > 0:
                where.append(f"c.raised_on < {limits[i]}")
    if filters.get("severity"):
        where.append("c.severity = ?")
        params.append(filters["severity"])
    return dbm.query(db, sql + (" WHERE " + " AND ".join(where) if where else "") +
                     f" ORDER BY c.raised_at DESC LIMIT {LIMIT}", params)


def records(db, scope: Scope, kind: str, filters: dict) -> list[dict]:
    """The records of one kind behind a mark."""
    if kind == "audits":
        return audits(db, scope, filters)
    if kind == "findings":
        return finding_rows(db, scope, filters)
    if kind == "capas":
        return capa_rows(db, scope, filters)
    raise ValueError(f"records are one of {', '.join(KINDS)}")
