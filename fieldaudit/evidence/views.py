"""Evidence pages: upload photos (htmx, with progress), serve them behind the site check, caption, annotate."""
import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from .. import htmx
from ..appdb import get_blob_store as blob_store
from ..appdb import get_db
from ..audits import data as audits
from ..audits import pages
from ..auth.access import ensure_found, ensure_owner
from . import data, decoding
from .limits import from_config

bp = Blueprint("evidence", __name__)
bp.record_once(lambda state: decoding.configure(from_config(state.app.config).decode_slots))


@bp.before_app_request
def limit_photo_count():
    """Refuse a request carrying more photos than PHOTO_MAX_FILES, whichever form sent them (upload, section)."""
    if request.method == "POST" and request.files:
        data.check_count(sum(1 for _, f in request.files.items(multi=True) if f and f.filename), limits())


def limits() -> data.Limits:
    """Pipeline bounds from configuration."""
    return from_config(current_app.config)


def _evidence(evidence_id: str) -> dict:
    """A photo the current user may see: the same site check as its audit."""
    return ensure_found(data.get(get_db(), evidence_id), "view_audits")


def _own(evidence_id: str) -> dict:
    """A photo of an audit the current user runs at its site (whether it is still open is the data layer's
    refusal)."""
    return ensure_owner(ensure_found(data.get(get_db(), evidence_id), "run_audits"), "auditor_id",
                        "Only the auditor running this audit can change its photos.")


def refreshed_target(audit: dict, question_id: str | None, finding_id: str | None):
    """The htmx answer after a photo change: the question (with progress) or the finding, re-rendered."""
    db = get_db()
    if question_id:
        checklist = audits.checklist_of(db, audit)
        question = checklist.question(question_id)
        ctx = pages.section_context(db, audit, checklist.section_of(question_id).id, saved_question=question_id)
        return render_template("audits/_answer_saved.html", q=question, changed=[], **ctx)
    return render_template("audits/_finding.html", **pages.finding_context(db, audit, finding_id, current_user.id))


@bp.post("/audits/<audit_id>/evidence")
def upload(audit_id):
    """Attach one or more photos to a question or a finding; refused whole (nothing stored) on any bad file."""
    db = get_db()
    audit = ensure_owner(ensure_found(audits.get_audit(db, audit_id), "run_audits"), "auditor_id",
                         "Only the auditor running this audit can add photos.")
    question_id = request.form.get("question_id") or None
    finding_id = request.form.get("finding_id") or None
    # The browser's file name is never used: blobs are named by their content hash.
    # Inside a section form each photo question names its own file field; the findings page sends "photos".
    files = request.files.getlist(f"photos-{question_id}") if question_id else []
    uploads = [f.read() for f in files or request.files.getlist("photos") if f and (f.filename or f.content_length)]
    data.attach(db, blob_store(), audit, uploads, by=current_user.id, question_id=question_id,
                finding_id=finding_id, caption=request.form.get("caption", ""), limits=limits())
    if htmx.is_htmx():
        return refreshed_target(audit, question_id, finding_id)
    flash("Photo attached." if len(uploads) == 1 else f"{len(uploads)} photos attached.", "success")
    return redirect(_back(audit, question_id), 303)


def _back(audit: dict, question_id: str | None) -> str:
    if question_id:
        checklist = audits.checklist_of(get_db(), audit)
        return url_for("audits.section", audit_id=audit["id"], section_id=checklist.section_of(question_id).id,
                       _anchor=f"q-{question_id}")
    return url_for("audits.findings", audit_id=audit["id"])


def _send(sha: str):
    store = blob_store()
    if not store.exists(sha):
        abort(404, description="This photo's file is missing from the data folder.")
    # Not cached (security.set_headers): the site check must run for every view of a photo.
    return send_file(store.path(sha), mimetype="image/jpeg", etag=sha, conditional=True)


@bp.get("/evidence/<evidence_id>/image")
def image(evidence_id):
    """The stored (bounded, metadata-free) photo."""
    return _send(_evidence(evidence_id)["sha256"])


@bp.get("/evidence/<evidence_id>/thumb")
def thumb(evidence_id):
    """The photo's thumbnail."""
    return _send(_evidence(evidence_id)["thumb_sha256"])


@bp.get("/evidence/<evidence_id>")
def show(evidence_id):
    """The full-size viewer with caption and facts."""
    ev = _evidence(evidence_id)
    audit = audits.get_audit(get_db(), ev["audit_id"])
    return render_template("evidence/show.html", ev=ev, audit=audit,
                           editable=pages.editable(audit, current_user.id))


@bp.post("/evidence/<evidence_id>/caption")
def caption(evidence_id):
    """Change a photo's caption."""
    ev = _own(evidence_id)
    data.set_caption(get_db(), ev, request.form.get("caption", ""))
    if htmx.is_htmx():
        return refreshed_target(audits.get_audit(get_db(), ev["audit_id"]), ev["question_id"], ev["finding_id"])
    return redirect(url_for("evidence.show", evidence_id=evidence_id), 303)


@bp.post("/evidence/<evidence_id>/delete")
def delete(evidence_id):
    """Remove a photo while the audit is open."""
    ev = _own(evidence_id)
    data.delete(get_db(), blob_store(), ev)
    audit = audits.get_audit(get_db(), ev["audit_id"])
    if htmx.is_htmx():
        return refreshed_target(audit, ev["question_id"], ev["finding_id"])
    flash("Photo removed.", "success")
    return redirect(_back(audit, ev["question_id"]), 303)


@bp.route("/evidence/<evidence_id>/annotate", methods=["GET", "POST"])
def annotate(evidence_id):
    """Draw arrows, circles or boxes on a copy; the original stays as it was."""
    ev = _own(evidence_id)
    db = get_db()
    audit = audits.get_audit(db, ev["audit_id"])
    if request.method == "POST":
        try:
            shapes = json.loads(request.form.get("shapes") or "[]")
        except json.JSONDecodeError:
            abort(400, description="The drawing could not be read; draw again and save.")
        copy = data.annotate(db, blob_store(), ev, shapes, by=current_user.id, audit=audit, limits=limits())
        flash("Annotated copy saved beside the original.", "success")
        return redirect(url_for("evidence.show", evidence_id=copy["id"]), 303)
    return render_template("evidence/annotate.html", ev=ev, audit=audit)
