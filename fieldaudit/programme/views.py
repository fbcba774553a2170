"""Programme pages: the list with filters, the month calendar, LPA completion; start and miss a scheduled audit."""
import calendar as cal
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import ids, settings
from ..appdb import get_db
from ..auth.access import ensure, ensure_found
from ..checklists import store as checklist_store
from ..stations import data as stations
from . import data, generate, people, plans, schedule, start
from .blueprint import MANAGE, bp, managed_sites, site_today
from .states import STATE_LABELS


def _month(value: str | None, today: str) -> date:
    try:
        return date.fromisoformat((value or "") + "-01")
    except ValueError:
        return date.fromisoformat(today[:7] + "-01")


def _scope(args) -> tuple[list[str] | None, list[dict]]:
    """(site ids filtered on, the sites offered), every one guarded."""
    db = get_db()
    allowed = managed_sites()
    if args.get("site_id"):
        ensure(MANAGE, args["site_id"])
        return [args["site_id"]], stations.list_sites(db, allowed)
    return allowed, stations.list_sites(db, allowed)


@bp.get("/")
def index():
    """The programme as a list for one month, filtered by site, checklist, state and auditor; plans with their
    warnings; LPA completion per layer and per person."""
    db = get_db()
    args = request.args
    site_ids, sites = _scope(args)
    today = site_today(sites[0]) if sites else ids.utc_now().date().isoformat()
    month = _month(args.get("month"), today)
    last = date(month.year, month.month, cal.monthrange(month.year, month.month)[1])
    rows = data.list_scheduled(db, today, site_ids=site_ids, checklist_id=args.get("checklist_id") or None,
                               auditor_id=args.get("auditor_id") or None, in_state=args.get("state") or None,
                               date_from=month.isoformat(), date_to=last.isoformat(), limit=2000)
    plan_rows = plans.list_plans(db, site_ids)
    homes = people.home_areas_of_sites(db, [s["id"] for s in sites])  # one query, not one per plan
    for plan in plan_rows:
        plan["warnings"] = plans.warnings(db, plan, today, homes)
        plan["describe"] = schedule.describe(plan["frequency"], plan["rule"])
    auditors = {p["id"]: p for p in people.auditors_at_sites(db, [s["id"] for s in sites])}
    return render_template(
        "programme/index.html", rows=rows, counts=data.counts_by_state(rows), plans=plan_rows, sites=sites,
        checklists=checklist_store.list_checklists(db, active_only=False), auditors=list(auditors.values()),
        args=args, link=lambda **changes: url_for("programme.index", **(args.to_dict() | changes)),
        month=month, prev_month=_shift(month, -1), next_month=_shift(month, 1), today=today,
        state_labels=STATE_LABELS, lpa=data.lpa_completion(db, site_ids, month.isoformat(), last.isoformat(), today),
        paired=settings.hub_paired(db))


def _shift(month: date, by: int) -> str:
    index = month.year * 12 + month.month - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@bp.get("/calendar")
def calendar():
    """One site's programme as a month calendar."""
    db = get_db()
    sites = stations.list_sites(db, managed_sites())
    site = ensure_found(stations.get_site(db, request.args.get("site_id") or sites[0]["id"]), MANAGE, site_key="id")
    today = site_today(site)
    month = _month(request.args.get("month"), today)
    weeks = cal.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    rows = data.list_scheduled(db, today, site_ids=[site["id"]], date_from=weeks[0][0].isoformat(),
                               date_to=weeks[-1][-1].isoformat(), limit=5000)
    by_day: dict[str, list] = {}
    for row in rows:
        by_day.setdefault(row["due_date"], []).append(row)
    return render_template("programme/calendar.html", site=site, sites=sites, weeks=weeks, by_day=by_day,
                           month=month, prev_month=_shift(month, -1), next_month=_shift(month, 1), today=today,
                           state_labels=STATE_LABELS, weekdays=schedule.WEEKDAYS)


@bp.post("/generate")
def generate_now():
    """Make the scheduled audits of the next 90 days for the sites I plan (the daily job does the same)."""
    site_ids = managed_sites()
    if request.form.get("site_id"):
        ensure(MANAGE, request.form["site_id"])
        site_ids = [request.form["site_id"]]
    made = generate.generate(get_db(), ids.utc_now(), site_ids)
    flash(f"{made} scheduled audit{'s' if made != 1 else ''} added.", "success")
    return redirect(url_for("programme.index", site_id=request.form.get("site_id") or None), 303)


@bp.post("/scheduled/<scheduled_id>/start")
def start_scheduled(scheduled_id):
    """One tap: start the scheduled audit at its station, linked to it, and open its first question."""
    db = get_db()
    row = ensure_found(data.scheduled_row(db, scheduled_id), "run_audits")
    site = stations.get_site(db, row["site_id"])
    audit = start.start_scheduled(db, scheduled_id, {"id": current_user.id,
                                                     "display_name": current_user.display_name}, site_today(site))
    return redirect(url_for("audits.run", audit_id=audit["id"]), 303)


@bp.post("/scheduled/<scheduled_id>/missed")
def mark_missed(scheduled_id):
    """A quality manager records an overdue audit as missed, with the reason."""
    db = get_db()
    row = ensure_found(data.scheduled_row(db, scheduled_id), MANAGE)
    data.mark_missed(db, scheduled_id, request.form.get("reason", ""), current_user.id,
                     site_today(stations.get_site(db, row["site_id"])))
    flash("Marked as missed.", "success")
    return redirect(url_for("programme.index", site_id=row["site_id"], month=row["due_date"][:7]), 303)
