"""Summary PDFs: one CAPA's report, and a site's summary for a period (with the small form that picks it)."""
from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from .. import jobs
from ..appdb import get_db
from ..auth.access import ensure_found
from ..capa import access as capa_access
from ..responses import pdf_response
from ..stations import data as stations
from . import build, capa_pdf, site_pdf

bp = Blueprint("summaries", __name__)


@bp.get("/capa/<capa_id>/report.pdf")
def capa_report(capa_id):
    """One CAPA as PDF, for whoever may open its page."""
    capa = capa_access.readable(get_db(), capa_id)
    return pdf_response(capa_pdf.build(capa, **capa_pdf.collect(get_db(), capa)), f"{capa['number']}.pdf")


def _site(site_id: str) -> dict:
    return ensure_found(stations.get_site(get_db(), site_id), "view_audits", site_key="id")


def _period(site: dict, args) -> tuple[date, date]:
    """The from/to dates of the query string or form (default: the last 90 days); 400 with the reason otherwise."""
    start, end = site_pdf.default_period(site["timezone"])
    parsed = {}
    for key, default in (("from", start), ("to", end)):
        raw = (args.get(key) or "").strip()
        try:
            parsed[key] = date.fromisoformat(raw) if raw else default
        except ValueError:
            abort(400, description=f"The '{key}' date {raw!r} is not a date; write it as YYYY-MM-DD, "
                                   "e.g. 2026-01-31.")
    if parsed["from"] > parsed["to"]:
        abort(400, description=f"The period starts ({parsed['from']}) after it ends ({parsed['to']}); "
                               "swap the dates.")
    return parsed["from"], parsed["to"]


@bp.get("/sites/<site_id>/summary")
def site_form(site_id):
    """Choose the period of a site summary (the last 90 days unless changed)."""
    site = _site(site_id)
    start, end = site_pdf.default_period(site["timezone"])
    return render_template("reports/site_form.html", site=site, start=start, end=end)


@bp.get("/sites/<site_id>/summary.pdf")
def site_summary(site_id):
    """A site's audits, scores, findings and CAPAs for a period, as PDF (made while the browser waits)."""
    site = _site(site_id)
    start, end = _period(site, request.args)
    return pdf_response(build.make_site_pdf(get_db(), site, start, end), build.site_filename(site, start, end))


@bp.post("/sites/<site_id>/summary")
def start_site_summary(site_id):
    """Start the site summary as a background job; the answer is the progress fragment."""
    site = _site(site_id)
    start, end = _period(site, request.form)
    job = jobs.submit(current_app.config, "site_summary_pdf",
                      {"site_id": site_id, "from": start.isoformat(), "to": end.isoformat()}, by=current_user.id,
                      site_id=site_id, permission="view_audits", title=f"Summary {site['code']}",
                      filename=build.site_filename(site, start, end),
                      work=lambda db, progress: build.make_site_pdf(db, site, start, end, progress))
    return render_template("reports/_job.html", job=job)
