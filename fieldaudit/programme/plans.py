"""Audit plans: create, change, list, and what the quality manager should be warned of."""
import json
from datetime import date

from .. import db as dbm
from .. import ids, settings
from ..refusal import Refusal
from . import people, schedule
from .paired import ensure_planned_here

SEVERITY_TRIGGERS = {"major": ("major",), "minor": ("major", "minor")}
EDITABLE = ("checklist_id", "area_id", "workstation_id", "auditor_id", "pool", "frequency", "rule", "window_days",
            "layer", "requires_qualification", "risk", "starts_on", "title", "active")

_SELECT = ("SELECT p.*, c.title AS checklist_title, c.standard AS checklist_standard, s.code AS site_code,"
           " s.timezone, ar.name AS area_name, w.code AS workstation_code, w.name AS workstation_name,"
           " COALESCE(p.area_id, w.area_id) AS place_area_id, u.display_name AS auditor_name"
           " FROM audit_plans p JOIN checklists c ON c.id = p.checklist_id JOIN sites s ON s.id = p.site_id"
           " LEFT JOIN workstations w ON w.id = p.workstation_id"
           " LEFT JOIN areas ar ON ar.id = COALESCE(p.area_id, w.area_id) LEFT JOIN users u ON u.id = p.auditor_id")


def decoded(row: dict | None) -> dict | None:
    """A plan row with its JSON columns decoded."""
    if row is None:
        return None
    return {**row, "pool": json.loads(row["pool"]), "rule": json.loads(row["rule"]),
            "risk": json.loads(row["risk"])}


def get_plan(db, plan_id: str) -> dict | None:
    """One plan with its checklist and place names."""
    return decoded(dbm.query_one(db, _SELECT + " WHERE p.id = ?", (plan_id,)))


def list_plans(db, site_ids=None, *, active_only: bool = False) -> list[dict]:
    """Plans of some sites (None: every site), by site and checklist."""
    where, params = [], []
    if site_ids is not None:
        if not site_ids:
            return []
        where.append(f"p.site_id IN ({', '.join('?' for _ in site_ids)})")
        params += list(site_ids)
    if active_only:
        where.append("p.active = 1")
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.code, c.title, p.created_at"
    return [decoded(r) for r in dbm.query(db, sql, params)]


def _clean(db, site: dict, fields: dict) -> dict:
    """Validated plan fields (422 with what to fix)."""
    if not dbm.scalar(db, "SELECT 1 FROM checklist_versions WHERE checklist_id = ? AND status = 'published'",
                      (fields.get("checklist_id"),)):
        raise Refusal("Choose a checklist with a published version.", 422)
    area_id = fields.get("area_id") or None
    workstation_id = fields.get("workstation_id") or None
    if area_id and dbm.scalar(db, "SELECT site_id FROM areas WHERE id = ?", (area_id,)) != site["id"]:
        raise Refusal("Choose an area of this site.", 422)
    if workstation_id:
        station = dbm.query_one(db, "SELECT site_id, area_id FROM workstations WHERE id = ?", (workstation_id,))
        if station is None or station["site_id"] != site["id"]:
            raise Refusal("Choose a workstation of this site.", 422)
        if area_id and station["area_id"] != area_id:
            raise Refusal("That workstation is not in the chosen area.", 422)
    allowed = {a["id"] for a in people.auditors_at(db, site["id"])}
    auditor_id = fields.get("auditor_id") or None
    pool = list(dict.fromkeys(p for p in (fields.get("pool") or []) if p))
    if auditor_id and auditor_id not in allowed or any(p not in allowed for p in pool):
        raise Refusal("Auditors must be people who run audits at this site.", 422)
    if not auditor_id and not pool:
        raise Refusal("Choose an auditor or a pool of auditors.", 422)
    frequency = fields.get("frequency")
    if frequency not in schedule.FREQUENCIES:
        raise Refusal("Choose a frequency.", 422)
    rule = _clean_rule(fields.get("rule") or {})
    try:
        window_days = int(fields.get("window_days") or 0)
        starts_on = date.fromisoformat(fields.get("starts_on") or "").isoformat()
    except ValueError:
        raise Refusal("Give the window as whole working days and the start as a date (YYYY-MM-DD).", 422) from None
    if not 0 <= window_days <= 60:
        raise Refusal("The window is 0 to 60 working days.", 422)
    layer = fields.get("layer") or None
    if layer and not dbm.scalar(db, "SELECT 1 FROM lpa_layers WHERE site_id = ? AND key = ?", (site["id"], layer)):
        raise Refusal("Choose a layer of this site.", 422)
    return {"checklist_id": fields["checklist_id"], "area_id": area_id, "workstation_id": workstation_id,
            "auditor_id": auditor_id, "pool": json.dumps(pool), "frequency": frequency,
            "rule": json.dumps(rule, sort_keys=True), "window_days": window_days, "layer": layer,
            "requires_qualification": 1 if fields.get("requires_qualification") else 0,
            "risk": json.dumps(_clean_risk(fields.get("risk") or {}), sort_keys=True), "starts_on": starts_on,
            "title": (fields.get("title") or "").strip()[:200], "active": 0 if fields.get("active") is False else 1}


