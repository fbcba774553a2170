"""CAPA data functions (no Flask): create, edit fields with history, run commands, plan and update actions."""
import json
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from .. import db as dbm
from .. import edits, ids, settings, trail
from ..audits.data import next_number
from ..auth import users
from . import states
from ..refusal import Refusal

DUE_SOON_DAYS = 7
EDITABLE = ("title", "description", "owner_id", "due_date", "containment", "root_cause_category", "root_cause",
            "whys", "effectiveness_due", "effectiveness_result", "effectiveness_notes")
DATE_FIELDS = ("due_date", "effectiveness_due")


class CapaError(Refusal):
    """A user-facing refusal with its HTTP status."""

    status = 400


def local_today(tz: str) -> date:
    """Today's date at a site: due dates are calendar dates there."""
    return ids.utc_now().astimezone(ZoneInfo(tz)).date()


def due_status(due: str | None, tz: str, state: str) -> str | None:
    """'overdue' or 'due_soon' for an open item with a due date; None otherwise."""
    if not due or state in states.TERMINAL or state in ("done", "cancelled"):
        return None
    today = local_today(tz)
    when = date.fromisoformat(due)
    if when < today:
        return "overdue"
    return "due_soon" if when <= today + timedelta(days=DUE_SOON_DAYS) else None


def calendar_date(value, raised_on: str, label: str) -> str | None:
    """A calendar date from a form, never before the CAPA was raised."""
    if value in (None, ""):
        return None
    try:
        parsed = date.fromisoformat(str(value))
    except ValueError:
        raise CapaError(f"{label} must be a date like 2026-12-31.", 422) from None
    if parsed.isoformat() < raised_on:
        raise CapaError(f"{label} cannot be before the CAPA was raised ({raised_on}).", 422)
    return parsed.isoformat()


def add_event(db, capa_id: str, by: str | None, kind: str, field: str = "", old=None, new=None, note: str = ""):
    """Record one change in a CAPA's history, and the same in the hash-chained trail (verify compares them)."""
    event = {"id": ids.new_id(), "capa_id": capa_id, "at": ids.now_iso(), "actor_id": by, "kind": kind,
             "field": field, "old_value": None if old is None else str(old),
             "new_value": None if new is None else str(new), "note": note, "origin": settings.device_id(db)}
    with dbm.transaction(db):
        db["capa_events"].insert(event)
        trail.append(db, actor_id=by, action="capa.event", record_type="capa", record_id=capa_id, payload=event)


_SELECT = ("SELECT c.*, s.code AS site_code, s.name AS site_name, s.timezone, o.display_name AS owner_name,"
           " r.display_name AS raised_by_name FROM capas c JOIN sites s ON s.id = c.site_id"
           " LEFT JOIN users o ON o.id = c.owner_id JOIN users r ON r.id = c.raised_by")


def _marks(values) -> str:
    """One `?` per value, for an `IN (…)` list."""
    return ", ".join("?" for _ in values)


def get_capa(db, capa_id: str) -> dict | None:
    """One CAPA with its site and people."""
    row = dbm.query_one(db, _SELECT + " WHERE c.id = ?", (capa_id,))
    if row:
        row["whys"] = json.loads(row["whys"])
        row["due_status"] = due_status(row["due_date"], row["timezone"], row["state"])
    return row


def create_capa(db, *, site: dict, title: str, by: str, source: str = "internal", severity: str = "minor",
                description: str = "", source_ref: str = "", owner_id: str | None = None,
                due_date: str | None = None, finding_ids=()) -> dict:
    """Raise a CAPA (from findings, a complaint, a supplier issue, …); linked findings leave the triage list."""
    if not title.strip():
        raise CapaError("Give the CAPA a short title: what went wrong?", 422)
    if source not in states.SOURCES:
        raise CapaError(f"Unknown source; choose one of: {', '.join(states.SOURCES)}.", 422)
    if severity not in ("major", "minor", "observation", "ofi"):
        raise CapaError("Choose a severity.", 422)
    now, today = ids.now_iso(), local_today(site["timezone"]).isoformat()
    due = calendar_date(due_date, today, "The due date")
    with dbm.transaction(db):
        if owner_id:
            users.check_role_at(db, owner_id, [site["id"]])
        row = {"id": ids.new_id(), "number": next_number(db, f"CAPA-{site['code']}"), "site_id": site["id"],
               "title": title.strip()[:200], "description": description.strip()[:8000], "source": source,
               "source_ref": source_ref.strip()[:200], "severity": severity, "state": "open", "state_reason": "",
               "owner_id": owner_id or None, "raised_by": by, "raised_at": now, "raised_on": today,
               "due_date": due, "created_at": now, "updated_at": now, "origin": settings.device_id(db)}
        db["capas"].insert(row)
        add_event(db, row["id"], by, "created", note=f"Raised from {states.SOURCES[source].lower()}")
        if finding_ids:
            link(db, row, list(finding_ids), by)
    return get_capa(db, row["id"])


