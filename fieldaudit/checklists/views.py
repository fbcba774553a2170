"""Checklist pages: the published checklists, their versions, and YAML import for quality managers."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import settings
from ..appdb import get_db
from ..forms import rerender_on_refusal
from ..refusal import Refusal
from ..auth.access import sites_with
from . import loader, store
from .model import SEVERITY_LABELS

bp = Blueprint("checklists", __name__, url_prefix="/checklists")

MAX_IMPORT_BYTES = 1_000_000


def _ensure_reader() -> None:
    sites_with("run_audits", "view_audits", message="Your role does not include audits or checklists.")


@bp.get("/")
def index():
    """Published checklists with their latest version."""
    _ensure_reader()
    db = get_db()
    return render_template("checklists/index.html", checklists=store.list_checklists(db, active_only=False),
                           can_import=current_user.can_anywhere("manage_checklists") and not settings.hub_paired(db),
                           problems=[], paired=settings.hub_paired(db))


@bp.get("/<checklist_id>")
def show(checklist_id):
    """One checklist: its versions and the questions of the chosen (default latest) version."""
    _ensure_reader()
    db = get_db()
    head = store.get_checklist(db, checklist_id)
    versions = store.list_versions(db, checklist_id) if head else []
    if not versions:  # unknown, or only a draft so far (drafts are the builder's)
        abort(404)
    chosen = next((v for v in versions if str(v["version"]) == request.args.get("version")), versions[0])
    return render_template("checklists/show.html", head=head, versions=versions, chosen=chosen,
                           checklist=store.load_version(db, chosen["id"]), severity_labels=SEVERITY_LABELS)


@bp.post("/import")
def import_file():
    """Validate an uploaded YAML checklist and publish it as a new, immutable version."""
    db = get_db()
    sites_with("manage_checklists")

    def page(problems: list[str]):
        return render_template("checklists/index.html", checklists=store.list_checklists(db, active_only=False),
                               can_import=True, problems=problems, paired=settings.hub_paired(db))

    # A ChecklistError's message is its problems, one per line, each already naming the file.
    rerender_on_refusal(lambda error: page(error.splitlines()))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Refusal("Choose a checklist file (.yaml) to import.", 422)
    data = upload.stream.read(MAX_IMPORT_BYTES + 1)
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1] or "upload.yaml"
    if len(data) > MAX_IMPORT_BYTES:
        raise Refusal(f"{name}: the file is larger than 1 MB; a checklist is a few hundred kB at most.", 422)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(f"{name}: not a UTF-8 text file; save the checklist as UTF-8 YAML.", 422) from None
    checklist = loader.parse_checklist(text, name)
    rerender_on_refusal(lambda error: page([f"{name}: {error}"]), statuses=(409,))
    row, created = store.publish(db, checklist, by=current_user.id, source=name)
    flash(f"Published {checklist.title} version {checklist.version}." if created
          else f"{checklist.title} version {checklist.version} was already published; nothing changed.", "success")
    return redirect(url_for("checklists.show", checklist_id=row["checklist_id"]), 303)
