"""Site, area and workstation pages, and their admin forms (the standalone site server's authority)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import forms, htmx, settings
from ..appdb import get_db
from ..audits import data as audits
from ..auth.access import ensure, ensure_found
from . import data

bp = Blueprint("stations", __name__)


def _site_or_404(site_id: str, permission: str) -> dict:
    return ensure_found(data.get_site(get_db(), site_id), permission, site_key="id")


def _managed_site(site_id: str) -> dict:
    """A site the user may change, while this server is the authority for reference data."""
    site = _site_or_404(site_id, "manage_site")
    data.ensure_editable(get_db())
    return site


def _site_form(site: dict | None, form):
    """A site form that re-renders with the reason when what was typed is refused."""
    forms.rerender_on_refusal(lambda error: render_template("stations/site_form.html", site=site, form=form,
                                                            error=error, time_zones=data.time_zones()))


@bp.get("/sites")
def index():
    """The sites this user works at."""
    db = get_db()
    sites = data.list_sites(db, current_user.site_ids_with("view_site"))
    return render_template("stations/index.html", sites=sites,
                           can_create=current_user.can("manage_site") and not settings.hub_paired(db))


@bp.route("/sites/new", methods=["GET", "POST"])
def create():
    """Create a site (group administrators only)."""
    ensure("manage_site", None)
    db = get_db()
    data.ensure_editable(db)
    form = request.form
    if request.method == "POST":
        _site_form(None, form)
        site = data.create_site(db, form.get("code", ""), form.get("name", ""), form.get("timezone", ""),
                                form.get("address", ""))
        flash(f"Site {site['code']} created. Add its areas and workstations next.", "success")
        return redirect(url_for("stations.show", site_id=site["id"]), 303)
    return render_template("stations/site_form.html", site=None, form={"timezone": "Europe/Berlin"},
                           error=None, time_zones=data.time_zones())


@bp.get("/sites/<site_id>")
def show(site_id):
    """A site: its areas and workstations."""
    site = _site_or_404(site_id, "view_site")
    return render_template("stations/show.html", **_site_context(site))


def _site_context(site: dict, **extra) -> dict:
    db = get_db()
    return {
        "site": site,
        "areas": data.list_areas(db, site["id"]),
        "workstations": data.list_workstations(db, site["id"]),
        "can_manage": current_user.can("manage_site", site["id"]) and not settings.hub_paired(db),
        "can_audit": current_user.can("run_audits", site["id"]),
        "paired": settings.hub_paired(db),
        "area_error": None, "ws_error": None, "form": {},
        **extra,
    }


@bp.route("/sites/<site_id>/edit", methods=["GET", "POST"])
def update(site_id):
    """Rename a site or change its time zone."""
    site = _managed_site(site_id)
    db = get_db()
    if request.method == "POST":
        form = request.form
        _site_form(site, form)
        data.update_site(db, site_id, form.get("name", ""), form.get("timezone", ""), form.get("address", ""))
        flash("Site saved.", "success")
        return redirect(url_for("stations.show", site_id=site_id), 303)
    return render_template("stations/site_form.html", site=site, form=site, error=None,
                           time_zones=data.time_zones())


def _structure_form(site: dict, error_key: str) -> None:
    """The areas-and-workstations panel (htmx) or page, re-rendered with what was typed and why it was refused."""
    forms.rerender_on_refusal(lambda error: htmx.render(
        "stations/show.html", "stations/_structure.html", **_site_context(site, form=request.form,
                                                                             **{error_key: error})))


@bp.post("/sites/<site_id>/areas")
def create_area(site_id):
    """Add an area; htmx gets the refreshed areas panel, a plain form post a redirect."""
    site = _managed_site(site_id)
    _structure_form(site, "area_error")
    data.create_area(get_db(), site_id, request.form.get("code", ""), request.form.get("name", ""))
    if htmx.is_htmx():
        return htmx.render("stations/show.html", "stations/_structure.html", **_site_context(site))
    flash("Area added.", "success")
    return redirect(url_for("stations.show", site_id=site_id), 303)


@bp.post("/sites/<site_id>/workstations")
def create_workstation(site_id):
    """Add a workstation; same page-or-fragment answer as areas."""
    site = _managed_site(site_id)
    form = request.form
    _structure_form(site, "ws_error")
    data.create_workstation(get_db(), site_id, form.get("area_id") or None, form.get("code", ""),
                            form.get("name", ""), form.get("description", ""))
    if htmx.is_htmx():
        return htmx.render("stations/show.html", "stations/_structure.html", **_site_context(site))
    flash("Workstation added.", "success")
    return redirect(url_for("stations.show", site_id=site_id), 303)


@bp.get("/workstations/<workstation_id>")
def workstation(workstation_id):
    """One workstation."""
    db = get_db()
    ws = ensure_found(data.get_workstation(db, workstation_id), "view_site")
    recent = audits.list_audits(db, site_ids=[ws["site_id"]], workstation_id=ws["id"], limit=10) \
        if current_user.can("view_audits", ws["site_id"]) else []
    return render_template("stations/workstation.html", ws=ws, recent=recent,
                           can_manage=current_user.can("manage_site", ws["site_id"]),
                           can_audit=current_user.can("run_audits", ws["site_id"]))


@bp.route("/workstations/<workstation_id>/edit", methods=["GET", "POST"])
def update_workstation(workstation_id):
    """Rename or move a workstation; its label code stays."""
    db = get_db()
    ws = ensure_found(data.get_workstation(db, workstation_id), "manage_site")
    data.ensure_editable(db)
    areas = data.list_areas(db, ws["site_id"])
    if request.method == "POST":
        form = request.form
        forms.rerender_on_refusal(lambda error: render_template("stations/workstation_form.html", ws=ws,
                                                                areas=areas, form=form, error=error))
        data.update_workstation(db, workstation_id, form.get("name", ""), form.get("area_id") or None,
                                form.get("description", ""), form.get("active") == "on")
        flash("Workstation saved.", "success")
        return redirect(url_for("stations.workstation", workstation_id=workstation_id), 303)
    return render_template("stations/workstation_form.html", ws=ws, areas=areas, form=ws, error=None)