def finding_for_capa(db, finding_id: str) -> dict | None:
    """A finding with what a CAPA needs to know of it (site, audit state, current decision)."""
    return dbm.query_one(db, "SELECT f.*, a.site_id, a.status AS audit_status, a.number AS audit_number,"
                             " t.decision, t.capa_id FROM findings f JOIN audits a ON a.id = f.audit_id"
                             " LEFT JOIN finding_triage t ON t.finding_id = f.id WHERE f.id = ?", (finding_id,))


def link(db, capa: dict, finding_ids: list[str], by: str) -> None:
    """Link findings of the CAPA's site to it (one root cause, one CAPA); each finding answers to one CAPA only."""
    now = ids.now_iso()
    with dbm.transaction(db):
        for finding_id in finding_ids:
            finding = finding_for_capa(db, finding_id)
            if finding is None or finding["site_id"] != capa["site_id"]:
                raise CapaError("That finding is not one of this site's.", 404)
            if finding["audit_status"] != "submitted":
                raise CapaError("Only findings of submitted audits can be linked to a CAPA.", 409)
            if finding["capa_id"] and finding["capa_id"] != capa["id"]:
                raise CapaError(f"Finding {finding['audit_number']}/{finding['number']} already has a CAPA.", 409)
            if finding["capa_id"] == capa["id"]:
                continue
            dbm.execute(
                db, "INSERT INTO finding_triage (finding_id, site_id, decision, capa_id, decided_by, decided_at,"
                    " created_at, updated_at, origin) VALUES (?, ?, 'capa', ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (finding_id) DO UPDATE SET decision = 'capa', capa_id = excluded.capa_id,"
                    " decided_by = excluded.decided_by, decided_at = excluded.decided_at,"
                    " updated_at = excluded.updated_at",
                (finding_id, capa["site_id"], capa["id"], by, now, now, now, settings.device_id(db)))
            add_event(db, capa["id"], by, "link", "finding", None, f"{finding['audit_number']} finding "
                                                               f"{finding['number']}", note=finding["description"])


