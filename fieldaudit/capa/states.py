"""The CAPA workflow as pure functions: which transitions exist and what each one needs (no Flask, no database).

The one place the states are named: views, templates, SQL filters, the demo and the migration check derive theirs
from FLOW, DROPPED, STATES, TERMINAL and OPEN here.
"""
from ..refusal import Refusal

# The main path, in order; a CAPA ends when it reaches the last step.
FLOW = ("open", "containment", "root_cause", "action_plan", "implementation", "effectiveness_check", "closed")
CLOSED = FLOW[-1]
# Ways out of the main path from any step before the end, each with a reason.
DROPPED = ("rejected", "cancelled")
STATES = FLOW + DROPPED
TERMINAL = (CLOSED, *DROPPED)
OPEN = tuple(s for s in STATES if s not in TERMINAL)

STATE_LABELS = {
    "open": "Open", "containment": "Containment", "root_cause": "Root cause analysis",
    "action_plan": "Action plan", "implementation": "Implementation",
    "effectiveness_check": "Effectiveness check", "closed": "Closed", "rejected": "Rejected",
    "cancelled": "Cancelled",
}
FORWARD = dict(zip(FLOW, FLOW[1:]))
# What the button that moves a CAPA there says, where "Move to <label>" would not read well.
BUTTON_LABELS = {CLOSED: "Close CAPA", "rejected": "Reject", "cancelled": "Cancel CAPA"}
# A failed effectiveness check sends the CAPA back to root cause analysis: the cause found was not the cause.
REOPEN = {"effectiveness_check": "root_cause"}

SOURCES = {"audit": "Audit finding", "customer_complaint": "Customer complaint", "supplier": "Supplier issue",
           "internal": "Internal", "other": "Other"}
CATEGORIES = {"man": "Man (people)", "machine": "Machine", "method": "Method", "material": "Material",
              "measurement": "Measurement", "environment": "Environment"}
ACTION_KINDS = {"containment": "Containment", "corrective": "Corrective", "preventive": "Preventive"}


class TransitionError(Refusal):
    """A transition that is not allowed now: 409 when the CAPA moved on since the page was loaded, else 422."""

    def __init__(self, message: str, conflict: bool = False):
        super().__init__(message, 409 if conflict else 422)

    @property
    def conflict(self) -> bool:
        """Whether the sender saw a state the CAPA has left (a stale command)."""
        return self.status == 409


def allowed_targets(state: str) -> list[str]:
    """States reachable from `state` (the buttons a quality manager sees)."""
    if state in TERMINAL:
        return []
    targets = [FORWARD[state]] if state in FORWARD else []
    targets += [REOPEN[state]] if state in REOPEN else []
    return targets + list(DROPPED)


def check_transition(capa: dict, actions: list[dict], target: str, expected_state: str, reason: str = "") -> None:
    """Raise TransitionError unless `capa` may move to `target` now; `expected_state` is what the user saw."""
    if capa["state"] != expected_state:
        raise TransitionError(
            f"{capa['number']} is now in {STATE_LABELS.get(capa['state'], capa['state'])}, not "
            f"{STATE_LABELS.get(expected_state, expected_state)} as on your screen: someone changed it meanwhile. "
            "Nothing was changed; review it and try again.", conflict=True)
    if target not in allowed_targets(capa["state"]):
        raise TransitionError(f"A CAPA in {STATE_LABELS.get(capa['state'], capa['state'])} cannot move to "
                              f"{STATE_LABELS.get(target, target)}.")
    if target in DROPPED:
        if not reason.strip():
            raise TransitionError(f"Say why the CAPA is {target}.")
        return
    missing = _needs(capa, actions, target)
    if missing:
        raise TransitionError(missing)


def _needs(capa: dict, actions: list[dict], target: str) -> str | None:
    """What is missing before entering `target` (None when ready)."""
    live = [a for a in actions if a["status"] != "cancelled"]
    if target == "containment" and not capa["owner_id"]:
        return "Assign the CAPA to an owner first."
    if target == "root_cause" and not capa["containment"].strip():
        return "Record the containment (what was done to stop the problem spreading) first."
    if target == "action_plan" and (not capa["root_cause"].strip() or not capa["root_cause_category"]):
        return "Record the root cause and its category (man, machine, method, material, measurement, environment)."
    if target == "implementation" and not any(a["kind"] in ("corrective", "preventive") for a in live):
        return "Plan at least one corrective or preventive action with an owner and a due date."
    if target == "effectiveness_check":
        open_actions = [a for a in live if a["status"] == "open"]
        if open_actions:
            return f"{len(open_actions)} action(s) are still open; they must be done (or cancelled) first."
        if not capa["effectiveness_due"]:
            return "Set the date of the effectiveness check."
    if target == CLOSED:
        if any(a["status"] == "open" for a in live):
            return "Actions are still open; a CAPA closes only when all are done."
        if capa["effectiveness_result"] != "effective":
            return "Record an effective result of the effectiveness check (with its evidence) before closing."
        if not capa["effectiveness_notes"].strip():
            return "Describe the evidence that the actions worked."
    if target == "root_cause" and capa["state"] == "effectiveness_check" \
            and capa["effectiveness_result"] != "not_effective":
        return "Reopen only after recording that the effectiveness check failed."
    return None
