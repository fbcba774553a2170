"""The checklist builder: quality managers create and edit drafts, preview them, publish and compare versions."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import htmx
from ..responses import file_response
from ..appdb import get_db
from ..auth.access import sites_with
from ..documents import data as documents
from ..forms import rerender_on_refusal
from ..refusal import Refusal
from . import builder, diff, drafts, editing, formats, store

bp = Blueprint("builder", __name__, url_prefix="/builder")

EXPORTS = {"yaml": ("text/yaml; charset=utf-8", formats.write_yaml),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", formats.write_xlsx),
           "csv": ("text/csv; charset=utf-8", formats.write_csv)}
MAX_NOTES_SHOWN = 40
OPS = ("checklist", "section", "add_section", "delete_section", "move_section", "add_question",
       "duplicate_question", "delete_question", "move_question", "question")


def _ensure_manager() -> list[str] | None:
    """Checklists are group-wide: a quality manager at any of the person's sites may build them."""
    return sites_with("manage_checklists", message="Only quality managers build checklists.")


def _editor(version_id: str, status: int = 200, section: int | None = None, **extra):
    """The editor page, or its fragment for htmx."""
    db = get_db()
    sites = _ensure_manager()
    if section is None:
        section = int(request.values.get("preview") or 0)
    context = builder.editor_context(db, version_id, section, documents.list_documents(db, sites))
    return htmx.render("builder/edit.html", "builder/_editor.html", status, **context, **extra)


def _index(error: str | None = None, problems: list[str] | None = None, status: int = 200):
    """The builder's start page, with an upload's or a new checklist's problems when there are any."""
    db = get_db()
    return render_template("builder/index.html", drafts=drafts.list_drafts(db),
                           checklists=store.list_checklists(db, active_only=False), error=error,
                           problems=problems or []), status


@bp.get("/")
def index():
    """Drafts in progress, a form for a new checklist, uploads, and the published checklists."""
    _ensure_manager()
    return _index()


@bp.post("/")
def create():
    """Start a new checklist as a draft."""
    _ensure_manager()
    db = get_db()
    rerender_on_refusal(lambda message: _index(error=message)[0], statuses=(409, 422))
    row = drafts.new_checklist(db, request.form.get("key", ""), request.form.get("title", ""), by=current_user.id)
    return redirect(url_for("builder.edit", version_id=row["id"]), 303)


@bp.get("/drafts/<version_id>")
def edit(version_id):
    """The draft editor with the preview of one section."""
    return _editor(version_id)


@bp.post("/drafts/<version_id>")
def update(version_id):
    """Apply one edit (a field, or adding, moving, duplicating or deleting a part) and save the draft."""
    _ensure_manager()
    db = get_db()
    op = request.form.get("op", "")
    if op not in OPS:
        raise Refusal("Unknown builder action.", 422)
    row, head, data = drafts.get(db, version_id)
    try:
        changed = editing.apply(data, op, request.form)
    except (IndexError, KeyError, ValueError, TypeError):
        raise Refusal("That part of the draft is not there any more; reload the draft.", 409) from None
    # Every editor form carries the revision it showed; a request without one cannot prove it saw the latest.
    drafts.save_draft(db, head["key"], changed, by=current_user.id, revision=request.form.get("revision") or -1)
    if htmx.is_htmx():
        return _editor(version_id)
    return redirect(url_for("builder.edit", version_id=version_id, preview=request.values.get("preview", 0)), 303)


@bp.post("/drafts/<version_id>/publish")
def publish(version_id):
    """Publish the draft as the next version; a draft with problems comes back with them next to their fields."""
    _ensure_manager()
    rerender_on_refusal(lambda message: _editor(version_id, 422, refused=message))
    row = drafts.publish_draft(get_db(), version_id, by=current_user.id, revision=request.form.get("revision"))
    target = url_for("checklists.show", checklist_id=row["checklist_id"], version=row["version"])
    return htmx.redirect(target) if htmx.is_htmx() else redirect(target, 303)


