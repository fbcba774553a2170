"""Endpoints the offline queue (static/js/queue.js) calls while it replays changes made without the server."""
from flask import Blueprint, jsonify
from flask_login import current_user

from .. import security

bp = Blueprint("offline", __name__, url_prefix="/offline")


@bp.get("/csrf")
def csrf():
    """This session's CSRF token and user, for a replay after the token changed (a new session of the same user).

    Signed-in users only (the default); a GET, so it changes nothing, and without CORS no other site can read it."""
    return jsonify(token=security.csrf_token(), user_id=current_user.id)
