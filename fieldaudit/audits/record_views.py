"""An audit's record: review and e-signed submission (password, drawn signatures), the read-only view."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..appdb import get_blob_store, get_db
from ..auth import esign, password_attempt
from ..forms import rerender_on_refusal
from ..refusal import Refusal
from ..auth.access import ensure_owner
from ..checklists import SEVERITY_LABELS, rules
from ..evidence import blobgc
from ..evidence import data as evidence
from . import data, pages, record
from .blueprint import audit_for, bp


@bp.route("/<audit_id>/submit", methods=["GET", "POST"])
def submit(audit_id):
    """Review what is missing, then sign (password again) and submit once."""
    db = get_db()
    audit = audit_for(audit_id, "run_audits")
    if audit["status"] == "submitted":
        if request.method == "POST":
            flash(f"Audit {audit['number']} was already submitted.", "info")
        return redirect(url_for("audits.show", audit_id=audit_id), 303 if request.method == "POST" else 302)
    ensure_owner(audit, "auditor_id", "Only the auditor running this audit can sign and submit it.")

    def page(error: str | None = None):
        # Read afresh: a refused submission (say, an item missing since the page was shown) lists what is missing now.
        checklist = data.checklist_of(db, audit)
        answers, score, _ = data.progress(db, audit, checklist)
        missing = rules.missing_for_submission(checklist, data.values(answers), data.photo_counts(db, audit_id),
                                               data.out_of_scope(audit))
        # A refused signature keeps everything typed and drawn but the password, so the auditee need not sign again.
        kept = {k: request.form.get(k, "") for k in ("confirm", "no_finding_needed", "auditee_name", "drawing",
                                                    "auditee_drawing")}
        kept.update({k: kept[k] if kept[k].startswith(DRAWING_PREFIX) else "" for k in ("drawing", "auditee_drawing")})
        return render_template("audits/submit.html", audit=audit, checklist=checklist, score=score,
                               missing=[(checklist.question(q), checklist.section_of(q), why) for q, why in missing],
                               findings=data.list_findings(db, audit_id), error=error, kept=kept,
                               severity_labels=SEVERITY_LABELS, out_of_scope=data.out_of_scope(audit),
                               suggested=[(checklist.question(p.question_id), checklist.section_of(p.question_id), p)
                                          for p in data.unraised_suggestions(db, audit, checklist)])

    if request.method == "GET":
        return page()
    rerender_on_refusal(page, statuses=(422, 429))
    if request.form.get("confirm") != "yes":
        raise Refusal("Confirm that you performed this audit.", 422)
    if request.form.get("no_finding_needed") != "yes" and data.unraised_suggestions(db, audit):
        raise Refusal("Some answers suggest a finding and none was raised: raise it, or confirm that no finding "
                      "is needed.", 422)
    signer = esign.verify_signature(db, current_user.id, request.form.get("password", ""),
                                    attempt=password_attempt())
    # Both drawings are checked before either is stored, so a refusal leaves no file behind.
    drawings = [signature_png(request.form.get(k)) for k in ("drawing", "auditee_drawing")]
    # A refused submission (an item missing since the review, …) leaves no drawing file behind.
    audit, created = blobgc.with_blobs(db, get_blob_store(), drawings, lambda drawing, auditee_drawing: record.submit(
        db, audit_id, signer, drawing_sha256=drawing, auditee_name=request.form.get("auditee_name", ""),
        auditee_drawing_sha256=auditee_drawing))
    flash(f"Audit {audit['number']} submitted and signed." if created
          else f"Audit {audit['number']} was already submitted.", "success")
    return redirect(url_for("audits.show", audit_id=audit_id), 303)


MAX_DRAWING_BYTES = 400_000
DRAWING_PREFIX = "data:image/png;base64,"


def signature_png(data_url: str | None) -> bytes | None:
    """A signature pad's PNG (a data: URL), checked and re-encoded so nothing but pixels is kept."""
    import base64
    import binascii
    import io

    from PIL import Image

    if not data_url:
        return None
    prefix = DRAWING_PREFIX
    if not data_url.startswith(prefix) or len(data_url) > MAX_DRAWING_BYTES * 4 // 3 + len(prefix):
        abort(400, description="The drawn signature could not be read; clear it and sign again.")
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as im:
            if im.width * im.height > 4_000_000:
                raise ValueError("too large")
            im.load()
            out = io.BytesIO()
            im.convert("RGBA").save(out, "PNG", optimize=True)
    except (binascii.Error, ValueError, OSError):
        abort(400, description="The drawn signature could not be read; clear it and sign again.")
    return out.getvalue()


@bp.get("/<audit_id>")
def show(audit_id):
    """An audit as a read-only record: scores, findings, answers by section, signatures."""
    db = get_db()
    audit = audit_for(audit_id)
    checklist = data.checklist_of(db, audit)
    answers, score, visible = data.progress(db, audit, checklist)
    from ..capa import triage as capa_triage

    photos, finding_photos = evidence.by_target(evidence.list_for_audit(db, audit_id))
    return render_template("audits/show.html", audit=audit, checklist=checklist, answers=answers, score=score,
                           visible=visible, findings=data.list_findings(db, audit_id), photos=photos,
                           finding_photos=finding_photos,
                           signatures=record.signatures_of(db, audit_id), severity_labels=SEVERITY_LABELS,
                           photo_counts=data.photo_counts(db, audit_id),
                           capa_links=capa_triage.decisions_for_audit(db, audit_id),
                           can_raise_capa=current_user.can("manage_capa", audit["site_id"]),
                           can_continue=pages.editable(audit, current_user.id),
                           out_of_scope=data.out_of_scope(audit))


@bp.get("/<audit_id>/signatures/<signature_id>/drawing")
def signature_drawing_image(audit_id, signature_id):
    """A drawn signature, behind the audit's site check."""
    from flask import send_file

    audit_for(audit_id)
    sig = next((s for s in record.signatures_of(get_db(), audit_id) if s["id"] == signature_id), None)
    store = get_blob_store()
    if sig is None or not sig["drawing_sha256"] or not store.exists(sig["drawing_sha256"]):
        abort(404)
    return send_file(store.path(sig["drawing_sha256"]), mimetype="image/png")  # never cached: security.py