@bp.post("/drafts/<version_id>/discard")
def discard(version_id):
    """Throw the draft away (a never-published checklist goes with it)."""
    _ensure_manager()
    drafts.discard_draft(get_db(), version_id, by=current_user.id, revision=request.form.get("revision"))
    return redirect(url_for("builder.index"), 303)


@bp.post("/versions/<version_id>/draft")
def new_version(version_id):
    """"New version from this one": a draft that starts as a copy of a published version."""
    _ensure_manager()
    row = drafts.new_version_from(get_db(), version_id, by=current_user.id)
    return redirect(url_for("builder.edit", version_id=row["id"]), 303)


@bp.get("/checklists/<checklist_id>/diff")
def compare(checklist_id):
    """What changed between two published versions (default: the latest against the one before)."""
    _ensure_manager()
    db = get_db()
    head = store.get_checklist(db, checklist_id)
    versions = store.list_versions(db, checklist_id) if head else []
    if not versions:
        raise Refusal("No such checklist.", 404)
    by_number = {str(v["version"]): v for v in versions}
    new = by_number.get(request.args.get("to", ""), versions[0])
    old = by_number.get(request.args.get("from", ""), versions[1] if len(versions) > 1 else versions[0])
    changes = diff.compare(store.load_version(db, old["id"]), store.load_version(db, new["id"]))
    return render_template("builder/diff.html", head=head, versions=versions, old=old, new=new, changes=changes)


@bp.post("/upload")
def upload():
    """A YAML, spreadsheet or XLSForm file becomes the draft of the checklist with its id (a new one, or the next
    version of an existing one); what XLSForm could not carry over is listed, question by question."""
    _ensure_manager()
    db = get_db()
    rerender_on_refusal(lambda message: _index(problems=message.splitlines())[0], statuses=(409, 422))
    file = request.files.get("file")
    if file is None or not file.filename:
        raise Refusal("Choose a checklist file (.yaml, .xlsx, .csv or an XLSForm .xlsx) to upload.", 422)
    name = file.filename.replace("\\", "/").rsplit("/", 1)[-1]
    result = formats.read_with_notes(file.stream.read(formats.common.MAX_UPLOAD_BYTES + 1), name)
    key = result.data.get("id") if isinstance(result.data, dict) else None
    head = store.find_checklist(db, key) if isinstance(key, str) else None
    current = drafts.get_draft(db, head["id"]) if head else None
    if current is not None and not request.form.get("replace"):
        raise Refusal(f"{name}: {key} already has a draft in progress; open it, or upload again with "
                      "\"Replace the draft\" ticked.", 409)
    row = drafts.save_draft(db, key, result.data, by=current_user.id, source=name)
    flash(f"{name} is now the draft of {key} (version {drafts.next_version(db, row['checklist_id'])}).", "success")
    for note in result.notes[:MAX_NOTES_SHOWN]:
        flash(f"Not imported: {note}", "warning")
    if len(result.notes) > MAX_NOTES_SHOWN:
        flash(f"… and {len(result.notes) - MAX_NOTES_SHOWN} more parts of the form that could not be imported.",
              "warning")
    return redirect(url_for("builder.edit", version_id=row["id"]), 303)


@bp.get("/versions/<version_id>/export/<kind>")
def export(version_id, kind):
    """A published version as YAML, .xlsx or .csv (the layout `fieldaudit checklist import` reads back)."""
    _ensure_manager()
    db = get_db()
    if kind not in EXPORTS:
        raise Refusal("Export as yaml, xlsx or csv.", 404)
    try:
        checklist = store.load_version(db, version_id)
    except KeyError:
        raise Refusal("No such published checklist version.", 404) from None
    mimetype, write = EXPORTS[kind]
    return file_response(write(checklist), f"{checklist.id}-v{checklist.version}.{kind}", mimetype)


@bp.get("/template.xlsx")
def template():
    """The spreadsheet template: the layout with an example of every common question type."""
    _ensure_manager()
    return file_response(formats.template_xlsx(), "checklist-template.xlsx", EXPORTS["xlsx"][0])
