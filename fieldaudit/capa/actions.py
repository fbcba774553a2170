"""CAPA actions: planned with an owner and a due date; owners report progress, the quality manager changes them."""
import json

from .. import db as dbm
from .. import ids, settings
from ..auth import users
from . import states
from .data import CapaError, add_event, calendar_date, due_status


def list_actions(db, capa_id: str) -> list[dict]:
    """A CAPA's actions with owner names and due status."""
    rows = dbm.query(db, "SELECT a.*, u.display_name AS owner_name, s.timezone FROM capa_actions a JOIN users u"
                         " ON u.id = a.owner_id JOIN capas c ON c.id = a.capa_id JOIN sites s ON s.id = c.site_id"
                         " WHERE a.capa_id = ? ORDER BY a.created_at", (capa_id,))
    for row in rows:
        row["due_status"] = due_status(row["due_date"], row["timezone"], row["status"])
    return rows


def add_action(db, capa: dict, *, kind: str, description: str, owner_id: str, due_date: str, by: str) -> dict:
    """Plan an action with an owner and a due date."""
    if capa["state"] in states.TERMINAL:
        raise CapaError(f"{capa['number']} is {capa['state']}; no new actions.", 409)
    if kind not in states.ACTION_KINDS:
        raise CapaError("Choose containment, corrective or preventive.", 422)
    if not description.strip():
        raise CapaError("Describe the action.", 422)
    if not owner_id:
        raise CapaError("Every action needs an owner.", 422)
    due = calendar_date(due_date, capa["raised_on"], "The action's due date")
    if due is None:
        raise CapaError("Every action needs a due date.", 422)
    now = ids.now_iso()
    with dbm.transaction(db):
        # The owner sees the CAPA's number, title and this text in My actions: only people of its site.
        users.check_role_at(db, owner_id, [capa["site_id"]])
        row = {"id": ids.new_id(), "capa_id": capa["id"], "kind": kind, "description": description.strip()[:4000],
               "owner_id": owner_id, "due_date": due, "status": "open", "done_at": None, "done_note": "",
               "field_stamps": "{}", "created_at": now, "updated_at": now, "origin": settings.device_id(db)}
        db["capa_actions"].insert(row)
        add_event(db, capa["id"], by, "action", "action", None, f"{kind}: {row['description']}",
               note=f"due {due}")
    return row


def get_action(db, action_id: str) -> dict | None:
    """One action."""
    return dbm.query_one(db, "SELECT * FROM capa_actions WHERE id = ?", (action_id,))


def update_action(db, capa: dict, action: dict, fields: dict, by: str, *, owner_only: bool) -> list[str]:
    """Change an action; its owner may only report status and a note, the quality manager anything."""
    if capa["state"] in states.TERMINAL:
        raise CapaError(f"{capa['number']} is {capa['state']}; its actions can no longer change.", 409)
    allowed = {"status", "done_note"} if owner_only else {"status", "done_note", "description", "owner_id",
                                                          "due_date", "kind"}
    extra = set(fields) - allowed
    if extra:
        raise CapaError(f"As the action's owner you can report its status and a note, not {', '.join(sorted(extra))}.",
                        403)
    clean = dict(fields)
    if "status" in clean and clean["status"] not in ("open", "done", "cancelled"):
        raise CapaError("Status is open, done or cancelled.", 422)
    if owner_only and clean.get("status") == "cancelled":
        raise CapaError("Only the quality manager can cancel an action.", 403)
    if "due_date" in clean:
        clean["due_date"] = calendar_date(clean["due_date"], capa["raised_on"], "The action's due date")
        if clean["due_date"] is None:
            raise CapaError("Every action needs a due date.", 422)
    if "kind" in clean and clean["kind"] not in states.ACTION_KINDS:
        raise CapaError("Choose containment, corrective or preventive.", 422)
    changed, now = [], ids.now_iso()
    with dbm.transaction(db):
        current = get_action(db, action["id"])
        stamps = json.loads(current["field_stamps"])
        for key, value in clean.items():
            value = value.strip()[:4000] if isinstance(value, str) and key != "due_date" else value
            if current[key] == value:
                continue
            if key == "owner_id":
                users.check_role_at(db, value, [capa["site_id"]])
            dbm.execute(db, f"UPDATE capa_actions SET {key} = ? WHERE id = ?", (value, action["id"]))
            stamps[key] = {"at": now, "by": by, "origin": settings.device_id(db)}
            add_event(db, capa["id"], by, "action", f"action.{key}", current[key], value, note=current["description"])
            changed.append(key)
        if "status" in changed:
            dbm.execute(db, "UPDATE capa_actions SET done_at = ? WHERE id = ?",
                        (now if clean["status"] == "done" else None, action["id"]))
        if changed:
            dbm.execute(db, "UPDATE capa_actions SET field_stamps = ?, updated_at = ? WHERE id = ?",
                        (json.dumps(stamps), now, action["id"]))
    return changed


def my_actions(db, user_id: str, include_done: bool = False) -> list[dict]:
    """Actions a person owns across CAPAs, with their due status."""
    rows = dbm.query(
        db, "SELECT a.*, c.number, c.title AS capa_title, c.state AS capa_state, s.timezone, s.code AS site_code"
            " FROM capa_actions a JOIN capas c ON c.id = a.capa_id JOIN sites s ON s.id = c.site_id"
            " WHERE a.owner_id = ?" + ("" if include_done else " AND a.status = 'open'")
            + " ORDER BY a.due_date", (user_id,))
    for row in rows:
        row["due_status"] = due_status(row["due_date"], row["timezone"], row["status"])
    return rows
