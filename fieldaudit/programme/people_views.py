"""People of the programme: own areas and qualifications per site; LPA layers per site; LPA question pools."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import forms
from ..appdb import get_db
from ..auth.access import ensure_found, sites_with
from ..checklists import store as checklist_store
from ..stations import data as stations
from . import lpa, people, schedule
from .blueprint import MANAGE, bp, managed_sites, site_today


def _site() -> dict:
    db = get_db()
    sites = stations.list_sites(db, managed_sites())
    return ensure_found(stations.get_site(db, request.values.get("site_id") or sites[0]["id"]), MANAGE,
                        site_key="id")


def _person_at(site: dict, user_id: str) -> dict:
    """Someone who audits at the site (404 otherwise: a quality manager keeps records of their own site's people)."""
    person = next((p for p in people.auditors_at(get_db(), site["id"]) if p["id"] == user_id), None)
    if person is None:
        abort(404)
    return person


def _people_page(site: dict, error: str | None = None, form: dict | None = None):
    db = get_db()
    auditors = people.auditors_at(db, site["id"])
    records = people.qualifications_of(db, [a["id"] for a in auditors])
    today = site_today(site)
    for record in records:
        record["valid"] = record["trained_on"] <= today and (record["expires_on"] is None
                                                             or record["expires_on"] >= today)
    return render_template("programme/people.html", site=site, auditors=auditors, records=records,
                           own=people.home_areas(db, site["id"]), areas=stations.list_areas(db, site["id"]),
                           checklists=checklist_store.list_checklists(db), error=error, form=form or {},
                           sites=stations.list_sites(db, managed_sites()), today=today)


@bp.get("/people")
def people_page():
    """A site's auditors: their own area (impartiality) and training records."""
    return _people_page(_site())


@bp.post("/people/<user_id>/home-area")
def set_home_area(user_id):
    """Set the area a person works in at this site; they are not scheduled to audit it."""
    site = _site()
    _person_at(site, user_id)
    people.set_home_area(get_db(), user_id, site["id"], request.form.get("area_id") or None)
    flash("Own area saved.", "success")
    return redirect(url_for("programme.people_page", site_id=site["id"]), 303)


@bp.post("/people/<user_id>/qualifications")
def add_qualification(user_id):
    """Record a training for one checklist or a standard, with its date, expiry and evidence."""
    site = _site()
    _person_at(site, user_id)
    form = request.form.to_dict()
    forms.rerender_on_refusal(lambda error: _people_page(site, error, form))
    # The subject is a checklist ("c:<id>") or, when none is chosen, the standard typed in.
    subject = form.get("subject", "")
    checklist_id = subject[2:] if subject.startswith("c:") else None
    people.add_qualification(get_db(), user_id, checklist_id=checklist_id,
                             standard=None if checklist_id else form.get("standard"),
                             trained_on=form.get("trained_on", ""), expires_on=form.get("expires_on") or None,
                             evidence=form.get("evidence", ""), by=current_user.id)
    flash("Training recorded.", "success")
    return redirect(url_for("programme.people_page", site_id=site["id"]), 303)


def _layers_page(site: dict, error: str | None):
    db = get_db()
    return render_template("programme/layers.html", site=site, layers=lpa.list_layers(db, site["id"]), error=error,
                           frequencies=schedule.FREQUENCY_LABELS, checklists=checklist_store.list_checklists(db),
                           pooled=lpa.pooled_checklists(db))


@bp.route("/layers", methods=["GET", "POST"])
def layers():
    """A site's LPA layers (who audits how often), editable; the usual three to start with."""
    db = get_db()
    site = _site()
    if request.method == "POST":
        forms.rerender_on_refusal(lambda error: _layers_page(site, error))
        if request.form.get("defaults"):
            lpa.ensure_default_layers(db, site["id"])
        else:
            lpa.save_layer(db, site["id"], request.form.get("key", ""), request.form.get("name", ""),
                           request.form.get("frequency", ""), int(request.form.get("position") or 0))
        flash("Layers saved.", "success")
        return redirect(url_for("programme.layers", site_id=site["id"]), 303)
    return _layers_page(site, None)


@bp.route("/pools/<checklist_id>", methods=["GET", "POST"])
def pool(checklist_id):
    """An LPA checklist's question pool: how many questions each audit draws, which are always asked."""
    sites_with("manage_checklists", message="Checklists are managed by quality managers.")
    db = get_db()
    head = next((c for c in checklist_store.list_checklists(db, active_only=False) if c["id"] == checklist_id), None)
    if head is None:
        abort(404)
    checklist = checklist_store.load_version(db, head["version_id"])
    settings = lpa.get_pool(db, checklist_id) or {"draw_count": min(5, head["question_count"]), "must_ask": [],
                                                  "recheck_days": 30}

    def page(error):
        return render_template("programme/pool.html", head=head, checklist=checklist, settings=settings,
                               error=error)
    if request.method == "POST":
        forms.rerender_on_refusal(page)
        try:
            count, days = int(request.form.get("draw_count") or 0), int(request.form.get("recheck_days") or 0)
        except ValueError:
            count, days = 0, -1
        lpa.set_pool(db, checklist, checklist_id, count, request.form.getlist("must_ask"), days)
        flash("Question pool saved.", "success")
        return redirect(url_for("programme.pool", checklist_id=checklist_id), 303)
    return page(None)
