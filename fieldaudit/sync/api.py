"""The sync API (/sync/v1): bearer-token authentication of devices, JSON in and out, never a session.

Its requests carry no cookie-based authority at all (so no CSRF token either): `device_required` reads the
`Authorization: Bearer` token, and the acting person comes from `X-FieldAudit-User`, checked against the device's
sites. Errors are JSON with a message a person can act on, whatever the client accepts.
"""
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .. import appdb, settings
from .. import db as dbm
from ..refusal import Refusal
from . import devices, versions

PROTOCOL_VERSION = versions.CURRENT  # the policy (accepted versions, what 426 says) is in versions.py
bp = Blueprint("sync_api", __name__, url_prefix="/sync/v1")


def is_hub() -> bool:
    """True on the head-office hub (MODE = hub, or `fieldaudit serve --hub`)."""
    return current_app.config.get("MODE") == "hub"


@bp.before_request
def only_on_the_hub():
    if not is_hub():
        raise Refusal("This server is a site server, not a hub: pair it with your head office's hub instead.", 404)


@bp.errorhandler(Refusal)
def refused(exc: Refusal):
    response = jsonify(error=type(exc).__name__, message=exc.message, status=exc.status)
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fieldaudit-sync"'
    return response


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    response = jsonify(error=exc.name, message=exc.description, status=exc.code)
    response.status_code = exc.code or 500
    return response


def bearer_token() -> str | None:
    """The token of `Authorization: Bearer …`, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def acting_user(db, device: dict) -> dict | None:
    """The person a device acts for (X-FieldAudit-User): active, with a role at one of the device's sites."""
    user_id = request.headers.get("X-FieldAudit-User")
    if not user_id:
        return None
    marks = ",".join("?" * len(device["site_ids"]))
    user = dbm.query_one(db, "SELECT u.* FROM users u WHERE u.id = ? AND u.active = 1 AND EXISTS ("
                             f" SELECT 1 FROM memberships m WHERE m.user_id = u.id AND (m.site_id IS NULL OR"
                             f" m.site_id IN ({marks})))", (user_id, *device["site_ids"]))
    if user is None:
        raise Refusal("The person this device acts for is unknown, disabled, or has no role at its sites.", 403)
    return user


def device_required(view):
    """Authenticate the calling device by its bearer token (401 otherwise); sets g.device and g.device_user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        db = appdb.get_db()
        g.device = devices.authenticate(db, bearer_token())
        g.device_user = acting_user(db, g.device)
        devices.touch(db, g.device["id"], app_version=request.headers.get("X-FieldAudit-App-Version", ""),
                      protocol_version=request.headers.get("X-FieldAudit-Protocol", ""))
        return view(*args, **kwargs)
    return wrapper


@bp.post("/pair")
def pair():
    """Trade a single-use pairing code for a device token."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refusal("Send a JSON object with code, installation_id and name.", 400)
    db = appdb.get_db()
    device, token = devices.pair(db, str(body.get("code", "")),
                                 installation_id=str(body.get("installation_id", "")),
                                 name=str(body.get("name", "")), app_version=str(body.get("app_version", "")),
                                 protocol_version=PROTOCOL_VERSION)
    return jsonify(device_id=device["id"], token=token, site_ids=device["site_ids"],
                   hub_id=settings.device_id(db), protocol=PROTOCOL_VERSION), 201


@bp.get("/whoami")
@device_required
def whoami():
    """The calling device as the hub sees it: a cheap check that a token still works."""
    return jsonify(device_id=g.device["id"], name=g.device["name"], site_ids=g.device["site_ids"],
                   user_id=g.device_user["id"] if g.device_user else None, protocol=PROTOCOL_VERSION)
