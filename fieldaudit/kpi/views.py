"""KPI dashboards: per site and across the person's sites, their CSV tables, the records behind a mark, and the
management-review pack."""
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from .. import jobs
from ..appdb import get_db
from ..auth.access import ensure_found, sites_with
from ..checklists import SEVERITY_LABELS
from ..reports.export import to_csv
from ..responses import csv_response, pdf_response
from ..stations import data as stations
from . import dashboard, records as kpi_records, review
from .findings import DEFAULT_REPEAT_MONTHS
from .scope import default_period, make_scope

bp = Blueprint("kpi", __name__, url_prefix="/kpi")

PERMISSION = "view_reports"
REFUSED = "The KPI dashboards are for quality managers and administrators."


def _sites(args: dict) -> list[dict]:
    """The sites asked for: the one of site_id (guarded), else every site where the person may see KPIs."""
    db = get_db()
    site_id = args.get("site_id") or None
    if site_id:
        return [ensure_found(stations.get_site(db, site_id), PERMISSION, site_key="id")]
    return stations.list_sites(db, sites_with(PERMISSION, message=REFUSED))


def _scope(sites: list[dict], args: dict):
    """The scope of the request's period (from/to, default the last 12 months); 400 with the reason otherwise."""
    if not sites:
        abort(404)
    start, end = default_period(sites[0]["timezone"])
    parsed = {}
    for key, default in (("from", start), ("to", end)):
        raw = (args.get(key) or "").strip()
        try:
            parsed[key] = date.fromisoformat(raw) if raw else default
        except ValueError:
            abort(400, description=f"The '{key}' date {raw!r} is not a date; write it as YYYY-MM-DD.")
    if parsed["from"] > parsed["to"]:
        abort(400, description="The period starts after it ends; swap the dates.")
    if (parsed["to"] - parsed["from"]).days > 366 * 5:
        abort(400, description="Choose a period of at most five years.")
    return make_scope(sites, parsed["from"], parsed["to"])


def _repeat_months(args: dict) -> int:
    raw = args.get("repeat_months") or ""
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 36 else DEFAULT_REPEAT_MONTHS


def _query(scope, args: dict, **extra) -> dict:
    """The filters of the page as query parameters for its links."""
    query = {"from": scope.start.isoformat(), "to": scope.end.isoformat()}
    if args.get("site_id"):
        query["site_id"] = scope.sites[0]["id"]
    if args.get("repeat_months"):
        query["repeat_months"] = str(_repeat_months(args))
    return query | {k: v for k, v in extra.items() if v is not None}


def _encode(query: dict) -> str:
    """A query string as url_for writes it (werkzeug's safe characters)."""
    return urlencode(query, safe="!$'()*,/:;?@")


def linker(scope, args: dict):
    """`link(kind, **filters)`: the URL of the records behind a mark, as url_for writes it."""
    # A page has ~500 of them: url_for for each cost a third of the page, so the path and the filters common to
    # all are encoded once (parameters in url_for's order: kind, the page's filters, the mark's).
    base, common = url_for("kpi.records"), _encode(_query(scope, args))

    def link(kind, **filters):
        extra = _encode({k: v for k, v in filters.items() if v is not None})
        return f"{base}?{_encode({'kind': kind})}&{common}" + (f"&{extra}" if extra else "")
    return link


def _dashboard(args: dict):
    sites = _sites(args)
    scope = _scope(sites, args)
    data = dashboard.collect(get_db(), scope, _repeat_months(args), page=True)
    choices = stations.list_sites(get_db(), sites_with(PERMISSION, message=REFUSED))
    return render_template("kpi/index.html", data=data, scope=scope, headline=dashboard.headline(data),
                           tables=dashboard.tables(data), charts=dashboard.chart_set(data, linker(scope, args)),
                           choices=choices, site_id=args.get("site_id") or "", query=_query(scope, args),
                           single=scope.sites[0] if args.get("site_id") else None)


@bp.get("/")
def index():
    """The dashboard across the person's sites, or one of them (site_id), for a period."""
    return _dashboard(request.args.to_dict())


@bp.get("/sites/<site_id>")
def site(site_id):
    """One site's dashboard (the same page with the site chosen)."""
    return _dashboard(request.args.to_dict() | {"site_id": site_id})


@bp.get("/<name>.csv")
def table_csv(name):
    """One of the dashboard's tables as CSV, for the same sites and period."""
    args = request.args.to_dict()
    scope = _scope(_sites(args), args)
    table = dashboard.tables(dashboard.collect(get_db(), scope, _repeat_months(args))).get(name)
    if table is None:
        abort(404)
    return csv_response(to_csv(table.columns, table.rows), f"{name}-{scope.start}-{scope.end}")


@bp.get("/records")
def records():
    """The records behind a chart's mark: audits, findings or CAPAs, with links to each."""
    kind = request.args.get("kind", "")
    if kind not in kpi_records.KINDS:
        abort(404)
    args = request.args.to_dict()
    scope = _scope(_sites(args), args)
    filters = {k: args.get(k) for k in ("month", "checklist_id", "area_id", "workstation_id", "severity",
                                                "clause", "overdue", "age", "closed")}
    rows = kpi_records.records(get_db(), scope, kind, filters)
    return render_template("kpi/records.html", kind=kind, rows=rows, scope=scope, filters=filters,
                           severity_labels=SEVERITY_LABELS, back=url_for("kpi.index", **_query(scope, args)),
                           limit=kpi_records.LIMIT)


def _review_site(site_id: str) -> dict:
    return ensure_found(stations.get_site(get_db(), site_id), PERMISSION, site_key="id")


@bp.get("/sites/<site_id>/review.pdf")
def review_pdf(site_id):
    """The management-review pack of a site and period, made while the browser waits (no JavaScript)."""
    site = _review_site(site_id)
    args = request.args.to_dict()
    scope = _scope([site], args)
    return pdf_response(review.make(get_db(), scope, _repeat_months(args)), review.filename(scope))


@bp.post("/sites/<site_id>/review")
def start_review(site_id):
    """Make the management-review pack as a background job; the answer is the progress fragment."""
    site = _review_site(site_id)
    args = request.form.to_dict()
    scope = _scope([site], args)
    months = _repeat_months(args)
    job = jobs.submit(current_app.config, "management_review_pdf",
                      {"site_id": site_id, "from": scope.start.isoformat(), "to": scope.end.isoformat(),
                       "repeat_months": months}, by=current_user.id, site_id=site_id, permission=PERMISSION,
                      title=f"Management review {site['code']}", filename=review.filename(scope),
                      work=lambda db, progress: review.make(db, scope, months, progress))
    return render_template("reports/_job.html", job=job)
