"""Sync screens: on a paired device the status, "Sync now" as a job, set-aside changes and conflicts; on the hub
each device's conflicts. Who may sync or discard: quality managers and admins of the device's sites (and group
roles); a set-aside change only at its own site."""
import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import forms, jobs
from ..appdb import blob_store_of, get_db
from ..auth.access import ensure_sites
from ..htmx import is_htmx
from ..refusal import Refusal
from ..stations import data as stations
from . import devices, link, review, status

bp = Blueprint("sync_ui", __name__, url_prefix="/sync")

SYNC_PERMISSIONS = ("manage_capa", "manage_site")


def may_sync(site_ids) -> list[str]:
    """The device's sites where the current user may sync and review (404 with no role at any, 403 without)."""
    allowed = [s for s in site_ids if any(current_user.can(p, s) for p in SYNC_PERMISSIONS)]
    if not allowed:
        abort(403 if any(current_user.roles_at(s) for s in site_ids) else 404)
    return allowed


def _paired(db) -> dict:
    if current_app.config["MODE"] == "hub":
        abort(404, description="This server is the hub; devices sync with it (see Devices).")
    hub = link.hub_link(db)
    if hub is None:
        abort(404, description="This server is not paired with a hub (see Hub link).")
    return hub


def _timezone(db, site_ids) -> str | None:
    site = stations.get_site(db, site_ids[0]) if site_ids else None
    return site["timezone"] if site else None


@bp.get("/")
def index():
    """The Sync screen: last sync, what waits, the last problem and summary, and "Sync now"."""
    db = get_db()
    hub = _paired(db)
    may_sync(hub["site_ids"])
    return _render_index(db, hub)


def _render_index(db, hub, job=None):
    return render_template("sync/status.html", state=status.status(db), summary=status.last_summary(db),
                           tz=_timezone(db, hub["site_ids"]), set_aside=status.open_set_aside(db), job=job)


@bp.post("/run")
def run():
    """Start a sync as a background job; the answer is a progress fragment that polls until it ends."""
    db = get_db()
    hub = _paired(db)
    sites = may_sync(hub["site_ids"])
    store = blob_store_of(current_app)

    def work(job_db, progress):
        def report(stage, done, total):
            if stage == "push":
                progress(done, max(total or 1, 1) * 2, f"sent {done} of {total} changes")
            else:
                progress(1, 2, f"received {done} changes")
        return json.dumps(status.run(job_db, store, report)).encode()

    job = jobs.submit(current_app.config, "sync", {}, by=current_user.id, site_id=sites[0], permission=None,
                      title="Sync with the hub", filename="sync-summary.json", work=work)
    if not is_htmx():
        return _render_index(db, hub, job)
    return render_template("sync/_job.html", job=job, summary=None)


@bp.get("/jobs/<job_id>")
def job(job_id):
    """A sync job's progress, then its summary or why it failed."""
    db = get_db()
    hub = _paired(db)
    may_sync(hub["site_ids"])
    found = jobs.get(db, job_id, current_user.id)
    if found is None or found["kind"] != "sync":
        abort(404)
    summary = None
    if found["status"] == "done":
        path = jobs.file_of(current_app.config, found)
        summary = json.loads(path.read_bytes()) if path else status.last_summary(db)
    return render_template("sync/_job.html", job=found, summary=summary, state=status.status(db))


def _render_review(db, hub, error: str | None = None):
    sites = may_sync(hub["site_ids"])
    return render_template("sync/set_aside.html", changes=review.set_aside(db, sites),
                           conflicts=review.capa_conflicts(db, sites), tz=_timezone(db, hub["site_ids"]), error=error)


@bp.get("/set-aside")
def set_aside():
    """Each change the hub refused, with what, who, when and why; and the CAPA conflicts merges recorded."""
    db = get_db()
    return _render_review(db, _paired(db))


@bp.post("/set-aside/<change_id>/discard")
def discard(change_id):
    """Discard one set-aside change once its reviewer confirms; recorded with who and when."""
    db = get_db()
    hub = _paired(db)
    sites = may_sync(hub["site_ids"])
    row = review.get_set_aside(db, change_id)
    if row is None or row["resolved_at"] is not None:
        abort(404)
    if row["site_id"] is not None and row["site_id"] not in sites:
        abort(403 if current_user.roles_at(row["site_id"]) else 404)
    forms.rerender_on_refusal(lambda error: _render_review(db, hub, error=error))
    if request.form.get("confirm") != "yes":
        raise Refusal("Tick the box to confirm that this change will not go to the hub.", 422)
    review.discard(db, change_id, by=current_user.id)
    flash("The change is discarded: it stays on this server only and will not go to the hub.", "success")
    return redirect(url_for("sync_ui.set_aside"), 303)


@bp.get("/devices/<device_id>/conflicts")
def device_conflicts(device_id):
    """On the hub: the CAPA conflicts recorded for one device's changes, at the sites this admin manages."""
    if current_app.config["MODE"] != "hub":
        abort(404)
    db = get_db()
    device = devices.get(db, device_id)
    if device is None:
        abort(404)
    ensure_sites("manage_site", device["site_ids"])
    sites = [s for s in device["site_ids"] if current_user.can("manage_site", s)]
    return render_template("sync/device_conflicts.html", device=device,
                           conflicts=review.conflicts(db, sites, device_id))


@bp.app_context_processor
def sync_state_processor():
    """`sync_state()` for the header: the paired device's sync facts, read only when a page shows them."""
    def state():
        if current_app.config["MODE"] == "hub":
            return None
        db = get_db()
        found = status.status(db)
        if found is not None:
            found["tz"] = _timezone(db, found["hub"]["site_ids"])
            found["may_sync"] = any(current_user.can(p, s) for s in found["hub"]["site_ids"]
                                    for p in SYNC_PERMISSIONS)
        return found
    return {"sync_state": state}
