"""Audit pages: start, answer section by section (htmx autosave), findings, review and submit, lists."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import htmx
from ..appdb import get_blob_store, get_db
from ..auth import users
from ..auth.access import ensure, ensure_found
from ..checklists import SEVERITY_LABELS, rules
from ..checklists import store as checklist_store
from ..evidence import data as evidence
from ..evidence.pipeline import PhotoError
from ..stations import data as stations
from . import data, record

bp = Blueprint("audits", __name__, url_prefix="/audits")


def _audit(audit_id: str, permission: str = "view_audits") -> dict:
    """An audit the current user may see (404 across sites)."""
    return ensure_found(data.get_audit(get_db(), audit_id), permission)


def _own_open_audit(audit_id: str) -> dict:
    """An audit the current user is running: only its auditor answers it, and only while it is open."""
    audit = _audit(audit_id, "run_audits")
    if audit["auditor_id"] != current_user.id:
        abort(403, description="Only the auditor running this audit can change it.")
    if audit["status"] != "in_progress":
        abort(409, description=f"Audit {audit['number']} has been submitted and is read-only.")
    return audit


def _fail(exc: data.AuditError):
    abort(exc.status, description=exc.message)


# -- lists and start ------------------------------------------------------------------------------------------

@bp.get("/")
def index():
    """My audits, and the audits of my sites with filters."""
    db = get_db()
    args = request.args
    site_ids = current_user.site_ids_with("view_audits")
    if site_ids == [] and not current_user.can_anywhere("run_audits"):
        abort(403, description="Your role does not include audits.")
    site_filter = args.get("site_id") or None
    if site_filter:
        ensure("view_audits", site_filter)
    mine = data.list_audits(db, auditor_id=current_user.id, limit=50)
    listed = data.list_audits(db, site_ids=[site_filter] if site_filter else site_ids,
                              status=args.get("status") or None, checklist_id=args.get("checklist_id") or None,
                              auditor_id=args.get("auditor_id") or None, limit=200)
    return render_template("audits/index.html", mine=mine, listed=listed, args=args,
                           sites=stations.list_sites(db, site_ids),
                           checklists=checklist_store.list_checklists(db, active_only=False))


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Choose site, place and checklist; then the audit starts at its first section."""
    db = get_db()
    source = request.form if request.method == "POST" else request.args
    site_ids = current_user.site_ids_with("run_audits")
    sites = stations.list_sites(db, site_ids)
    if not sites:
        abort(403, description="Your role does not include running audits.")
    site_id = source.get("site_id") or (sites[0]["id"] if len(sites) == 1 else None)
    workstation = None
    if source.get("workstation_id"):
        workstation = ensure_found(stations.get_workstation(db, source["workstation_id"]), "run_audits")
        site_id = workstation["site_id"]
    site = ensure_found(stations.get_site(db, site_id), "run_audits", site_key="id") if site_id else None
    error = None
    if request.method == "POST" and site is not None:
        try:
            audit = data.create_audit(db, site=site, checklist_version_id=source.get("checklist_version_id", ""),
                                      auditor_id=current_user.id, workstation=workstation,
                                      auditees=source.get("auditees", ""), scope=source.get("scope", ""))
            return redirect(url_for("audits.run", audit_id=audit["id"]), 303)
        except data.AuditError as exc:
            error = exc.message
    elif request.method == "POST":
        error = "Choose the site of the audit."
    return render_template("audits/new.html", sites=sites, site=site, workstation=workstation,
                           workstations=stations.list_workstations(db, site["id"]) if site else [],
                           checklists=checklist_store.list_checklists(db), form=source, error=error), \
        (422 if error else 200)


# -- running an audit -----------------------------------------------------------------------------------------

@bp.get("/<audit_id>/run")
def run(audit_id):
    """Resume an audit where its auditor left it."""
    audit = _audit(audit_id)
    if audit["status"] != "in_progress" or audit["auditor_id"] != current_user.id:
        return redirect(url_for("audits.show", audit_id=audit_id))
    return redirect(url_for("audits.section", audit_id=audit_id, section_id=audit["current_section"]))


