"""CAPA state changes as commands: applied once, checked against the state their sender saw."""
import json

from .. import db as dbm
from .. import ids, settings
from . import states
from .actions import list_actions
from .data import add_event, get_capa


def transition(db, capa_id: str, target: str, *, expected_state: str, by: str, command_id: str,
               reason: str = "") -> tuple[dict, bool]:
    """Apply a state command once; a repeat of the same command id returns the first outcome unchanged."""
    conflict = None
    with dbm.transaction(db):
        done = dbm.query_one(db, "SELECT * FROM capa_commands WHERE id = ?", (command_id,))
        if done is not None:
            if done["outcome"] == "conflict":
                raise states.TransitionError(done["message"], conflict=True)
            return get_capa(db, capa_id), False
        capa = get_capa(db, capa_id)
        actions = list_actions(db, capa_id)
        try:
            states.check_transition(capa, actions, target, expected_state, reason)
        except states.TransitionError as exc:
            if not exc.conflict:
                raise
            # A stale command is kept and shown on the timeline for a person to resolve, never applied; it
            # commits before the refusal is raised.
            _command(db, command_id, capa_id, target, expected_state, "conflict", exc.message, by, reason)
            add_event(db, capa_id, by, "conflict", "state", expected_state, target, note=exc.message)
            conflict = exc
        else:
            _apply(db, capa, target, expected_state, by, command_id, reason)
    if conflict is not None:
        raise conflict
    return get_capa(db, capa_id), True


def _apply(db, capa: dict, target: str, expected_state: str, by: str, command_id: str, reason: str) -> None:
    """Write a checked transition, its command and its history event (inside the caller's transaction)."""
    now = ids.now_iso()
    extra = ""
    if target == states.CLOSED:
        extra = ", closed_at = ?"
    elif states.REOPEN.get(capa["state"]) == target:
        extra = ", effectiveness_result = NULL"
    params = [target, reason.strip()[:2000], now] + ([now] if target == states.CLOSED else []) + [capa["id"]]
    dbm.execute(db, f"UPDATE capas SET state = ?, state_reason = ?, updated_at = ?{extra} WHERE id = ?", params)
    _command(db, command_id, capa["id"], target, expected_state, "applied", "", by, reason)
    note = "Reopened: the effectiveness check failed" if states.REOPEN.get(capa["state"]) == target \
        else reason.strip()
    add_event(db, capa["id"], by, "transition", "state", capa["state"], target, note=note)


def _command(db, command_id, capa_id, target, expected, outcome, message, by, reason):
    db["capa_commands"].insert({"id": command_id, "capa_id": capa_id, "command": f"move:{target}",
                                "expected_state": expected, "payload": json.dumps({"reason": reason}),
                                "outcome": outcome, "message": message, "actor_id": by,
                                "created_at": ids.now_iso(), "origin": settings.device_id(db)})
