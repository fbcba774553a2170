"""Document pages for everyone: the list, the version in force, older versions, attachments, read receipts."""
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from .. import htmx, settings
from ..appdb import get_blob_store, get_db
from ..auth import safe_next
from . import access, data, pages, render, states, workflow
from .attachments import EXTENSIONS
from .blueprint import bp


@bp.app_template_filter("markdown")
def markdown_filter(text):
    """Document Markdown rendered safely (raw HTML escaped, unsafe links dropped)."""
    return render.to_html(text)


def _today_for(doc: dict):
    return access.viewer_today(doc)


@bp.get("/")
def index():
    """Documents of my sites: what I still have to read, what is due for review or awaiting approval, and all."""
    db = get_db()
    site_ids = current_user.site_ids_with("read_documents")
    q = request.args.get("q", "")[:100]
    docs = data.list_documents(db, site_ids, q)
    all_versions = data.versions_of_many(db, [d["id"] for d in docs])
    days = {}

    def today_for(doc):  # the same for every document of the same sites (a query each, on a hub hundreds)
        key = tuple(doc["site_ids"])
        if key not in days:
            days[key] = _today_for(doc)
        return days[key]
    for doc in docs:
        versions = all_versions[doc["id"]]
        doc["current"] = states.in_force(versions, today_for(doc))
        doc["pending"] = next((v for v in versions if v["status"] in ("draft", "in_review", "approved")
                               and v is not doc["current"]), None)
    authoring = [d for d in docs if access.may_author(d)]
    return render_template(
        "documents/index.html", docs=docs, q=q, kinds=data.KINDS, labels=states.LABELS,
        to_confirm=workflow.to_confirm(db, current_user.id, lambda d: _today_for(data.get_document(db, d["id"]))),
        due=workflow.due_for_review(db, authoring, today_for),
        in_review=[d for d in authoring if d["pending"] and d["pending"]["status"] == "in_review"],
        can_create=current_user.can_anywhere(access.AUTHOR) and not settings.hub_paired(db),
        paired=settings.hub_paired(db))


@bp.get("/code/<path:code>")
def by_code(code):
    """The document with this code (a checklist's procedure link or a document label) at its version in force."""
    doc = data.get_document_by_code(get_db(), code[:60])
    if doc is None:
        abort(404, description=f"No controlled document has the code {code[:60]!r}. Search the document list "
                               "for it, or ask your quality manager.")
    access.checked(doc)
    return redirect(url_for("documents.show", document_id=doc["id"]))


@bp.get("/<document_id>")
def show(document_id):
    """A document at its version in force (or its latest version, clearly marked, when none is in force)."""
    doc = access.document(document_id)
    db = get_db()
    current = states.in_force(data.versions_of(db, doc["id"]), _today_for(doc))
    version = current or (data.versions_of(db, doc["id"]) or [None])[0]
    return render_template("documents/show.html", history=data.history(db, doc["id"]),
                           **pages.version_context(doc, version))


@bp.get("/<document_id>/versions/<version_id>")
def version(document_id, version_id):
    """One version of a document; superseded and obsolete ones stay readable, marked as not for use."""
    doc = access.document(document_id)
    return render_template("documents/version.html", **pages.version_context(doc, access.version_of(doc, version_id)))


@bp.get("/<document_id>/versions/<version_id>/attachment")
def attachment(document_id, version_id):
    """A version's attachment, behind the same site check, never sniffed as anything else."""
    doc = access.document(document_id)
    version = access.version_of(doc, version_id)
    if not version["attachment_sha256"]:
        abort(404)
    path = get_blob_store().path(version["attachment_sha256"])
    if not path.is_file():
        current_app.logger.error("attachment blob %s of %s v%s is missing", version["attachment_sha256"],
                                 doc["code"], version["version"])
        abort(404, description="The attachment's file is missing on this server; tell your administrator.")
    name = f"{doc['code']}-v{version['version']}.{EXTENSIONS.get(version['attachment_mime'], 'bin')}"
    # Named by its content, so the hash is a perfect ETag (security.set_headers makes every such response private).
    response = send_file(path, mimetype=version["attachment_mime"], download_name=name, etag=version[
        "attachment_sha256"], conditional=True, as_attachment=request.args.get("download") == "1", max_age=0)
    return response


@bp.post("/<document_id>/versions/<version_id>/ack")
def acknowledge(document_id, version_id):
    """Confirm "read and understood" for the version in force; htmx gets the confirmation widget back."""
    doc = access.document(document_id)
    version = access.version_of(doc, version_id)
    db = get_db()
    row, created = workflow.acknowledge(db, version_id, current_user.id, _today_for(doc))
    if htmx.is_htmx():
        return htmx.render("documents/version.html", "documents/_ack.html",
                           **pages.version_context(doc, version, receipt=row, just_confirmed=created))
    flash(f"Confirmed: you have read {doc['code']} version {version['version']}.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("documents.show", document_id=doc["id"]), 303)
