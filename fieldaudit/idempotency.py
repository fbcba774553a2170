"""Exactly-once for changes a tablet sends again: the `Idempotency-Key` of a request and the response it got.

A change queued on a tablet while the site server was out of reach is replayed later, and may be replayed twice
(the response was lost after the server committed). Each carries a client-made ULID in `Idempotency-Key`; the
server keeps key, user, method, path, a hash of the body and the response in the same transaction as the write,
so a repeat gets the stored response and writes nothing, and the same key with another body is a 409. Keys are
the user's own (the table's key is user + key): another user's key never returns this user's response.

Applied once, in `init_app`, to the views of the audit screens (`ENDPOINTS`), not view by view.
"""
import functools
import hashlib
import json
import re
from datetime import datetime, timedelta

from flask import current_app, request
from flask_login import current_user

from . import db as dbm
from . import ids
from .appdb import get_db
from .refusal import Refusal

KEY_HEADER = "Idempotency-Key"
MADE_AT_HEADER = "X-Made-At"
REPLAYED_HEADER = "Idempotent-Replayed"
# Long enough for a tablet left in a locker over a holiday to replay a change whose response it lost; a change
# that never reached the server has no row and replays whenever it comes.
KEEP_DAYS = 30
# The state-changing views of the audit screens: answers and notes, findings, photos.
ENDPOINTS = frozenset({"audits.answer", "audits.save_section", "audits.new_finding", "audits.edit_finding",
                       "audits.delete_finding", "evidence.upload", "evidence.caption"})
# What a replayed response needs besides status and body: where to go and what htmx should do.
KEPT_HEADERS = ("Content-Type", "Location", "Vary", "HX-Redirect", "HX-Refresh", "HX-Location", "HX-Trigger",
                "HX-Retarget", "HX-Reswap")
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_IGNORED_FIELDS = frozenset({"csrf_token"})  # a replay after a token refresh is still the same change


def body_hash(method: str, path: str, fields, files) -> str:
    """SHA-256 of a request's canonical form: method, path, form fields sorted (no CSRF token), files by content.
    A multipart boundary differs on every send of the same FormData, so the raw bytes cannot be compared."""
    digest = hashlib.sha256()
    parts = [method.upper(), path,
             sorted((k, v) for k, v in fields if k not in _IGNORED_FIELDS),
             sorted((name, hashlib.sha256(content).hexdigest()) for name, content in files)]
    digest.update(json.dumps(parts, ensure_ascii=False).encode())
    return digest.hexdigest()


def lookup(db, user_id: str, key: str) -> dict | None:
    """The stored outcome of `key` for this user, or None."""
    return dbm.query_one(db, "SELECT * FROM idempotency_keys WHERE user_id = ? AND key = ?", (user_id, key))


def record(db, *, user_id: str, key: str, method: str, path: str, digest: str, status: int,
           headers: list[tuple[str, str]], body: bytes) -> None:
    """Store a response under its key (inside the write's transaction) and drop records past KEEP_DAYS."""
    now = ids.utc_now()
    dbm.execute(db, "DELETE FROM idempotency_keys WHERE created_at < ?", (ids.iso(now - timedelta(days=KEEP_DAYS)),))
    db["idempotency_keys"].insert({"user_id": user_id, "key": key, "method": method, "path": path,
                                   "body_hash": digest, "status": status, "headers": json.dumps(headers),
                                   "body": body, "created_at": ids.iso(now)})


def clamp_made_at(text: str | None, now: datetime | None = None) -> str | None:
    """When the auditor made a change (`X-Made-At`), as a stored instant never later than now; None if unreadable."""
    if not text:
        return None
    try:
        made = ids.parse_iso(text.strip())
    except ValueError:
        return None
    if made.tzinfo is None:
        return None
    return ids.iso(min(made, now or ids.utc_now()))


def made_at() -> str | None:
    """This request's `X-Made-At`, clamped (for the answered time of a change made offline)."""
    return clamp_made_at(request.headers.get(MADE_AT_HEADER))


def _request_hash() -> str:
    files = []
    for name, storage in request.files.items(multi=True):
        content = storage.stream.read()
        storage.stream.seek(0)
        files.append((name, content))
    return body_hash(request.method, request.full_path.rstrip("?"), request.form.items(multi=True), files)


def _replay(stored: dict):
    response = current_app.response_class(stored["body"], status=stored["status"])
    for name, value in json.loads(stored["headers"]):
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def keyed(view):
    """Wrap a view: a request with an Idempotency-Key runs once per user and key; a repeat gets that response."""
    @functools.wraps(view)
    def wrapper(**kwargs):
        key = request.headers.get(KEY_HEADER)
        if key is None or request.method in ("GET", "HEAD", "OPTIONS"):
            return view(**kwargs)
        if not _ULID.match(key):
            raise Refusal("The change's Idempotency-Key is not a ULID.", 400)
        digest, path = _request_hash(), request.full_path.rstrip("?")
        db = get_db()
        # The lookup, the view's writes and the stored response are one transaction: a response lost after the
        # commit is found by the repeat, and a write that rolls back leaves no key behind.
        with dbm.transaction(db):
            stored = lookup(db, current_user.id, key)
            if stored is not None:
                if (stored["method"], stored["path"], stored["body_hash"]) != (request.method, path, digest):
                    raise Refusal("This change's key was already used for a different change; nothing was "
                                  "saved. Reload the page and make the change again.", 409)
                return _replay(stored)
            response = current_app.make_response(view(**kwargs))
            if response.status_code < 500 and not response.is_streamed:
                record(db, user_id=current_user.id, key=key, method=request.method, path=path, digest=digest,
                       status=response.status_code, body=response.get_data(),
                       headers=[(h, response.headers[h]) for h in KEPT_HEADERS if h in response.headers])
        return response
    return wrapper


def init_app(app, endpoints=ENDPOINTS) -> None:
    """Make the given endpoints (registered before this call) idempotent under a key."""
    for endpoint in endpoints:
        app.view_functions[endpoint] = keyed(app.view_functions[endpoint])
