"""Document authoring for quality managers (standalone site server): create, edit drafts, review, approve."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import edits, forms
from ..appdb import get_blob_store, get_db
from ..auth import esign, password_attempt, users
from ..auth.access import ensure, sites_with
from ..evidence import limits
from ..stations import data as stations
from . import access, data, pages, states, workflow
from .attachments import MAX_BYTES
from .blueprint import authoring as bp

# 409: a code already taken or a draft that moved on; 413: a text or attachment too large; 422: not acceptable.
FORM_STATUSES = (409, 413, 422)


def _authorable_sites() -> list[dict]:
    """Sites where the user may write documents, with their workstations (for the scope checkboxes)."""
    db = get_db()
    sites = stations.list_sites(db, current_user.site_ids_with(access.AUTHOR))
    for site in sites:
        site["workstations"] = stations.list_workstations(db, site["id"])
    return sites


def _scope_from_form(form) -> tuple[list[str], list[str]]:
    """Chosen sites and workstations, each checked against where the user may write documents."""
    db = get_db()
    site_ids = [s for s in form.getlist("site_ids") if s]
    ws_ids = [w for w in form.getlist("workstation_ids") if w]
    chosen = set(site_ids)
    for ws_id in ws_ids:
        ws = stations.get_workstation(db, ws_id)
        if ws is None:
            abort(404)
        chosen.add(ws["site_id"])
    for site_id in sorted(chosen):
        ensure(access.AUTHOR, site_id, "You can only place documents at sites where you are a quality manager.")
    return site_ids, ws_ids


def _form_page(doc: dict | None, form, error: str | None):
    sites = _authorable_sites()
    # An owner works at every site of the document; a new one's sites are not chosen yet, so any of mine.
    people = users.people_at(get_db(), doc["site_ids"], every=True) if doc else \
        users.people_at(get_db(), [s["id"] for s in sites])
    return render_template("documents/form.html", doc=doc, form=form, error=error, kinds=data.KINDS,
                           sites=sites, people=people)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """A new controlled document with its first version as a draft."""
    sites_with(access.AUTHOR, message="Quality managers write controlled documents.")
    data.ensure_authoring(get_db())
    if request.method == "GET":
        return _form_page(None, {"review_months": 12, "kind": "procedure"}, None)
    form = request.form
    site_ids, ws_ids = _scope_from_form(form)
    forms.rerender_on_refusal(lambda error: _form_page(None, form, error), FORM_STATUSES)
    doc, version = data.create_document(
        get_db(), code=form.get("code", ""), title=form.get("title", ""), kind=form.get("kind", ""),
        by=current_user.id, site_ids=site_ids, workstation_ids=ws_ids, owner_id=form.get("owner_id") or None,
        review_months=form.get("review_months", 12))
    flash(f"{doc['code']} created. Write version 1, then submit it for review.", "success")
    return redirect(url_for("documents.authoring.edit_draft", document_id=doc["id"], version_id=version["id"]), 303)


@bp.route("/<document_id>/edit", methods=["GET", "POST"])
def update(document_id):
    """Where a document applies, its owner and its review schedule."""
    doc = access.document(document_id, access.AUTHOR)
    data.ensure_authoring(get_db())
    if request.method == "GET":
        return _form_page(doc, doc, None)
    form = request.form
    site_ids, ws_ids = _scope_from_form(form)
    forms.rerender_on_refusal(lambda error: _form_page(doc, form, error), FORM_STATUSES)
    data.update_document(get_db(), document_id, kind=form.get("kind", ""), by=current_user.id,
                         site_ids=site_ids, workstation_ids=ws_ids, owner_id=form.get("owner_id") or None,
                         review_months=form.get("review_months", 12), next_review_date=form.get("next_review_date"))
    flash("Document saved.", "success")
    return redirect(url_for("documents.show", document_id=document_id), 303)


@bp.post("/<document_id>/versions")
def new_version(document_id):
    """Start the next version as a draft copy of the latest."""
    doc = access.document(document_id, access.AUTHOR)
    version = data.new_version(get_db(), document_id, current_user.id)
    flash(f"Version {version['version']} started as a draft.", "success")
    return redirect(url_for("documents.authoring.edit_draft", document_id=doc["id"], version_id=version["id"]), 303)


@bp.route("/<document_id>/versions/<version_id>/edit", methods=["GET", "POST"])
def edit_draft(document_id, version_id):
    """Write a draft: title, Markdown text, change summary and an optional PDF or image."""
    doc = access.document(document_id, access.AUTHOR)
    version = access.version_of(doc, version_id)
    data.ensure_authoring(get_db())
    if version["status"] != "draft":
        abort(409, description=f"Version {version['version']} is {states.LABELS[version['status']].lower()} and "
                               "can no longer be edited; start a new version to change it.")
    max_bytes = int(current_app.config.get("DOCUMENT_MAX_BYTES", MAX_BYTES))
    if request.method == "GET":
        return _draft_page(doc, version, version, None, max_bytes)
    form = request.form
    upload = request.files.get("attachment")
    blob = upload.read(max_bytes + 1) if upload and upload.filename else None
    seen = edits.seen_from(form)
    forms.rerender_on_refusal(lambda error: _draft_page(doc, version, form, error, max_bytes, seen), FORM_STATUSES)
    saved = data.save_draft(get_db(), version_id, title=form.get("title", ""), body=form.get("body", ""),
                            change_summary=form.get("change_summary", ""), by=current_user.id, store=get_blob_store(),
                            attachment=blob, remove_attachment=form.get("remove_attachment") == "yes",
                            max_bytes=max_bytes, max_pixels=limits.from_config(current_app.config).max_pixels,
                            seen=seen)
    if saved["conflicts"]:
        # The draft as it is now, with this person's text in each field the other side changed too.
        typed = {**saved, **{c["field"]: c["yours"] for c in saved["conflicts"]}}
        return _draft_page(doc, saved, typed, edits.conflict_message(saved["conflicts"]), max_bytes,
                           conflicts=saved["conflicts"]), 409
    flash("Draft saved.", "success")
    return redirect(url_for("documents.version", document_id=doc["id"], version_id=version_id), 303)


def _draft_page(doc, version, form, error, max_bytes, seen=None, conflicts=()):
    # The form carries what it showed of each text so a newer save from another tab is not overwritten.
    tokens = {**edits.tokens(version, data.DRAFT_EDITS), **(seen or {})}
    return render_template("documents/draft.html", doc=doc, version=version, form=form, error=error,
                           max_mib=max_bytes // 1048576, seen=tokens, conflicts=list(conflicts))


@bp.post("/<document_id>/versions/<version_id>/transition")
# The page posts to its own address, so a refused approval (a wrong password) is shown at the version's URL and a
# reload shows the version instead of sending the form again.
@bp.post("/<document_id>/versions/<version_id>")
def transition(document_id, version_id):
    """Send a command (submit, return, approve, withdraw) expecting the state the page showed."""
    doc = access.document(document_id, access.AUTHOR)
    version = access.version_of(doc, version_id)
    db = get_db()
    form = request.form
    command = states.Command(form.get("command", ""), form.get("expected", ""),
                             effective_date=(form.get("effective_date") or "").strip() or None,
                             comment=form.get("comment", ""))
    # Every refusal of a command (invalid, stale, not allowed) is shown on the version page it was sent from.
    forms.rerender_on_refusal(lambda error: render_template(
        "documents/version.html", **pages.version_context(doc, data.get_version(db, version_id), error=error,
                                                          form=form)), (403, 409, 422, 429))
    signer = None
    if command.name == "approve" and command.expected == version["status"] == "in_review":
        if form.get("confirm") != "yes":
            raise data.DocumentError("Confirm that you approve this version.")
        signer = esign.verify_signature(db, current_user.id, form.get("password", ""), attempt=password_attempt())
    changed = workflow.transition(db, version_id, command, access.actor(doc), signer=signer)
    flash(f"{doc['code']} version {changed['version']}: {states.LABELS[changed['status']].lower()}.", "success")
    return redirect(url_for("documents.version", document_id=doc["id"], version_id=version_id), 303)


@bp.post("/<document_id>/review")
def review(document_id):
    """Record the periodic review of a document that is still right as it is."""
    doc = access.document(document_id, access.AUTHOR)
    workflow.mark_reviewed(get_db(), document_id, current_user.id, access.viewer_today(doc),
                           request.form.get("note", ""))
    flash(f"Review of {doc['code']} recorded.", "success")
    return redirect(url_for("documents.show", document_id=document_id), 303)
