"""Plan pages: add and change a plan (the site's quality manager; admins)."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import forms
from ..appdb import get_db
from ..auth.access import ensure_found
from ..checklists import store as checklist_store
from ..stations import data as stations
from . import data, generate, lpa, paired, people, plans, schedule
from .blueprint import MANAGE, bp, managed_sites, site_today


def _fields(form) -> dict:
    """The plan form as plans.create_plan takes it."""
    rule = {"weekdays": form.getlist("weekdays"), "month": form.get("month") or None}
    if form.get("monthly_mode") == "nth":
        rule |= {"nth": form.get("nth") or None, "weekday": form.get("weekday") or 0}
    else:
        rule["day"] = form.get("day") or None
    return {"title": form.get("title", ""), "checklist_id": form.get("checklist_id"),
            "area_id": form.get("area_id"), "workstation_id": form.get("workstation_id"),
            "auditor_id": form.get("auditor_id"), "pool": form.getlist("pool"), "frequency": form.get("frequency"),
            "rule": rule, "window_days": form.get("window_days") or 0, "layer": form.get("layer"),
            "requires_qualification": form.get("requires_qualification") == "yes",
            "risk": {"up_on": form.get("risk_up_on") or "", "down_after": form.get("risk_down_after") or 0},
            "starts_on": form.get("starts_on"), "active": form.get("active") == "yes"}


def _page(site: dict, plan: dict | None, form: dict, error: str | None):
    db = get_db()
    today = site_today(site)
    upcoming = data.list_scheduled(db, today, site_ids=[site["id"]], date_from=today, limit=2000) if plan else []
    return render_template(
        "programme/plan_form.html", site=site, plan=plan, form=form, error=error,
        checklists=checklist_store.list_checklists(db), areas=stations.list_areas(db, site["id"]),
        workstations=stations.list_workstations(db, site["id"]), auditors=people.auditors_at(db, site["id"]),
        layers=lpa.list_layers(db, site["id"]), frequencies=schedule.FREQUENCY_LABELS, weekdays=schedule.WEEKDAYS,
        warnings=plans.warnings(db, plan, today) if plan else [],
        upcoming=[r for r in upcoming if r["plan_id"] == plan["id"]][:20] if plan else [])


def _form_of(plan: dict) -> dict:
    """A stored plan in the form's field names."""
    rule = plan["rule"]
    return {**plan, "weekdays": [str(d) for d in rule.get("weekdays", [])], "day": rule.get("day"),
            "nth": rule.get("nth"), "weekday": rule.get("weekday"), "month": rule.get("month"),
            "monthly_mode": "nth" if rule.get("nth") else "day", "pool": plan["pool"],
            "risk_up_on": plan["risk"].get("up_on"), "risk_down_after": plan["risk"].get("down_after"),
            "requires_qualification": "yes" if plan["requires_qualification"] else ""}


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    """Add a plan to one site's programme; its next 90 days are scheduled at once."""
    db = get_db()
    sites = stations.list_sites(db, managed_sites())
    site = ensure_found(stations.get_site(db, request.values.get("site_id") or sites[0]["id"]), MANAGE,
                        site_key="id")
    paired.ensure_planned_here(db)  # a paired site server: say so before the form, not after it
    if request.method == "POST":
        form = request.form.to_dict() | {"weekdays": request.form.getlist("weekdays"),
                                         "pool": request.form.getlist("pool")}
        forms.rerender_on_refusal(lambda error: _page(site, None, form, error))
        plan = plans.create_plan(db, site, _fields(request.form), by=current_user.id)
        made = generate.generate_plan(db, plan, date.fromisoformat(site_today(site)))
        flash(f"Plan added; {made} audit{'s' if made != 1 else ''} scheduled.", "success")
        return redirect(url_for("programme.plan", plan_id=plan["id"]), 303)
    return _page(site, None, {"starts_on": site_today(site), "frequency": "monthly", "window_days": 5,
                              "monthly_mode": "day", "active": "yes"}, None)


@bp.route("/plans/<plan_id>", methods=["GET", "POST"])
def plan(plan_id):
    """One plan: its settings, warnings and next occurrences; saving re-makes the occurrences not yet started."""
    db = get_db()
    found = ensure_found(plans.get_plan(db, plan_id), MANAGE)
    site = stations.get_site(db, found["site_id"])
    if request.method == "POST":
        form = request.form.to_dict() | {"weekdays": request.form.getlist("weekdays"),
                                         "pool": request.form.getlist("pool")}
        forms.rerender_on_refusal(lambda error: _page(site, found, form, error))
        today = site_today(site)
        changed = plans.update_plan(db, found, _fields(request.form), today)
        generate.generate_plan(db, changed, date.fromisoformat(today))
        flash("Plan saved.", "success")
        return redirect(url_for("programme.plan", plan_id=plan_id), 303)
    return _page(site, found, _form_of(found), None)
