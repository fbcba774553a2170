"""Running an audit: lists, start, one section at a time with htmx autosave per question."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import forms, htmx, idempotency, ids, offline
from .. import db as dbm
from ..appdb import get_blob_store, get_db
from ..auth.access import ensure, ensure_found, sites_with
from ..checklists import store as checklist_store
from ..evidence import limits as photo_limits
from ..programme import people as qualification
from ..programme import start as programme_start
from ..stations import data as stations
from . import data, pages
from .blueprint import audit_for, bp, own_open_audit


@bp.get("/")
def index():
    """My audits, and the audits of my sites with filters."""
    db = get_db()
    args = request.args
    site_ids = sites_with("view_audits", "run_audits", message="Your role does not include audits.")
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
    sites = stations.list_sites(db, sites_with("run_audits", message="Your role does not include running audits."))
    site_id = source.get("site_id") or (sites[0]["id"] if len(sites) == 1 else None)
    workstation = None
    if source.get("workstation_id"):
        workstation = ensure_found(stations.get_workstation(db, source["workstation_id"]), "run_audits")
        site_id = workstation["site_id"]
    site = ensure_found(stations.get_site(db, site_id), "run_audits", site_key="id") if site_id else None

    def page(error):
        checklists = checklist_store.list_checklists(db)
        return render_template("audits/new.html", sites=sites, site=site, workstation=workstation,
                               workstations=stations.list_workstations(db, site["id"]) if site else [],
                               checklists=checklists, form=source, error=error,
                               scheduled=programme_start.counts_for(db, current_user.id, site, workstation,
                                                                    ids.utc_now()) if site else [],
                               sections={c["version_id"]: checklist_store.load_version(db, c["version_id"]).sections
                                         for c in checklists} if site else {})
    if request.method == "POST" and site is not None:
        forms.rerender_on_refusal(page)
        version_id = source.get("checklist_version_id", "")
        # Each checklist lists its sections as out:<version>:<section>, so only the chosen one's boxes count.
        prefix = f"out:{version_id}:"
        out = {key[len(prefix):]: source.get(f"why:{version_id}:{key[len(prefix):]}", "")
               for key in source if key.startswith(prefix) and source.get(key) == "yes"}
        qualification.ensure_qualified_to_start(db, current_user.row, site, version_id, ids.utc_now())
        with dbm.transaction(db):  # started and counted for its scheduled audit together, or neither
            audit = data.create_audit(db, site=site, checklist_version_id=version_id,
                                      auditor_id=current_user.id, workstation=workstation,
                                      auditees=source.get("auditees", ""), scope=source.get("scope", ""),
                                      out_of_scope=out)
            if source.get("scheduled_id"):
                programme_start.link_started(db, source["scheduled_id"], audit, current_user.id, ids.utc_now())
        return redirect(url_for("audits.run", audit_id=audit["id"]), 303)
    if request.method == "POST":
        return page("Choose the site of the audit."), 422
    return page(None)


# -- running an audit -----------------------------------------------------------------------------------------

@bp.get("/<audit_id>/run")
def run(audit_id):
    """Resume an audit where its auditor left it."""
    audit = audit_for(audit_id)
    if audit["status"] != "in_progress" or audit["auditor_id"] != current_user.id:
        return redirect(url_for("audits.show", audit_id=audit_id))
    return redirect(url_for("audits.section", audit_id=audit_id, section_id=data.resume_section(get_db(), audit)))


@bp.get("/<audit_id>/sections/<section_id>")
def section(audit_id, section_id):
    """One section of an open audit: its questions, big tap targets, autosave."""
    audit = audit_for(audit_id)
    if audit["status"] == "submitted":
        # An old link or a back button: the record is what is left to see, not a dead end.
        flash("This audit is submitted; here is its record.", "info")
        return redirect(url_for("audits.show", audit_id=audit_id), 303)
    audit = own_open_audit(audit_id)
    context = pages.section_context(get_db(), audit, section_id)
    if context["out_reason"] is None and not offline.storing():
        data.mark_seen(get_db(), audit, section_id)
    return render_template("audits/section.html", **context)


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
    section_obj = next((s for s in data.checklist_of(db, audit).sections if s.id == section_id), None)
    if section_obj is None:
        abort(404)
    posted, notes, photos = {}, {}, {}
    for question in section_obj.questions:
        if f"n-{question.id}" in request.form or f"v-{question.id}" in request.form:
            posted[question.id], notes[question.id] = _fields(question)
        photos[question.id] = [f.read() for f in request.files.getlist(f"photos-{question.id}") if f and f.filename]
    saved = data.save_section(db, audit, section_id, posted, notes, current_user.id, photos, store=get_blob_store(),
                              limits=photo_limits.from_config(current_app.config), at=idempotency.made_at())
    if saved.errors:
        return render_template("audits/section.html", **pages.section_context(
            db, audit, section_id, saved=saved, errors=saved.errors, findings=data.list_findings(db, audit_id),
            typed={qid: posted[qid] for qid in saved.errors if qid in posted})), 422
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
    section_obj = checklist.section_of(question_id)

    def refused(error):
        # The field keeps what was typed, so the auditor corrects it rather than types it again.
        ctx = pages.section_context(db, audit, section_obj.id, errors={question_id: error},
                                    typed={question_id: _fields(question)[0]})
        if htmx.is_htmx():
            return render_template("audits/_question.html", q=question, **ctx)
        return render_template("audits/section.html", **ctx)
    forms.rerender_on_refusal(refused)
    raw, note = _fields(question)
    saved = data.save_answer(db, audit, question_id, raw, note, current_user.id, at=idempotency.made_at())
    if not htmx.is_htmx():
        return redirect(url_for("audits.section", audit_id=audit_id, section_id=section_obj.id,
                                _anchor=f"q-{question_id}"), 303)
    ctx = pages.section_context(db, audit, section_obj.id, saved=saved, saved_question=question_id)
    changed = [q for q in section_obj.questions
               if (q.id in saved.visible_before) != (q.id in saved.visible_after)]
    response = htmx.render("audits/section.html", "audits/_answer_saved.html", q=question, changed=changed, **ctx)
    return response
