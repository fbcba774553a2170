"""Endpoints the offline queue (static/js/queue.js) calls: a fresh CSRF token for replays, an audit's rules."""
from flask import Blueprint, jsonify
from flask_login import current_user

from .. import security
from ..appdb import get_db
from ..audits import data as audits
from ..auth.access import ensure_found
from ..checklists import SEVERITY_LABELS
from .rulebook import compile_rules

bp = Blueprint("offline_queue", __name__, url_prefix="/offline")


@bp.get("/csrf")
def csrf():
    """This session's CSRF token and user, for a replay after the token changed (a new session of the same user).

    Signed-in users only (the default); a GET, so it changes nothing, and without CORS no other site can read it."""
    return jsonify(token=security.csrf_token(), user_id=current_user.id)


@bp.get("/audits/<audit_id>/rules")
def rules(audit_id):
    """An audit's rulebook, its answers and the sections out of its scope: what the tablet needs to show and hide
    questions and suggest findings without the server (static/js/rules.js)."""
    db = get_db()
    audit = ensure_found(audits.get_audit(db, audit_id), "view_audits")
    return jsonify(audit_id=audit_id, rulebook=compile_rules(audits.checklist_of(db, audit)),
                   answers=audits.values(audits.answers_of(db, audit_id)),
                   excluded=sorted(audits.out_of_scope(audit)), severity_labels=SEVERITY_LABELS)
