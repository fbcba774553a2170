"""What a paired device knows about its sync: last success, what waits, the last problem; and a recorded run.

`run` wraps `client.sync_once` (unchanged) so the header, the Sync screen, the background runner and the hub's
fleet view all read the same facts: the outcome of the last attempt is kept in settings, and every call to the hub
carries what is still waiting here (X-FieldAudit-Backlog, -Photos-Waiting, -Set-Aside; see sync/PROTOCOL.md).
"""
import json
import time

import requests

from .. import db as dbm
from .. import ids, settings
from ..refusal import Refusal
from . import client, link, outbox

# A problem's kind from the status the hub (or the network) answered with.
PROBLEMS = {401: "revoked", 426: "upgrade", 502: "unreachable", 503: "unreachable"}
LABELS = {"revoked": "Device revoked at the hub", "upgrade": "Upgrade needed", "unreachable": "Hub unreachable",
          "error": "Sync failed"}


def photos_waiting(db) -> int:
    """Photos taken here whose evidence row has not gone to the hub yet."""
    return dbm.scalar(db, "SELECT COUNT(*) FROM changes WHERE pushed_at IS NULL AND source IS NULL"
                          " AND tbl = 'evidence' AND op = 'insert'")


def open_set_aside(db) -> int:
    """Changes the hub refused (or found in conflict) that nobody has looked at yet."""
    return dbm.scalar(db, "SELECT COUNT(*) FROM sync_set_aside WHERE resolved_at IS NULL")


def status(db) -> dict | None:
    """The header's facts on a paired device (None when standalone): last sync, waiting, problem."""
    hub = link.hub_link(db)
    if hub is None:
        return None
    problem = settings.get(db, "sync_problem")
    problem = json.loads(problem) if problem else None
    if problem:
        problem["label"] = LABELS.get(problem["kind"], LABELS["error"])
    return {"hub": hub, "last_sync": settings.get(db, "hub_last_sync"), "waiting": outbox.backlog(db),
            "photos": photos_waiting(db), "set_aside": open_set_aside(db), "problem": problem}


class ReportingSession(requests.Session):
    """A requests session that tells the hub, on every call, what still waits on this device."""

    def __init__(self, db):
        """Report from `db` (read at each call, so the pull after a push reports what is left)."""
        super().__init__()
        self.db = db

    def request(self, method, url, *args, **kwargs):
        """Add the backlog headers, then send as usual."""
        headers = dict(kwargs.pop("headers", None) or {})
        headers.update(report_headers(self.db))
        return super().request(method, url, *args, headers=headers, **kwargs)


def report_headers(db) -> dict:
    """The device's report to the hub's fleet view."""
    return {"X-FieldAudit-Backlog": str(outbox.backlog(db)), "X-FieldAudit-Photos-Waiting": str(photos_waiting(db)),
            "X-FieldAudit-Set-Aside": str(open_set_aside(db))}


def run(db, store, progress=None, *, session=None, sleep=time.sleep, user_id: str | None = None) -> dict:
    """One sync, its outcome recorded for the header; a Refusal (401, 426, unreachable…) is recorded and re-raised."""
    try:
        summary = client.sync_once(db, store, progress, session=session or ReportingSession(db), sleep=sleep,
                                   user_id=user_id)
    except Refusal as exc:
        kind = PROBLEMS.get(exc.status or 0, "error")
        if exc.status == 409 and link.hub_link(db) is None:
            raise
        settings.put(db, "sync_problem", json.dumps({"kind": kind, "status": exc.status, "message": exc.message,
                                                     "at": ids.now_iso()}))
        raise
    with dbm.transaction(db):
        dbm.execute(db, "DELETE FROM settings WHERE key = 'sync_problem'")
        dbm.execute(db, "INSERT INTO settings (key, value) VALUES ('sync_last_summary', ?) ON CONFLICT (key)"
                        " DO UPDATE SET value = excluded.value", (json.dumps(summary),))
    return summary


def last_summary(db) -> dict | None:
    """The summary of the last successful sync (pushed, pulled, photos, bytes…)."""
    value = settings.get(db, "sync_last_summary")
    return json.loads(value) if value else None
