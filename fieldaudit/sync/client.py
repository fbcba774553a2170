"""The device's side of a sync: push the outbox, upload the photos it names, pull the hub's changes (no Flask).

Network errors and 5xx answers are retried with back-off (a push is safe to repeat: the hub keeps each change's
first result under its ULID). A change the hub refuses is set aside for a person and never sent again; it never
holds up the changes behind it. 401 (revoked or unknown token) and 426 (upgrade) stop the sync with the hub's
message and keep the outbox as it is.
"""
import copy
import gzip
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from .. import __version__, ids, seal, settings
from .. import db as dbm
from ..refusal import Refusal
from . import hlc, outbox, pull, tables
from .api import PROTOCOL_VERSION

BATCH = 1000             # changes per push: the most a hub takes in one call
BATCH_BYTES = 4 * 1024 * 1024  # ... and well below its limit on a body once unpacked (16 MB)
PAGE = 1000
CHUNK = 1024 * 1024
TIMEOUT = (5, 60)
ATTEMPTS = 5
MAX_CHECK = 1000
UPLOADERS = 4


class Hub:
    """Calls to the paired hub with the device token, protocol headers, gzip and retries."""

    def __init__(self, db, session=None, sleep=time.sleep, user_id: str | None = None):
        """The hub this device is paired with; `session` may be any requests-compatible session."""
        self.url = settings.get(db, "hub_url")
        token = settings.get(db, "hub_token")
        if not self.url or not token:
            raise Refusal("This site server is not paired with a hub (fieldaudit sync pair HUB_URL CODE).", 409)
        self.http = session or requests.Session()
        # Photos go up on several connections at once only on sessions of our own: the hub's time per photo is
        # mostly waiting for its disk (fsync), and a caller's session (a test's transport) keeps its order.
        self.uploaders = UPLOADERS if session is None else 1
        self.sleep = sleep
        self.headers = {"Authorization": f"Bearer {token}", "X-FieldAudit-Protocol": PROTOCOL_VERSION,
                        "X-FieldAudit-App-Version": __version__, "Accept-Encoding": "gzip"}
        if user_id:
            self.headers["X-FieldAudit-User"] = user_id
        self.wire = {"sent": 0, "received": 0}
        self.lock = threading.Lock()
        self.batch_check = True  # POST /blobs/check; False once an older hub did not know it

    def call(self, method: str, path: str, *, body: bytes | None = None, headers=None, params=None,
             ok=(200, 201, 204), attempts: int = ATTEMPTS) -> requests.Response:
        """One request, retried on network errors and 5xx; other failures raise Refusal with the hub's message."""
        delay = 0.2
        for attempt in range(attempts):
            try:
                response = self.http.request(method, self.url + path, data=body, params=params, timeout=TIMEOUT,
                                             headers={**self.headers, "X-FieldAudit-Clock": str(hlc.now_ms()),
                                                      **(headers or {})})
            except requests.RequestException:
                response = None
            if response is not None and response.status_code < 500:
                with self.lock:
                    self.wire["sent"] += len(body or b"") + 200
                    self.wire["received"] += len(response.content) + 200
                if response.status_code in ok:
                    return response
                raise Refusal(_message(response), response.status_code)
            if attempt < attempts - 1:
                self.sleep(delay)
                delay = min(delay * 2, 10)
        raise Refusal("The hub did not answer (network or server error); nothing is lost, try again later.", 503)

    def twin(self) -> "Hub":
        """The same hub on a connection of its own (for another thread), counting into the same totals."""
        twin = copy.copy(self)
        twin.http = requests.Session()
        return twin


def _message(response) -> str:
    try:
        return response.json().get("message") or f"The hub answered {response.status_code}."
    except ValueError:  # a HEAD answer has no body: a protocol refusal says it in a header
        return response.headers.get("X-FieldAudit-Upgrade") or f"The hub answered {response.status_code}."


