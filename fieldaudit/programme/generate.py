"""Generation: a plan's scheduled audits ahead of time, in the site's calendar, idempotent, impartial, risk-aware."""
from datetime import date, datetime, timedelta

from .. import db as dbm
from .. import ids, settings
from . import people, plans, schedule
from .paired import ensure_planned_here

HORIZON_DAYS = 90


def effective_frequency(db, plan: dict, until: date | None = None) -> str:
    """The plan's frequency after its risk rule (docs/PROGRAMME.md): one step more frequent when the last submitted
    audit of this checklist at the plan's place had a finding of the `up_on` severity; one step less frequent after
    `down_after` submitted audits in a row there without a major or minor finding. Only audits submitted up to
    `until` count, so a programme generated for a past day is what it was then."""
    risk = plan["risk"]
    if not risk.get("up_on") and not risk.get("down_after"):
        return plan["frequency"]
    place, value = _place(plan)
    cutoff = "9999" if until is None else (until + timedelta(days=1)).isoformat()  # submitted_at is UTC ISO
    limit = max(1, risk.get("down_after") or 0)
    recent = dbm.query(
        db, "SELECT a.id, (SELECT GROUP_CONCAT(DISTINCT f.severity) FROM findings f WHERE f.audit_id = a.id)"
            " AS severities FROM audits a JOIN checklist_versions v ON v.id = a.checklist_version_id"
            f" WHERE a.site_id = ? AND v.checklist_id = ? AND a.status = 'submitted' AND {place}"
            " AND a.submitted_at < ? ORDER BY a.submitted_at DESC LIMIT ?",
        (plan["site_id"], plan["checklist_id"], *value, cutoff, limit))
    if not recent:
        return plan["frequency"]
    severities = [set((r["severities"] or "").split(",")) for r in recent]
    trigger = plans.SEVERITY_TRIGGERS.get(risk.get("up_on") or "")
    if trigger and severities[0] & set(trigger):
        return schedule.stepped(plan["frequency"], 1)
    down = risk.get("down_after") or 0
    if down and len(recent) >= down and not any(s & {"major", "minor"} for s in severities):
        return schedule.stepped(plan["frequency"], -1)
    return plan["frequency"]


def _place(plan: dict) -> tuple[str, tuple]:
    """SQL condition on audits `a` for the plan's place."""
    if plan["workstation_id"]:
        return "a.workstation_id = ?", (plan["workstation_id"],)
    if plan["area_id"]:
        return "a.area_id = ?", (plan["area_id"],)
    return "1 = 1", ()


def generate_plan(db, plan: dict, today: date, horizon_days: int = HORIZON_DAYS,
                  own_areas: dict[str, str] | None = None) -> int:
    """Create the plan's scheduled audits from `today` (the site's local date) to `horizon_days` ahead that do
    not exist yet; returns how many were created. Re-running creates nothing twice (one row per plan and day)."""
    ensure_planned_here(db)
    if not plan["active"]:
        return 0
    own_areas = people.home_areas(db, plan["site_id"]) if own_areas is None else own_areas
    frequency = effective_frequency(db, plan, today)
    anchor = date.fromisoformat(plan["starts_on"])
    start, end = max(today, anchor), today + timedelta(days=horizon_days)
    due_dates = schedule.occurrences(frequency, plan["rule"], start, end, anchor)
    fair = plans.impartial(plan, own_areas)
    now, origin = ids.now_iso(), settings.device_id(db)
    with dbm.transaction(db):
        # A risk step changes the frequency: future occurrences made under the old one and not started go.
        dbm.execute(db, "DELETE FROM scheduled_audits WHERE plan_id = ? AND due_date > ? AND frequency <> ?"
                        " AND audit_id IS NULL AND missed_reason IS NULL",
                    (plan["id"], today.isoformat(), frequency))
        existing = {r["due_date"] for r in dbm.query(
            db, "SELECT due_date FROM scheduled_audits WHERE plan_id = ? AND due_date >= ?",
            (plan["id"], start.isoformat()))}
        # Round robin over the impartial pool, continuing where the plan's earlier occurrences left off.
        turn = dbm.scalar(db, "SELECT COUNT(*) FROM scheduled_audits WHERE plan_id = ?", (plan["id"],))
        rows = []
        for due in due_dates:
            key = due.isoformat()
            if key in existing:
                continue
            auditor = fair[turn % len(fair)] if fair else None
            turn += 1
            rows.append((ids.new_id(), plan["id"], plan["site_id"], plan["checklist_id"], plan["place_area_id"],
                         plan["workstation_id"], auditor, plan["layer"], frequency, key,
                         schedule.add_working_days(due, plan["window_days"]).isoformat(), now, now, origin))
        db.conn.executemany(
            "INSERT OR IGNORE INTO scheduled_audits (id, plan_id, site_id, checklist_id, area_id, workstation_id,"
            " auditor_id, layer, frequency, due_date, window_end, created_at, updated_at, origin)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def generate(db, now: datetime, site_ids=None, horizon_days: int = HORIZON_DAYS) -> int:
    """Generate every active plan of some sites (None: all), each in its site's calendar at the instant `now`."""
    ensure_planned_here(db)
    total = 0
    own_by_site: dict[str, dict] = {}
    # One transaction for the run: one commit (one fsync) instead of one per plan, which was most of the time.
    with dbm.transaction(db):
        for plan in plans.list_plans(db, site_ids, active_only=True):
            if plan["site_id"] not in own_by_site:
                own_by_site[plan["site_id"]] = people.home_areas(db, plan["site_id"])
            today = schedule.local_today(plan["timezone"], now)
            total += generate_plan(db, plan, today, horizon_days, own_by_site[plan["site_id"]])
    return total
