"""Site, area and workstation pages, and their admin forms (the standalone site server's authority)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import htmx, settings
from ..appdb import get_db
from ..auth.access import ensure, ensure_found
from . import data

bp = Blueprint("stations", __name__)


def _site_or_404(site_id: str, permission: str) -> dict:
    return ensure_found(data.get_site(get_db(), site_id), permission, site_key="id")


def _managed_site(site_id: str) -> dict:
    """A site the user may change, while this server is the authority for reference data."""
    site = _site_or_404(site_id, "manage_site")
    _ensure_editable()
    return site


def _ensure_editable() -> None:
    try:
        data.ensure_editable(get_db())
    except data.StationError as exc:
        abort(409, description=str(exc))


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
    _ensure_editable()
    db = get_db()
    form = request.form
    if request.method == "POST":
        try:
            site = data.create_site(db, form.get("code", ""), form.get("name", ""), form.get("timezone", ""),
                                    form.get("address", ""))
        except data.StationError as exc:
            return render_template("stations/site_form.html", site=None, form=form, error=str(exc),
                                   time_zones=data.time_zones()), 422
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
        try:
            data.update_site(db, site_id, form.get("name", ""), form.get("timezone", ""), form.get("address", ""))
        except data.StationError as exc:
            return render_template("stations/site_form.html", site=site, form=form, error=str(exc),
                                   time_zones=data.time_zones()), 422
        flash("Site saved.", "success")
        return redirect(url_for("stations.show", site_id=site_id), 303)
    return render_template("stations/site_form.html", site=site, form=site, error=None,
                           time_zones=data.time_zones())


@bp.post("/sites/<site_id>/areas")
def create_area(site_id):
    """Add an area; htmx gets the refreshed areas panel, a plain form post a redirect."""
    site = _managed_site(site_id)
    error = None
    try:
        data.create_area(get_db(), site_id, request.form.get("code", ""), request.form.get("name", ""))
    except data.StationError as exc:
        error = str(exc)
    if htmx.is_htmx():
        return htmx.render("stations/show.html", "stations/_structure.html", 422 if error else 200,
                           **_site_context(site, area_error=error, form=request.form if error else {}))
    if error:
        return render_template("stations/show.html", **_site_context(site, area_error=error, form=request.form)), 422
    flash("Area added.", "success")
    return redirect(url_for("stations.show", site_id=site_id), 303)


@bp.post("/sites/<site_id>/workstations")
def create_workstation(site_id):
    """Add a workstation; same page-or-fragment answer as areas."""
    site = _managed_site(site_id)
    form = request.form
    error = None
    try:
        data.create_workstation(get_db(), site_id, form.get("area_id") or None, form.get("code", ""),
                                form.get("name", ""), form.get("description", ""))
    except data.StationError as exc:
        error = str(exc)
    if htmx.is_htmx():
        return htmx.render("stations/show.html", "stations/_structure.html", 422 if error else 200,
                           **_site_context(site, ws_error=error, form=form if error else {}))
    if error:
        return render_template("stations/show.html", **_site_context(site, ws_error=error, form=form)), 422
    flash("Workstation added.", "success")
    return redirect(url_for("stations.show", site_id=site_id), 303)


@bp.get("/workstations/<workstation_id>")
def workstation(workstation_id):
    """One workstation."""
    from ..audits import data as audits

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
    _ensure_editable()
    areas = data.list_areas(db, ws["site_id"])
    if request.method == "POST":
        form = request.form
        try:
            data.update_workstation(db, workstation_id, form.get("name", ""), form.get("area_id") or None,
                                    form.get("description", ""), form.get("active") == "on")
        except data.StationError as exc:
            return render_template("stations/workstation_form.html", ws=ws, areas=areas, form=form,
                                   error=str(exc)), 422
        flash("Workstation saved.", "success")
        return redirect(url_for("stations.workstation", workstation_id=workstation_id), 303)
    return render_template("stations/workstation_form.html", ws=ws, areas=areas, form=ws, error=None)
