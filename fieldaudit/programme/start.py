"""Starting a scheduled audit (linked once, whatever the taps) and marking it done when its audit is submitted."""
import json
from datetime import date

from .. import db as dbm
from .. import ids
from ..audits import data as audits
from ..checklists import store as checklist_store
from ..refusal import Refusal
from . import data, lpa, people, schedule


def start_scheduled(db, scheduled_id: str, user: dict, today: str) -> dict:
    """Start the audit a scheduled one asks for, as `user`, with the checklist's latest published version (an LPA
    audit with its drawn questions) and link it. A second tap returns the audit the first one started."""
    with dbm.transaction(db):  # the write lock from the first read: two taps cannot both link
        row = data.get_scheduled(db, scheduled_id, today)
        if row is None:
            raise Refusal("No such scheduled audit.", 404)
        if row["audit_id"]:
            if row["audit_status"] == "in_progress" and row["audit_auditor_id"] == user["id"]:
                return audits.get_audit(db, row["audit_id"])
            started = row["audit_number"] or "an audit on another device"  # audits only flow up: not here
            raise Refusal(f"This scheduled audit was already started as {started}.", 409)
        if row["state"] in ("done", "missed"):
            raise Refusal(f"This scheduled audit is {row['state']}.", 409)
        pool = json.loads(row["pool"])
        if row["auditor_id"] != user["id"] and not (row["auditor_id"] is None and user["id"] in pool):
            raise Refusal(f"This audit is scheduled for {row['auditor_name'] or 'the plan’s pool'}.", 403)
        people.ensure_qualified(db, user, row["site_id"], row["checklist_id"], today,
                                required=bool(row["requires_qualification"]))
        version = dbm.query_one(db, "SELECT id FROM checklist_versions WHERE checklist_id = ? AND status ="
                                    " 'published' ORDER BY version DESC LIMIT 1", (row["checklist_id"],))
        if version is None:
            raise Refusal("This checklist has no published version to audit with.", 409)
        checklist = checklist_store.load_version(db, version["id"])
        out_of_scope = {}
        pool_settings = lpa.get_pool(db, row["checklist_id"]) if row["layer"] else None
        if pool_settings:
            drawn = lpa.draw(db, checklist, row["checklist_id"], pool_settings, site_id=row["site_id"],
                             workstation_id=row["workstation_id"], area_id=row["area_id"],
                             today=date.fromisoformat(today))
            out_of_scope = lpa.scope_for(checklist, drawn)
        site = dbm.query_one(db, "SELECT * FROM sites WHERE id = ?", (row["site_id"],))
        station = dbm.query_one(db, "SELECT * FROM workstations WHERE id = ?", (row["workstation_id"],)) \
            if row["workstation_id"] else None
        audit = audits.create_audit(db, site=site, checklist_version_id=version["id"], auditor_id=user["id"],
                                    workstation=station, area_id=row["area_id"], out_of_scope=out_of_scope,
                                    scope=f"Scheduled: {row['plan_title'] or row['checklist_title']}, due "
                                          f"{row['due_date']}")
        linked = dbm.execute(db, "UPDATE scheduled_audits SET audit_id = ?, auditor_id = COALESCE(auditor_id, ?),"
                                 " updated_at = ? WHERE id = ? AND audit_id IS NULL",
                             (audit["id"], user["id"], ids.now_iso(), scheduled_id))
        if linked != 1:
            raise Refusal("This scheduled audit was started by someone else just now.", 409)
    return audits.get_audit(db, audit["id"])


def counts_for(db, user_id: str, site: dict, workstation: dict | None, now) -> list[dict]:
    """The scheduled audits an audit started from the ordinary form here could do: due or overdue for this person
    at this site (and this station, when one is chosen), not started yet."""
    today = data.today_by_site(db, [site["id"]], now)
    rows = data.due_for(db, user_id, today, workstation_id=workstation["id"] if workstation else None)
    return [r for r in rows if not r["audit_id"] and r["site_id"] == site["id"]]


def link_started(db, scheduled_id: str, audit: dict, user_id: str, now) -> None:
    """Record that an audit just started from the ordinary form does a scheduled one (inside its transaction):
    only one offered to this person at its site and station, with the same checklist, not started by anyone yet."""
    site = {"id": audit["site_id"]}
    station = {"id": audit["workstation_id"]} if audit.get("workstation_id") else None
    offered = {r["id"]: r for r in counts_for(db, user_id, site, station, now)}
    row = offered.get(scheduled_id)
    version = dbm.query_one(db, "SELECT checklist_id FROM checklist_versions WHERE id = ?",
                            (audit["checklist_version_id"],))
    if (row is None or version is None or row["checklist_id"] != version["checklist_id"]
            or (row["workstation_id"] and row["workstation_id"] != audit.get("workstation_id"))):
        raise Refusal("That scheduled audit is not one this audit can count for: choose one due for you at this "
                      "station with the same checklist, or none.", 422)
    linked = dbm.execute(db, "UPDATE scheduled_audits SET audit_id = ?, auditor_id = COALESCE(auditor_id, ?),"
                             " updated_at = ? WHERE id = ? AND audit_id IS NULL",
                         (audit["id"], user_id, ids.now_iso(), scheduled_id))
    if linked != 1:
        raise Refusal("This scheduled audit was started by someone else just now.", 409)


def mark_done(db, audit_id: str, submitted_at: str, timezone: str) -> None:
    """The scheduled audit an audit was started from is done on the site-local date it was submitted
    (called inside the submission's transaction)."""
    dbm.execute(db, "UPDATE scheduled_audits SET done_on = ?, updated_at = ? WHERE audit_id = ?",
                (schedule.local_date_of(submitted_at, timezone), submitted_at, audit_id))


def link_audit(db, scheduled_id: str, audit_id: str) -> None:
    """Record that an audit (started on its own, e.g. before the plan existed) did a scheduled one; done at once
    when the audit is already submitted. Refused when either is linked already."""
    with dbm.transaction(db):
        audit = audits.get_audit(db, audit_id)
        if audit is None or dbm.scalar(db, "SELECT 1 FROM scheduled_audits WHERE audit_id = ?", (audit_id,)):
            raise Refusal("That audit is not there or already does another scheduled audit.", 409)
        done_on = schedule.local_date_of(audit["submitted_at"], audit["timezone"])
        linked = dbm.execute(db, "UPDATE scheduled_audits SET audit_id = ?, done_on = ?,"
                                 " auditor_id = COALESCE(auditor_id, ?), updated_at = ? WHERE id = ?"
                                 " AND audit_id IS NULL AND site_id = ?",
                             (audit_id, done_on, audit["auditor_id"], ids.now_iso(), scheduled_id,
                              audit["site_id"]))
        if linked != 1:
            raise Refusal("That scheduled audit is linked already, or is at another site.", 409)