def _clean_rule(rule: dict) -> dict:
    """Only the keys the calendar understands, in range."""
    try:
        out = {}
        if rule.get("weekdays"):
            out["weekdays"] = sorted({int(d) for d in rule["weekdays"] if 0 <= int(d) <= 6})
        if rule.get("nth"):
            out["nth"], out["weekday"] = int(rule["nth"]), int(rule.get("weekday") or 0)
            if out["nth"] not in (1, 2, 3, 4, -1) or not 0 <= out["weekday"] <= 6:
                raise ValueError
        elif rule.get("day"):
            out["day"] = int(rule["day"])
            if not 1 <= out["day"] <= 31:
                raise ValueError
        if rule.get("month"):
            out["month"] = int(rule["month"])
            if not 1 <= out["month"] <= 12:
                raise ValueError
    except (TypeError, ValueError):
        raise Refusal("The days of the frequency are out of range.", 422) from None
    return out


def _clean_risk(risk: dict) -> dict:
    """The risk rule: step up after a finding of `up_on` severity, down after `down_after` clean audits."""
    up_on = risk.get("up_on") or ""
    if up_on and up_on not in SEVERITY_TRIGGERS:
        raise Refusal("Risk steps up on a major, or on a major or minor, finding.", 422)
    try:
        down_after = int(risk.get("down_after") or 0)
    except ValueError:
        raise Refusal("Give the number of clean audits as a whole number.", 422) from None
    return {"up_on": up_on, "down_after": max(0, min(down_after, 20))}


def create_plan(db, site: dict, fields: dict, by: str | None) -> dict:
    """Add a plan to a site's programme (on the hub once paired)."""
    ensure_planned_here(db)
    clean = _clean(db, site, fields)
    now = ids.now_iso()
    row = {"id": ids.new_id(), "site_id": site["id"], **clean, "created_by": by, "created_at": now,
           "updated_at": now, "origin": settings.device_id(db)}
    with dbm.transaction(db):
        db["audit_plans"].insert(row)
    return get_plan(db, row["id"])


def update_plan(db, plan: dict, fields: dict, today: str) -> dict:
    """Change a plan; occurrences after `today` not yet started are re-made by the next generation."""
    ensure_planned_here(db)
    site = {"id": plan["site_id"]}
    clean = _clean(db, site, fields)
    with dbm.transaction(db):
        sets = ", ".join(f"{k} = ?" for k in clean)
        dbm.execute(db, f"UPDATE audit_plans SET {sets}, updated_at = ? WHERE id = ?",
                    (*clean.values(), ids.now_iso(), plan["id"]))
        # Future occurrences follow the plan as it is now; history (due before today) stays as it was.
        dbm.execute(db, "DELETE FROM scheduled_audits WHERE plan_id = ? AND audit_id IS NULL"
                        " AND missed_reason IS NULL AND due_date > ?", (plan["id"], today))
    return get_plan(db, plan["id"])


def candidates(plan: dict) -> list[str]:
    """Who the plan may schedule: its auditor, else its pool."""
    return [plan["auditor_id"]] if plan["auditor_id"] else list(plan["pool"])


def impartial(plan: dict, own_areas: dict[str, str]) -> list[str]:
    """The candidates whose own area is not the place audited (a site-wide plan has no area: all are)."""
    place = plan.get("place_area_id")
    pool = candidates(plan)
    if plan["auditor_id"] and place and own_areas.get(plan["auditor_id"]) == place:
        pool = list(plan["pool"])  # the named auditor works there: fall back to the pool
    return [p for p in pool if not place or own_areas.get(p) != place]


def warnings(db, plan: dict, today: str, homes: dict | None = None) -> list[str]:
    """What the plan cannot do as set: nobody impartial; anyone it may schedule (auditor or pool) not qualified
    today when a qualification is required. `homes` (site id → home areas), when given, is filled and reused
    across plans: a list of 150 plans read each site's home areas once, not once per plan."""
    out = []
    homes = {} if homes is None else homes
    if plan["site_id"] not in homes:
        homes[plan["site_id"]] = people.home_areas(db, plan["site_id"])
    fair = impartial(plan, homes[plan["site_id"]])
    if not fair:
        out.append("Impartiality: everyone this plan may schedule works in the area audited; add an auditor from "
                   "another area to the pool. Its audits are left unassigned.")
    if plan["requires_qualification"]:
        everyone = list(dict.fromkeys(([plan["auditor_id"]] if plan["auditor_id"] else []) + list(plan["pool"])))
        named = people.names(db, everyone)
        status = {u: people.qualification_status(db, u, plan["checklist_id"], today) for u in everyone}
        lacking = [f"{named.get(u, u)} ({status[u]})" for u in everyone if status[u] != "valid"]
        if lacking:
            out.append("Qualification required; not qualified today: " + ", ".join(lacking) + ".")
    return out