def list_capas(db, *, site_ids=None, state=None, owner_id=None, severity=None, source=None, overdue=False,
               limit: int = 500) -> list[dict]:
    """CAPAs newest first with their due status, filtered; site_ids None means every site."""
    where, params = [], []
    if site_ids is not None:
        if not site_ids:
            return []
        where.append(f"c.site_id IN ({_marks(site_ids)})")
        params.extend(site_ids)
    if state == "active":
        where.append(f"c.state NOT IN ({_marks(states.TERMINAL)})")
        params.extend(states.TERMINAL)
    elif state:
        where.append("c.state = ?")
        params.append(state)
    for column, value in (("c.owner_id", owner_id), ("c.severity", severity), ("c.source", source)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.raised_at DESC LIMIT ?"
    rows = dbm.query(db, sql, (*params, limit))
    for row in rows:
        row["due_status"] = due_status(row["due_date"], row["timezone"], row["state"])
    return [r for r in rows if r["due_status"] == "overdue"] if overdue else rows


def open_at_workstation(db, workstation_id: str) -> list[dict]:
    """CAPAs not yet closed that answer findings of audits at one workstation (for its scan page)."""
    rows = dbm.query(
        db, "SELECT DISTINCT c.id, c.number, c.title, c.state, c.due_date, s.timezone FROM capas c"
            " JOIN sites s ON s.id = c.site_id JOIN finding_triage t ON t.capa_id = c.id"
            " JOIN findings f ON f.id = t.finding_id JOIN audits a ON a.id = f.audit_id"
            f" WHERE a.workstation_id = ? AND c.state NOT IN ({_marks(states.TERMINAL)}) ORDER BY c.number",
        (workstation_id, *states.TERMINAL))
    for row in rows:
        row["due_status"] = due_status(row["due_date"], row["timezone"], row["state"])
    return rows


def update_fields(db, capa: dict, fields: dict, by: str, early_reason: str = "") -> list[str]:
    """Change plain fields, one history event per changed field; returns the fields that changed."""
    return save_fields(db, capa, fields, by, early_reason=early_reason)[0]


def field_tokens(capa: dict) -> dict[str, str]:
    """What the record form carries of each field (its stamp and value as shown), for edits.merge."""
    return edits.tokens(capa, EDITABLE, json.loads(capa.get("field_stamps") or "{}"))


def save_fields(db, capa: dict, fields: dict, by: str, seen: dict | None = None,
                early_reason: str = "") -> tuple[list[str], list[dict]]:
    """Change plain fields with history; a field someone else changed since the form's `seen` tokens is not
    written but returned as a conflict (theirs and yours). Returns (changed fields, conflicts)."""
    if capa["state"] in states.TERMINAL:
        raise CapaError(f"{capa['number']} is {capa['state']}; its record can no longer change.", 409)
    clean = {key: _clean(capa, key, value) for key, value in fields.items()}
    changed, conflicts = [], []
    now = ids.now_iso()
    with dbm.transaction(db):
        current = dbm.query_one(db, "SELECT * FROM capas WHERE id = ?", (capa["id"],))
        current["whys"] = json.loads(current["whys"])
        stamps = json.loads(current["field_stamps"])
        write, conflicts = edits.merge(current, clean, seen or {}, stamps)
        note = ""
        if write.get("effectiveness_result"):
            if current["state"] != "effectiveness_check":
                raise CapaError("Record the effectiveness result during the effectiveness check.", 409)
            note = _early_verdict(db, current, write, early_reason)
        assignments = {}
        for key, value in write.items():
            if key == "owner_id" and value:
                users.check_role_at(db, value, [capa["site_id"]])  # who owns it sees it: only its site's people
            assignments[key] = json.dumps(value, ensure_ascii=False) if key == "whys" else value
            # Per-field stamps are what a later offline merge compares, field by field.
            stamps[key] = {"at": now, "by": by, "origin": settings.device_id(db)}
            add_event(db, capa["id"], by, "field", key, _show(current[key]), _show(value),
                      note=note if key == "effectiveness_result" else "")
            changed.append(key)
        if "effectiveness_result" in changed:
            assignments.update(effectiveness_checked_at=now, effectiveness_checked_by=by)
        if changed:
            # One UPDATE: the values and their stamps travel to the hub as one change, never a value without its stamp.
            assignments.update(field_stamps=json.dumps(stamps), updated_at=now)
            columns = ", ".join(f"{key} = ?" for key in assignments)
            dbm.execute(db, f"UPDATE capas SET {columns} WHERE id = ?", (*assignments.values(), capa["id"]))
    return changed, conflicts


def _early_verdict(db, capa: dict, write: dict, reason: str) -> str:
    """The history note of a verdict given before its check date; such a verdict needs a reason."""
    due = write.get("effectiveness_due", capa["effectiveness_due"])
    tz = dbm.scalar(db, "SELECT timezone FROM sites WHERE id = ?", (capa["site_id"],))
    if not due or local_today(tz).isoformat() >= due:
        return ""
    if not reason.strip():
        raise CapaError(f"The effectiveness check is due on {due}. Say why the result is recorded before that "
                        "date.", 422)
    return f"Recorded before the check date ({due}): {reason.strip()[:2000]}"


def _clean(capa: dict, key: str, value):
    """One field's value as stored, or a 422 for what does not fit."""
    if key not in EDITABLE:
        raise CapaError(f"The field {key!r} cannot be edited here.", 400)
    if key in DATE_FIELDS:
        return calendar_date(value, capa["raised_on"], "The due date" if key == "due_date" else "The check date")
    if key == "whys":
        return [str(w).strip()[:500] for w in value][:5]
    if key == "root_cause_category":
        if value and value not in states.CATEGORIES:
            raise CapaError("Choose a category: man, machine, method, material, measurement or environment.", 422)
        return value
    if key == "effectiveness_result":
        if value not in (None, "", "effective", "not_effective"):
            raise CapaError("The result is effective or not effective.", 422)
        return value or None
    if key == "title" and not str(value).strip():
        raise CapaError("The title cannot be empty.", 422)
    if key == "owner_id":
        return value or None
    return str(value).strip()[:8000]


def _show(value):
    if isinstance(value, list):
        return " / ".join(value)
    return value


def events(db, capa_id: str) -> list[dict]:
    """The CAPA's history, oldest first, with who did it."""
    return dbm.query(db, "SELECT e.*, u.display_name AS actor_name FROM capa_events e LEFT JOIN users u"
                         " ON u.id = e.actor_id WHERE e.capa_id = ? ORDER BY e.at, e.id", (capa_id,))


def counts_by_state(rows: list[dict]) -> dict[str, int]:
    """How many CAPAs per state, plus overdue."""
    counts = {s: 0 for s in states.STATES}
    for row in rows:
        counts[row["state"]] += 1
    counts["overdue"] = sum(1 for r in rows if r["due_status"] == "overdue")
    return counts
