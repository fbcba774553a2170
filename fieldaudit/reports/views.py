"""Report pages: PDF of an audit with progress, its JSON export, CSV exports of audits, answers and findings."""
import json

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from flask_login import current_user

from .. import config, ids
from ..appdb import blob_store_of, get_blob_store, get_db
from ..audits import data as audits
from ..auth.access import ensure, ensure_found
from . import audit_pdf, export, jobs

bp = Blueprint("reports", __name__)


def _load_photo_from(store):
    def load(sha):
        return store.path(sha).read_bytes() if sha and store.exists(sha) else None
    return load


def make_audit_pdf(db, store, audit_id: str, progress=lambda d, t, m: None) -> bytes:
    """The audit's PDF, from its export (also used by the CLI)."""
    audit = audits.get_audit(db, audit_id)
    data = export.audit_export(db, audit_id)
    return audit_pdf.build(data, integrity=export.integrity_hash(data), load_photo=_load_photo_from(store),
                           previous=export.previous_audit(db, audit), progress=progress)


@bp.get("/audits/<audit_id>/report.pdf")
def audit_report_pdf(audit_id):
    """The PDF made while the browser waits (the plain link; pages with htmx use the job with progress)."""
    db = get_db()
    audit = ensure_found(audits.get_audit(db, audit_id), "view_audits")
    pdf = make_audit_pdf(db, get_blob_store(), audit_id)
    name = f"{audit['number']}{'-DRAFT' if audit['status'] != 'submitted' else ''}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/audits/<audit_id>/report")
def start_audit_report(audit_id):
    """Start the PDF; the answer is a progress fragment that polls until the file is ready."""
    audit = ensure_found(audits.get_audit(get_db(), audit_id), "view_audits")
    app = current_app._get_current_object()
    path = config.database_path(app.config)

    def work(progress):
        from .. import db as dbm
        db = dbm.connect(path)
        try:
            return make_audit_pdf(db, blob_store_of(app), audit_id, progress)
        finally:
            db.conn.close()

    job = jobs.start(user_id=current_user.id, site_id=audit["site_id"], title=f"Report {audit['number']}",
                     filename=f"{audit['number']}{'-DRAFT' if audit['status'] != 'submitted' else ''}.pdf",
                     folder=config.blob_dir(app.config).parent / "reports", work=work)
    return render_template("reports/_job.html", job=job)


def _job(job_id: str) -> jobs.Job:
    job = jobs.get(job_id)
    if job is None or job.user_id != current_user.id:
        abort(404, description="This report is no longer available; ask for it again.")
    return job


@bp.get("/reports/jobs/<job_id>")
def job_status(job_id):
    """Progress of a report (htmx polls this fragment)."""
    return render_template("reports/_job.html", job=_job(job_id))


@bp.get("/reports/jobs/<job_id>/file")
def job_file(job_id):
    """The finished PDF."""
    job = _job(job_id)
    ensure("view_audits", job.site_id)
    if not job.finished or job.path is None:
        abort(409, description="The report is not ready yet.")
    return send_file(job.path, mimetype="application/pdf", as_attachment=True, download_name=job.filename)


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
    site_ids = current_user.site_ids_with("view_audits")
    if args.get("site_id"):
        ensure("view_audits", args["site_id"])
        site_ids = [args["site_id"]]
    elif site_ids == []:
        abort(403)
    return audits.list_audits(get_db(), site_ids=site_ids, status=args.get("status") or None,
                              checklist_id=args.get("checklist_id") or None, limit=5000)


def csv_response(body: str, name: str) -> Response:
    """CSV text as a download named after what it lists and when."""
    stamp = ids.utc_now().strftime("%Y%m%d-%H%M")
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'})


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