def sync_once(db, store, progress=None, *, session=None, sleep=time.sleep, user_id: str | None = None) -> dict:
    """Push the outbox in batches, upload the photos they name, pull every page; returns a summary."""
    progress = progress or (lambda stage, done, total: None)
    hub = Hub(db, session, sleep, user_id)
    summary = {"pushed": 0, "pulled": 0, "photos": 0, "set_aside": 0, "conflicts": 0, "bytes": 0}
    total = outbox.backlog(db)
    while True:
        batch = _sized(outbox.pending(db, BATCH))
        if not batch:
            break
        done = _push(db, store, hub, batch, summary)
        progress("push", summary["pushed"] + summary["set_aside"], total)
        if not done:
            break
    while True:
        since = pull.cursor(db)
        page = hub.call("GET", "/sync/v1/pull", params={"since": since, "limit": PAGE}).json()
        if page["changes"] or page["cursor"] != since:  # nothing new: no write (and no fsync) here either
            summary["pulled"] += pull.apply_page(db, page["changes"], page["cursor"])
        progress("pull", summary["pulled"], None)
        if not page["more"]:
            break
    summary["bytes"] = hub.wire["sent"] + hub.wire["received"]
    _note_time(db)
    return summary


def _note_time(db) -> None:
    """Keep when this sync ended, without waiting for the disk."""
    # A timestamp lost to a power cut costs nothing, and this write's fsync was most of a sync with nothing to do.
    mode = dbm.scalar(db, "PRAGMA synchronous")
    db.conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: committed in order, flushed at the next FULL one
    try:
        settings.put(db, "hub_last_sync", ids.now_iso())
    finally:
        db.conn.execute(f"PRAGMA synchronous={int(mode)}")


def _sized(batch: list[dict]) -> list[dict]:
    """The head of `batch` that fits in BATCH_BYTES (at least one change)."""
    size = 0
    for n, change in enumerate(batch):
        size += len(change["data"] or "") + len(change.get("base") or "") + 200
        if size > BATCH_BYTES and n:
            return batch[:n]
    return batch


def _push(db, store, hub, batch, summary) -> bool:
    """Send one batch (its blobs first); False when the rest must wait for the next sync."""
    usable = []
    missing = _upload_blobs(db, store, hub, batch, summary)
    for change in batch:
        lost = next((sha for sha in _blob_names(change) if sha in missing), None)
        if lost:
            _set_aside(db, change, "refused", f"photo {lost} is missing on this device")
            summary["set_aside"] += 1
        else:
            usable.append(change)
    if not usable:
        return True
    return _send(db, store, hub, usable, summary)


def _send(db, store, hub, usable, summary) -> bool:
    writer = settings.device_id(db)
    head = {w: h for w, h in seal.heads(db).items() if w == writer}
    payload = json.dumps({"changes": [outbox.row_of(c) for c in usable], "trail_head": head},
                         separators=(",", ":")).encode()
    try:
        answer = hub.call("POST", "/sync/v1/push", body=gzip.compress(payload, compresslevel=5),
                          headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}).json()
    except Refusal as exc:
        if exc.status != 403:
            raise
        if len(usable) > 1:  # find the change(s) the hub will not take by halving; the others go through
            half = len(usable) // 2
            return _send(db, store, hub, usable[:half], summary) and _send(db, store, hub, usable[half:], summary)
        _set_aside(db, usable[0], "refused", exc.message)
        summary["set_aside"] += 1
        return True
    by_id = {c["id"]: c for c in usable}
    complete = True
    now = ids.now_iso()
    done = []
    with dbm.transaction(db):
        for result in answer["results"]:
            change = by_id[result["id"]]
            if result["status"] in ("waiting", "not_attempted"):
                complete = False
                continue
            if result["status"] in ("refused", "conflict"):
                _set_aside(db, change, result["status"], result.get("reason") or "")
                summary["set_aside" if result["status"] == "refused" else "conflicts"] += 1
            done.append((now, change["id"]))
            summary["pushed"] += result["status"] != "refused"
        db.conn.executemany("UPDATE changes SET pushed_at = ? WHERE id = ?", done)
        if answer.get("anchor"):
            dbm.execute(db, "INSERT INTO settings (key, value) VALUES ('hub_anchor', ?) ON CONFLICT (key)"
                            " DO UPDATE SET value = excluded.value", (json.dumps(answer["anchor"]),))
    return complete


