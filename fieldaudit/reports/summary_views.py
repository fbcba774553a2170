"""Summary PDFs: one CAPA's report, and a site's summary for a period (with the small form that picks it)."""
from datetime import date

from flask import Blueprint, Response, abort, render_template, request

from ..appdb import get_db
from ..auth.access import ensure_found
from ..capa.views import _capa
from ..stations import data as stations
from . import capa_pdf, site_pdf

bp = Blueprint("summaries", __name__)


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})


@bp.get("/capa/<capa_id>/report.pdf")
def capa_report(capa_id):
    """One CAPA as PDF, for whoever may open its page."""
    capa = _capa(capa_id)
    return _pdf(capa_pdf.build(capa, **capa_pdf.collect(get_db(), capa)), capa["number"])


def _site(site_id: str) -> dict:
    return ensure_found(stations.get_site(get_db(), site_id), "view_audits", site_key="id")


def _period(site: dict) -> tuple[date, date]:
    """The from/to dates of the query string (default: the last 90 days); 400 with the reason otherwise."""
    start, end = site_pdf.default_period(site["timezone"])
    parsed = {}
    for key, default in (("from", start), ("to", end)):
        raw = (request.args.get(key) or "").strip()
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
    """A site's audits, scores, findings and CAPAs for a period, as PDF."""
    site = _site(site_id)
    start, end = _period(site)
    summary = site_pdf.collect(get_db(), site, start, end)
    return _pdf(site_pdf.build(summary), f"summary-{site['code']}-{start}-{end}")