def section_context(db, audit: dict, section_id: str, **extra) -> dict:
    """What the section page and its question fragments need."""
    checklist = data.checklist_of(db, audit)
    section = next((s for s in checklist.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    answers, score, visible = data.progress(db, audit, checklist)
    index = checklist.sections.index(section)
    return {"audit": audit, "checklist": checklist, "section": section, "answers": answers, "score": score,
            "visible": visible, "section_index": index, "photo_counts": data.photo_counts(db, audit["id"]),
            "prev_section": checklist.sections[index - 1] if index else None,
            "next_section": checklist.sections[index + 1] if index + 1 < len(checklist.sections) else None,
            "findings": data.list_findings(db, audit["id"]), "errors": {}, "severity_labels": SEVERITY_LABELS,
            "photos": evidence.by_target(evidence.list_for_audit(db, audit["id"]))[0], "editable": True,
            "saved_question": None, "proposed": None, **extra}


def finding_context(db, audit: dict, finding_id: str) -> dict:
    """What one finding's fragment needs (it re-renders after a photo is added or removed)."""
    finding = data.get_finding(db, finding_id)
    return {"audit": audit, "f": finding, "severity_labels": SEVERITY_LABELS,
            "finding_photos": evidence.by_target(evidence.list_for_audit(db, audit["id"]))[1],
            "editable": audit["status"] == "in_progress" and audit["auditor_id"] == current_user.id}


@bp.get("/<audit_id>/sections/<section_id>")
def section(audit_id, section_id):
    """One section of an open audit: its questions, big tap targets, autosave."""
    audit = _own_open_audit(audit_id)
    return render_template("audits/section.html", **section_context(get_db(), audit, section_id))


def _fields(question) -> tuple:
    """(raw value, note) of one question from the posted form: `v-<id>`/`n-<id>` in the section form, or the
    plain `value`/`note` of a single-question post. The whole question is posted, so no ticked box means none."""
    form = request.form
    name = f"v-{question.id}" if f"n-{question.id}" in form or f"v-{question.id}" in form else "value"
    raw = form.getlist(name) if question.type == "multi_choice" else form.get(name)
    note = form.get(f"n-{question.id}", form.get("note"))
    return raw, note


@bp.post("/<audit_id>/sections/<section_id>")
def save_section(audit_id, section_id):
    """The section form sent whole (no JavaScript, or a "Finding…" button): save every changed answer and photo."""
    db = get_db()
    audit = _own_open_audit(audit_id)
    checklist = data.checklist_of(db, audit)
    section_obj = next((s for s in checklist.sections if s.id == section_id), None)
    if section_obj is None:
        abort(404)
    errors = {}
    for question in section_obj.questions:
        answers = data.answers_of(db, audit_id)
        if question.id not in rules.visible_questions(checklist, data.values(answers)):
            continue
        if question.type == "photo":
            files = [f.read() for f in request.files.getlist(f"photos-{question.id}") if f and f.filename]
            if files:
                try:
                    evidence.attach(db, get_blob_store(), audit, files, by=current_user.id, question_id=question.id)
                except (data.AuditError, PhotoError) as exc:
                    errors[question.id] = exc.message
            continue
        if f"n-{question.id}" not in request.form and f"v-{question.id}" not in request.form:
            continue
        raw, note = _fields(question)
        stored = answers.get(question.id)
        try:
            value = rules.normalize_answer(question, raw)
        except rules.AnswerError as exc:
            errors[question.id] = exc.message
            continue
        if stored and stored["value"] == value and stored["note"] == (note or "").strip():
            continue
        if not stored and value is None and not (note or "").strip():
            continue
        try:
            data.save_answer(db, audit, question.id, raw, note, current_user.id)
        except data.AuditError as exc:
            errors[question.id] = exc.message
    if errors:
        return render_template("audits/section.html", **section_context(db, audit, section_id, errors=errors)), 422
    raise_for = request.form.get("raise")
    if raise_for:
        return redirect(url_for("audits.new_finding", audit_id=audit_id, question_id=raise_for), 303)
    flash("Section saved.", "success")
    return redirect(url_for("audits.section", audit_id=audit_id, section_id=section_id), 303)


@bp.post("/<audit_id>/answers/<question_id>")
def answer(audit_id, question_id):
    """Save one answer and note; htmx gets the question back plus the progress bar (and shown/hidden questions)."""
    db = get_db()
    audit = _own_open_audit(audit_id)
    checklist = data.checklist_of(db, audit)
    try:
        question = checklist.question(question_id)
    except KeyError:
        abort(404, description="This audit's checklist has no such question.")
    raw, note = _fields(question)
    try:
        saved = data.save_answer(db, audit, question_id, raw, note, current_user.id)
    except data.AuditError as exc:
        if exc.status != 422:
            _fail(exc)
        section_id = checklist.section_of(question_id).id
        ctx = section_context(db, audit, section_id, errors={question_id: exc.message})
        if htmx.is_htmx():
            return render_template("audits/_question.html", q=question, **ctx), 422
        return render_template("audits/section.html", **ctx), 422
    section_obj = checklist.section_of(question_id)
    if not htmx.is_htmx():
        return redirect(url_for("audits.section", audit_id=audit_id, section_id=section_obj.id,
                                _anchor=f"q-{question_id}"), 303)
    ctx = section_context(db, audit, section_obj.id, saved_question=question_id, proposed=saved.proposed)
    changed = [q for q in section_obj.questions
               if (q.id in saved.visible_before) != (q.id in saved.visible_after)]
    response = htmx.render("audits/section.html", "audits/_answer_saved.html", q=question, changed=changed, **ctx)
    return response


# -- findings -------------------------------------------------------------------------------------------------

@bp.route("/<audit_id>/findings/new", methods=["GET", "POST"])
def new_finding(audit_id):
    """Raise a finding, pre-filled from a question's rule when it comes from one."""
    db = get_db()
    audit = _own_open_audit(audit_id)
    checklist = data.checklist_of(db, audit)
    if request.method == "POST":
        try:
            finding = data.add_finding(db, audit, request.form, current_user.id)
        except data.AuditError as exc:
            if exc.status != 422:
                _fail(exc)
            return render_template("audits/finding_form.html", audit=audit, form=request.form, error=exc.message,
                                   finding=None, severity_labels=SEVERITY_LABELS, question=None), 422
        flash(f"Finding {finding['number']} recorded.", "success")
        return redirect(_back_to(audit, checklist, finding["question_id"]), 303)
    form, question = {}, None
    question_id = request.args.get("question_id")
    if question_id:
        try:
            question = checklist.question(question_id)
        except KeyError:
            abort(404)
        answers = data.values(data.answers_of(db, audit_id))
        proposed = rules.proposed_finding(question, answers.get(question_id)) if question_id in answers else None
        form = {"question_id": question_id, "clause": question.clause or "",
                "severity": proposed.severity if proposed else "observation",
                "requirement": question.text, "evidence": proposed.reason if proposed else ""}
    return render_template("audits/finding_form.html", audit=audit, form=form, error=None, finding=None,
                           severity_labels=SEVERITY_LABELS, question=question)


def _back_to(audit, checklist, question_id):
    if question_id:
        return url_for("audits.section", audit_id=audit["id"], section_id=checklist.section_of(question_id).id,
                       _anchor=f"q-{question_id}")
    return url_for("audits.findings", audit_id=audit["id"])


@bp.get("/<audit_id>/findings")
def findings(audit_id):
    """All findings of an audit."""
    audit = _audit(audit_id)
    db = get_db()
    return render_template("audits/findings.html", audit=audit, findings=data.list_findings(db, audit_id),
                           checklist=data.checklist_of(db, audit), severity_labels=SEVERITY_LABELS,
                           finding_photos=evidence.by_target(evidence.list_for_audit(db, audit_id))[1],
                           editable=audit["status"] == "in_progress" and audit["auditor_id"] == current_user.id)


@bp.route("/<audit_id>/findings/<finding_id>", methods=["GET", "POST"])
def edit_finding(audit_id, finding_id):
    """Edit a finding until the audit is submitted."""
    db = get_db()
    audit = _own_open_audit(audit_id)
    finding = data.get_finding(db, finding_id)
    if finding is None or finding["audit_id"] != audit_id:
        abort(404)
    if request.method == "POST":
        try:
            data.update_finding(db, audit, finding_id, request.form)
        except data.AuditError as exc:
            if exc.status != 422:
                _fail(exc)
            return render_template("audits/finding_form.html", audit=audit, form=request.form, error=exc.message,
                                   finding=finding, severity_labels=SEVERITY_LABELS, question=None), 422
        flash(f"Finding {finding['number']} saved.", "success")
        return redirect(url_for("audits.findings", audit_id=audit_id), 303)
    return render_template("audits/finding_form.html", audit=audit, form=finding, error=None, finding=finding,
                           severity_labels=SEVERITY_LABELS, question=None)


@bp.post("/<audit_id>/findings/<finding_id>/delete")
def delete_finding(audit_id, finding_id):
    """Withdraw a finding."""
    audit = _own_open_audit(audit_id)
    try:
        evidence.delete_for_finding(get_db(), get_blob_store(), audit_id, finding_id)
        data.delete_finding(get_db(), audit, finding_id)
    except data.AuditError as exc:
        _fail(exc)
    flash("Finding withdrawn.", "success")
    return redirect(url_for("audits.findings", audit_id=audit_id), 303)


# -- review, submit, read-only view ---------------------------------------------------------------------------

@bp.route("/<audit_id>/submit", methods=["GET", "POST"])
def submit(audit_id):
    """Review what is missing, then sign (password again) and submit once."""
    db = get_db()
    audit = _audit(audit_id, "run_audits")
    if audit["status"] == "submitted":
        if request.method == "POST":
            flash(f"Audit {audit['number']} was already submitted.", "info")
        return redirect(url_for("audits.show", audit_id=audit_id), 303 if request.method == "POST" else 302)
    if audit["auditor_id"] != current_user.id:
        abort(403, description="Only the auditor running this audit can sign and submit it.")
    checklist = data.checklist_of(db, audit)
    answers, score, _ = data.progress(db, audit, checklist)
    missing = rules.missing_for_submission(checklist, data.values(answers), data.photo_counts(db, audit_id))
    error, status = None, 200
    if request.method == "POST":
        signer = users.get_user(db, current_user.id)
        if request.form.get("confirm") != "yes":
            error, status = "Confirm that you performed this audit.", 422
        elif not users.verify_password(signer, request.form.get("password", "")):
            error, status = "That password is not correct; your signature needs your own password.", 401
        else:
            try:
                # Both drawings are checked before either is stored, so a refusal leaves no file behind.
                drawings = [signature_png(request.form.get(k)) for k in ("drawing", "auditee_drawing")]
                drawing, auditee_drawing = (get_blob_store().put(d) if d else None for d in drawings)
                audit, created = record.submit(db, audit_id, signer, drawing_sha256=drawing,
                                               auditee_name=request.form.get("auditee_name", ""),
                                               auditee_drawing_sha256=auditee_drawing)
            except data.MissingItems as exc:
                missing, error, status = exc.missing, "Some items are still missing.", 422
            except data.AuditError as exc:
                _fail(exc)
            else:
                flash(f"Audit {audit['number']} submitted and signed." if created
                      else f"Audit {audit['number']} was already submitted.", "success")
                return redirect(url_for("audits.show", audit_id=audit_id), 303)
    return render_template("audits/submit.html", audit=audit, checklist=checklist, score=score,
                           missing=[(checklist.question(q), checklist.section_of(q), why) for q, why in missing],
                           findings=data.list_findings(db, audit_id), error=error,
                           severity_labels=SEVERITY_LABELS), status


MAX_DRAWING_BYTES = 400_000


def signature_png(data_url: str | None) -> bytes | None:
    """A signature pad's PNG (a data: URL), checked and re-encoded so nothing but pixels is kept."""
    import base64
    import binascii
    import io

    from PIL import Image

    if not data_url:
        return None
    prefix = "data:image/png;base64,"
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
    audit = _audit(audit_id)
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
                           can_continue=audit["status"] == "in_progress" and audit["auditor_id"] == current_user.id)


@bp.get("/<audit_id>/signatures/<signature_id>/drawing")
def signature_drawing_image(audit_id, signature_id):
    """A drawn signature, behind the audit's site check."""
    from flask import send_file

    _audit(audit_id)
    sig = next((s for s in record.signatures_of(get_db(), audit_id) if s["id"] == signature_id), None)
    store = get_blob_store()
    if sig is None or not sig["drawing_sha256"] or not store.exists(sig["drawing_sha256"]):
        abort(404)
    response = send_file(store.path(sig["drawing_sha256"]), mimetype="image/png", max_age=365 * 86400)
    response.cache_control.private = True
    return response