def _set_aside(db, change, status, reason) -> None:
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO sync_set_aside (change_id, seq, tbl, row_key, op, status, reason, set_aside_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (change_id) DO NOTHING",
                    (change["id"], change["seq"], change["tbl"], change["row_key"], change["op"], status, reason,
                     ids.now_iso()))
        dbm.execute(db, "UPDATE changes SET pushed_at = ? WHERE id = ?", (ids.now_iso(), change["id"]))


def _blob_names(change) -> list[str]:
    table = tables.BY_NAME.get(change["tbl"])
    if table is None or not table.blobs:
        return []
    data = json.loads(change["data"] or "{}")
    return [data[c] for c in table.blobs if data.get(c)]


def _upload_blobs(db, store, hub, batch, summary) -> set[str]:
    """Upload the blobs a batch names that the hub lacks, resuming at the hub's offset; returns those missing here."""
    names = list(dict.fromkeys(sha for change in batch for sha in _blob_names(change)))
    missing = {sha for sha in names if not store.exists(sha)}
    todo = [(sha, offset) for sha, offset in _held(hub, [s for s in names if s not in missing]).items()
            if offset is not None]
    if hub.uploaders > 1 and len(todo) > 1:
        local, twins = threading.local(), []

        def upload(item):
            if not hasattr(local, "hub"):
                local.hub = hub.twin()
                twins.append(local.hub)
            _upload(store, local.hub, *item)

        try:
            with ThreadPoolExecutor(hub.uploaders) as pool:
                list(pool.map(upload, todo))  # the first failure is raised here, once the others have ended
        finally:
            for twin in twins:
                twin.http.close()
    else:
        for sha, offset in todo:
            _upload(store, hub, sha, offset)
    summary["photos"] += len(todo)
    return missing


def _held(hub, shas: list[str]) -> dict:
    """{sha: None when the hub has it, else the offset to send from}: one call per MAX_CHECK blobs."""
    out = {}
    for start in range(0, len(shas), MAX_CHECK):
        part = shas[start:start + MAX_CHECK]
        if hub.batch_check:
            # A hub older than the call answers 400 (its form check sees a POST outside the API), 404 or 405.
            answer = hub.call("POST", "/sync/v1/blobs/check", ok=(200, 400, 404, 405),
                              body=json.dumps({"blobs": part}).encode(), headers={"Content-Type": "application/json"})
            if answer.status_code == 200:
                found = answer.json()["blobs"]
                out.update({sha: None if found[sha]["present"] else int(found[sha]["offset"]) for sha in part})
                continue
            hub.batch_check = False  # a hub older than the call: ask blob by blob
        for sha in part:
            head = hub.call("HEAD", f"/sync/v1/blobs/{sha}", ok=(200, 404))
            out[sha] = None if head.status_code == 200 else int(head.headers.get("Upload-Offset", "0"))
    return out


def _upload(store, hub, sha: str, offset: int) -> None:
    """Send one blob from `offset` in chunks; after a failure ask the hub where it stands."""
    length = store.size(sha)
    failures = 0
    with store.open(sha) as handle:
        while offset < length:
            handle.seek(offset)
            chunk = handle.read(CHUNK)
            try:
                # Not retried blindly: after a cut the hub may hold part of this chunk, so ask where it is.
                reply = hub.call("PATCH", f"/sync/v1/blobs/{sha}", body=chunk, attempts=1,
                                 headers={"Upload-Offset": str(offset), "Upload-Length": str(length),
                                          "Content-Type": "application/offset+octet-stream"})
            except Refusal as exc:
                if exc.status not in (409, 503):
                    raise
                failures += exc.status == 503
                if failures >= ATTEMPTS:
                    raise
                hub.sleep(0.2 * failures)
                reply = hub.call("HEAD", f"/sync/v1/blobs/{sha}", ok=(200, 404))
            offset = int(reply.headers.get("Upload-Offset", offset))
            if reply.status_code == 200:
                break


def set_aside(db) -> list[dict]:
    """Changes the hub refused or found in conflict, newest first, for a person to look at."""
    return dbm.query(db, "SELECT * FROM sync_set_aside WHERE resolved_at IS NULL ORDER BY set_aside_at DESC")
