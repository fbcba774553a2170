"""Report pages: PDF of an audit with progress, its JSON export, CSV exports, and any background job's progress."""
import json

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from flask_login import current_user

from .. import jobs
from ..appdb import blob_store_of, get_blob_store, get_db
from ..audits import data as audits
from ..auth.access import ensure, ensure_found, sites_with
from ..responses import csv_response, pdf_response
from . import build, export

bp = Blueprint("reports", __name__)


@bp.get("/audits/<audit_id>/report.pdf")
def audit_report_pdf(audit_id):
    """The PDF made while the browser waits (the plain link; pages with htmx use the job with progress)."""
    db = get_db()
    audit = ensure_found(audits.get_audit(db, audit_id), "view_audits")
    return pdf_response(build.make_audit_pdf(db, get_blob_store(), audit_id), build.audit_filename(audit))


@bp.post("/audits/<audit_id>/report")
def start_audit_report(audit_id):
    """Start the PDF; the answer is a progress fragment that polls until the file is ready."""
    audit = ensure_found(audits.get_audit(get_db(), audit_id), "view_audits")
    store = blob_store_of(current_app)
    job = jobs.submit(current_app.config, "audit_pdf", {"audit_id": audit_id}, by=current_user.id,
                      site_id=audit["site_id"], permission="view_audits", title=f"Report {audit['number']}",
                      filename=build.audit_filename(audit),
                      work=lambda db, progress: build.make_audit_pdf(db, store, audit_id, progress))
    return render_template("reports/_job.html", job=job)


def _job(job_id: str) -> dict:
    """A job of the current user that they may still see; 404 for anyone else's."""
    job = jobs.get(get_db(), job_id, current_user.id)
    if job is None:
        abort(404, description="This report is no longer available; ask for it again.")
    ensure(job["permission"] or "view_site", job["site_id"])
    return job


@bp.get("/reports/jobs/<job_id>")
def job_status(job_id):
    """Progress of any background job (htmx polls this fragment)."""
    return render_template("reports/_job.html", job=_job(job_id))


@bp.get("/reports/jobs/<job_id>/file")
def job_file(job_id):
    """The finished job's file."""
    job = _job(job_id)
    if not job["finished"]:
        abort(409, description="The report is not ready yet.")
    path = jobs.file_of(current_app.config, job)
    if path is None:
        abort(404, description="This report is no longer available; ask for it again.")
    return send_file(path, as_attachment=True, download_name=job["filename"])


@bp.get("/audits/<audit_id>/export.json")
def audit_json(audit_id):
    """Everything about one audit as JSON (for integrations); its SHA-256 is the PDF's integrity hash."""
    db = get_db()
    ensure_found(audits.get_audit(db, audit_id), "view_audits")
    data = export.audit_export(db, audit_id)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(body, mimetype="application/json",
                    headers={"X-Integrity-Hash": export.integrity_hash(data),
                             "Content-Disposition": f'inline; filename="{data["audit"]["number"]}.json"'})


def _listed():
    args = request.args
    if args.get("site_id"):
        ensure("view_audits", args["site_id"])
        site_ids = [args["site_id"]]
    else:
        site_ids = sites_with("view_audits")
    return audits.list_audits(get_db(), site_ids=site_ids, status=args.get("status") or None,
                              checklist_id=args.get("checklist_id") or None, limit=5000)


@bp.get("/reports/audits.csv")
def audits_csv():
    """The (filtered) audits as CSV."""
    return csv_response(export.audits_csv(_listed()), "audits")


@bp.get("/reports/answers.csv")
def answers_csv():
    """Every answer of the (filtered) audits as CSV."""
    return csv_response(export.answers_csv(get_db(), _listed()), "answers")


@bp.get("/reports/findings.csv")
def findings_csv():
    """Every finding of the (filtered) audits with its CAPA, as CSV."""
    return csv_response(export.findings_csv(get_db(), _listed()), "findings")

