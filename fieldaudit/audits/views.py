"""Running an audit: lists, start, one section at a time with htmx autosave per question."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import htmx
from ..appdb import get_blob_store, get_db
from ..auth.access import ensure, ensure_found
from ..checklists import SEVERITY_LABELS, rules
from ..checklists import store as checklist_store
from ..evidence import data as evidence
from ..evidence.pipeline import PhotoError
from ..stations import data as stations
from . import data
from .blueprint import audit_for, bp, own_open_audit


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
    audit = audit_for(audit_id)
    if audit["status"] != "in_progress" or audit["auditor_id"] != current_user.id:
        return redirect(url_for("audits.show", audit_id=audit_id))
    return redirect(url_for("audits.section", audit_id=audit_id, section_id=audit["current_section"]))


def section_context(db, audit: dict, section_id: str, saved: data.Saved | None = None, **extra) -> dict:
    """What the section page and its question fragments need; after a save, what the save already knows is
    reused instead of read again (this is the autosave's hot path)."""
    checklist = data.checklist_of(db, audit)
    section = next((s for s in checklist.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    if saved is None:
        answers, score, visible = data.progress(db, audit, checklist)
    else:
        answers, score, visible = saved.answers, saved.score, saved.visible_after
    has_photos = any(q.kind.photos for q in section.questions)
    index = checklist.sections.index(section)
    return {"audit": audit, "checklist": checklist, "section": section, "answers": answers, "score": score,
            "visible": visible, "section_index": index,
            "prev_section": checklist.sections[index - 1] if index else None,
            "next_section": checklist.sections[index + 1] if index + 1 < len(checklist.sections) else None,
            # The findings count is in the page head only; a fragment after a save does not show it.
            "findings": data.list_findings(db, audit["id"]) if saved is None else [],
            "photos": evidence.by_target(evidence.list_for_audit(db, audit["id"]))[0] if has_photos else {},
            "errors": {}, "severity_labels": SEVERITY_LABELS, "editable": True, "saved_question": None,
            "proposed": None, **extra}


@bp.get("/<audit_id>/sections/<section_id>")
def section(audit_id, section_id):
    """One section of an open audit: its questions, big tap targets, autosave."""
    audit = own_open_audit(audit_id)
    return render_template("audits/section.html", **section_context(get_db(), audit, section_id))


def _fields(question) -> tuple:
    """(raw value, note) of one question from the posted form: `v-<id>`/`n-<id>` in the section form, or the
    plain `value`/`note` of a single-question post. The whole question is posted, so no ticked box means none."""
    form = request.form
    name = f"v-{question.id}" if f"n-{question.id}" in form or f"v-{question.id}" in form else "value"
    raw = form.getlist(name) if question.kind.list_input else form.get(name)
    note = form.get(f"n-{question.id}", form.get("note"))
    return raw, note


@bp.post("/<audit_id>/sections/<section_id>")
def save_section(audit_id, section_id):
    """The section form sent whole (no JavaScript, or a "Finding…" button): save every changed answer and photo."""
    db = get_db()
    audit = own_open_audit(audit_id)
    checklist = data.checklist_of(db, audit)
    section_obj = next((s for s in checklist.sections if s.id == section_id), None)
    if section_obj is None:
        abort(404)
    errors = {}
    for question in section_obj.questions:
        answers = data.answers_of(db, audit_id)
        if question.id not in rules.visible_questions(checklist, data.values(answers)):
            continue
        if question.kind.photos:
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
    audit = own_open_audit(audit_id)
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
            raise
        section_id = checklist.section_of(question_id).id
        ctx = section_context(db, audit, section_id, errors={question_id: exc.message})
        if htmx.is_htmx():
            return render_template("audits/_question.html", q=question, **ctx), 422
        return render_template("audits/section.html", **ctx), 422
    section_obj = checklist.section_of(question_id)
    if not htmx.is_htmx():
        return redirect(url_for("audits.section", audit_id=audit_id, section_id=section_obj.id,
                                _anchor=f"q-{question_id}"), 303)
    ctx = section_context(db, audit, section_obj.id, saved=saved, saved_question=question_id,
                          proposed=saved.proposed)
    changed = [q for q in section_obj.questions
               if (q.id in saved.visible_before) != (q.id in saved.visible_after)]
    response = htmx.render("audits/section.html", "audits/_answer_saved.html", q=question, changed=changed, **ctx)
    return response
