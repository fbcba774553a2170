"""CAPA state changes as commands: applied once, checked against the state their sender saw."""
import json

from .. import db as dbm
from .. import ids, settings, trail
from ..auth import esign
from . import states
from .actions import list_actions
from .data import add_event, get_capa, save_fields


CLOSE_MEANING = "closed as effective"


def transition(db, capa_id: str, target: str, *, expected_state: str, by: str, command_id: str,
               reason: str = "", password: str | None = None, signer: dict | None = None) -> tuple[dict, bool]:
    """Apply a state command once; a repeat of the same command id returns the first outcome unchanged.

    Closing is an e-signed step: `by` re-enters their `password` (auth/esign.py); the demo passes its `signer`."""
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
            if target == states.CLOSED:
                signer = _signer(db, by, password, signer)
            _apply(db, capa, target, expected_state, by, command_id, reason)
            if target == states.CLOSED:
                _sign_closure(db, capa, signer)
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


def _signer(db, by: str, password: str | None, signer: dict | None) -> dict:
    """Who signs the closure: the person moving it, with their own password unless the caller vouches."""
    if signer is not None and signer["id"] == by:
        return signer
    if not password:
        raise states.TransitionError("Closing a CAPA is signed: enter your password to sign it.")
    return esign.verify_signature(db, by, password)


def _sign_closure(db, capa: dict, signer: dict) -> None:
    """Record the closing signature (printed name, time, meaning) in the CAPA history and the audit trail."""
    at = ids.now_iso()
    add_event(db, capa["id"], signer["id"], "signature", "close", None, signer["display_name"],
              note=f"Signed by {signer['display_name']} at {at}: {CLOSE_MEANING}")
    trail.append(db, actor_id=signer["id"], action="capa.closed", record_type="capa", record_id=capa["id"],
                 payload={"number": capa["number"], "signed_by": signer["display_name"], "signed_at": at,
                          "meaning": CLOSE_MEANING, "effectiveness_notes": capa["effectiveness_notes"]})


def save_and_move(db, capa_id: str, target: str, *, fields: dict, seen: dict, expected_state: str, by: str,
                  command_id: str, reason: str = "", early_reason: str = "",
                  password: str | None = None, signer: dict | None = None) -> tuple[dict, bool, list[dict]]:
    """Save what the screen shows, then move, in one transaction: a refused move keeps nothing of either.

    Returns (capa, moved, conflicts); with conflicts the other fields are saved and the CAPA does not move."""
    with dbm.transaction(db):
        capa = get_capa(db, capa_id)
        if capa["state"] == expected_state and capa["state"] not in states.TERMINAL:
            _, conflicts = save_fields(db, capa, fields, by, seen, early_reason)
            if conflicts:
                return get_capa(db, capa_id), False, conflicts
            capa, moved = transition(db, capa_id, target, expected_state=expected_state, by=by,
                                     command_id=command_id, reason=reason, password=password,
                                     signer=signer)
            return capa, moved, []
    # A stale screen: nothing it shows is saved, and the conflict is recorded in a transaction of its own.
    capa, moved = transition(db, capa_id, target, expected_state=expected_state, by=by, command_id=command_id,
                             reason=reason, password=password, signer=signer)
    return capa, moved, []
