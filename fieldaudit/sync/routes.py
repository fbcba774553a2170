"""The protocol's endpoints on the sync blueprint: push, pull and resumable blobs (token auth via api.py)."""
import gzip
import json
import zlib

from flask import Response, g, jsonify, request

from .. import appdb
from ..refusal import Refusal
from . import blobs, devices, hlc, hub, pull, versions
from .api import bp, device_required

MAX_JSON = 16 * 1024 * 1024  # a push body after decompression
MAX_CHUNK = 8 * 1024 * 1024
MAX_SEQ = 2 ** 63 - 1    # a hub sequence is a 64-bit integer; a larger cursor is no cursor (found by schemathesis)
MAX_CHECK = 1000  # blobs asked about in one call
VERSIONED = {"sync_api.push", "sync_api.pull_page", "sync_api.blob_head", "sync_api.blob_patch",
             "sync_api.blob_check"}


@bp.before_request
def protocol_version():
    if request.endpoint not in VERSIONED:
        return None  # pairing and whoami answer any version: they are how a device finds out
    try:
        g.protocol_note = versions.check(request.headers.get("X-FieldAudit-Protocol", ""))
    except Refusal as exc:
        g.protocol_note = exc.message  # also as a header: the answer to a HEAD has no body to say it in
        raise
    return None


@bp.after_request
def protocol_answer(response: Response) -> Response:
    """Every answer names the hub's protocol; a device on the previous one, or refused, is told what to upgrade."""
    response.headers["X-FieldAudit-Protocol"] = versions.CURRENT
    if g.get("protocol_note"):
        response.headers["X-FieldAudit-Upgrade"] = g.protocol_note
    return response


def body_bytes(limit: int) -> bytes:
    """The request body, gunzipped when sent gzip, refused beyond `limit` bytes either way."""
    raw = request.get_data(cache=False)
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = inflater.decompress(raw, limit + 1)
        except zlib.error as exc:
            raise Refusal("The body is not valid gzip.", 400) from exc
    if len(raw) > limit:
        raise Refusal(f"The body is larger than {limit} bytes once unpacked; send smaller batches.", 413)
    return raw


def reply(payload: dict, status: int = 200) -> Response:
    """JSON, gzipped when the device accepts it and it is worth it."""
    data = json.dumps(payload, separators=(",", ":")).encode()
    response = Response(data, status=status, mimetype="application/json")
    if len(data) > 1024 and "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(data, compresslevel=5))
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response


@bp.post("/push")
@device_required
def push():
    """Apply a batch of the device's changes; a status per change."""
    raw = body_bytes(MAX_JSON)
    try:
        body = json.loads(raw or b"null")
    except ValueError as exc:
        raise Refusal("Send a JSON object {\"changes\": [...]}.", 400) from exc
    if not isinstance(body, dict) or not isinstance(body.get("changes"), list):
        raise Refusal("Send a JSON object {\"changes\": [...]}.", 400)
    db = appdb.get_db()
    clock = request.headers.get("X-FieldAudit-Clock", "")
    if clock.isdigit():
        devices.touch(db, g.device["id"], clock_offset_ms=int(clock) - hlc.now_ms())
    result = hub.receive(db, g.device, g.device_user, body["changes"], appdb.get_blob_store(),
                         trail_head=body.get("trail_head"))
    return reply(dict(result, hub_time_ms=hlc.now_ms()))


@bp.get("/pull")
@device_required
def pull_page():
    """The changes after the device's cursor, for its sites."""
    try:
        since, limit = int(request.args.get("since", "0")), int(request.args.get("limit", "500"))
    except ValueError as exc:
        raise Refusal("since and limit are whole numbers.", 400) from exc
    if not 0 <= since <= MAX_SEQ:
        raise Refusal(f"since is a whole number from 0 to {MAX_SEQ}.", 400)
    return reply(pull.page(appdb.get_db(), g.device, since, limit))


def _sha(sha: str) -> str:
    try:
        return blobs.check_sha(sha)
    except ValueError as exc:
        raise Refusal("A blob is named by its SHA-256 in lowercase hex.", 404) from exc


@bp.route("/blobs/<sha>", methods=["HEAD"])
@device_required
def blob_head(sha):
    """200 when the hub has the blob; else 404 with the bytes it holds so far in Upload-Offset."""
    held = blobs.status(appdb.get_blob_store(), _sha(sha))
    response = Response(status=200 if held["present"] else 404)
    response.headers["Upload-Offset"] = str(held["offset"])
    return response


@bp.post("/blobs/check")
@device_required
def blob_check():
    """Which of these blobs the hub has, and how much of the others: one call instead of a HEAD per blob."""
    try:
        body = json.loads(body_bytes(MAX_JSON) or b"null")
        shas = body.get("blobs") if isinstance(body, dict) else None
        if not isinstance(shas, list):
            raise ValueError("no list of blobs")
        for sha in shas:
            blobs.check_sha(sha)
    except ValueError as exc:
        raise Refusal("Send a JSON object {\"blobs\": [sha256, ...]}, each a SHA-256 in lowercase hex.", 400) from exc
    if len(shas) > MAX_CHECK:
        raise Refusal(f"Ask about at most {MAX_CHECK} blobs at once.", 413)
    return reply({"blobs": blobs.check(appdb.get_blob_store(), shas)})


@bp.patch("/blobs/<sha>")
@device_required
def blob_patch(sha):
    """Append a chunk at Upload-Offset of a blob of Upload-Length bytes."""
    try:
        offset, length = int(request.headers["Upload-Offset"]), int(request.headers["Upload-Length"])
    except (KeyError, ValueError) as exc:
        raise Refusal("Send Upload-Offset and Upload-Length as whole numbers.", 400) from exc
    store = appdb.get_blob_store()
    sha = _sha(sha)
    try:
        held = blobs.append(store, sha, offset, length, body_bytes(MAX_CHUNK))
    except Refusal as exc:
        if exc.status != 409:
            raise
        response = jsonify(error="Refusal", message=exc.message, status=409)
        response.status_code = 409
        response.headers["Upload-Offset"] = str(blobs.status(store, sha)["offset"])
        return response
    response = Response(status=204)
    response.headers["Upload-Offset"] = str(held["offset"])
    return response



