"""The document version state machine, as pure functions: state + command + actor → transition or refused.

The same rules run on a standalone site server and on the hub. A command names the state its sender saw
(`expected`), so a command sent against a state that has since moved on is refused as a visible conflict instead
of being applied over someone else's change.
"""
from dataclasses import dataclass
from datetime import date

STATES = ("draft", "in_review", "approved", "effective", "superseded", "obsolete")

LABELS = {
    "draft": "Draft", "in_review": "In review", "approved": "Approved", "effective": "Effective",
    "superseded": "Superseded", "obsolete": "Obsolete",
}

# command → {state it applies to: state it leads to}
TRANSITIONS = {
    "submit": {"draft": "in_review"},
    "return": {"in_review": "draft"},
    "approve": {"in_review": "approved"},
    "activate": {"approved": "effective"},
    "supersede": {"effective": "superseded"},
    "withdraw": {"draft": "obsolete", "in_review": "obsolete", "approved": "obsolete", "effective": "obsolete"},
}

COMMAND_LABELS = {
    "submit": "Submit for review", "return": "Return to draft", "approve": "Approve",
    "withdraw": "Withdraw (obsolete)",
}

# Commands a person may send; the others follow the calendar and are sent by the system only.
PERSON_COMMANDS = ("submit", "approve", "return", "withdraw")
SYSTEM_COMMANDS = ("activate", "supersede")


@dataclass(frozen=True)
class Actor:
    """Who sends a command: a person with their document permissions, or the system (id None)."""

    id: str | None
    can_author: bool = False
    can_approve: bool = False

    @property
    def system(self) -> bool:
        return self.id is None


SYSTEM = Actor(None)


@dataclass(frozen=True)
class Version:
    """What the rules need to know of a version."""

    state: str
    author_id: str
    has_content: bool = True
    effective_date: str | None = None
    # Everyone who changed the content since the version was started (the author included): four eyes means the
    # approver is none of them, or a second quality manager could rewrite a draft and approve it under its author.
    authors: frozenset[str] = frozenset()

    def written_by(self, person_id: str | None) -> bool:
        """Whether a person started or changed this version."""
        return person_id is not None and (person_id == self.author_id or person_id in self.authors)


@dataclass(frozen=True)
class Command:
    """A requested state change, with the state the sender expects the version to be in."""

    name: str
    expected: str
    effective_date: str | None = None
    comment: str = ""


@dataclass(frozen=True)
class Transition:
    """An accepted command: from which state to which, with the effective date it settles."""

    command: str
    before: str
    after: str
    effective_date: str | None = None


@dataclass(frozen=True)
class Refused:
    """A refused command: why, in words a person can act on, and the HTTP status that fits."""

    reason: str
    status: int
    kind: str  # "invalid", "conflict", "illegal" or "forbidden"


def parse_date(value: str | None) -> date | None:
    """A YYYY-MM-DD calendar date, or None when absent or malformed."""
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def decide(version: Version, command: Command, actor: Actor, today: date) -> Transition | Refused:
    """Apply the rules to one command; never raises, never touches storage."""
    moves = TRANSITIONS.get(command.name)
    if moves is None:
        return Refused(f"Unknown command {command.name!r}.", 422, "invalid")
    if command.expected != version.state:
        return Refused(f"This version changed meanwhile: it is now {LABELS.get(version.state, version.state)}, "
                       f"not {LABELS.get(command.expected, command.expected)}. Reload the page to see the "
                       "change; nothing was done.", 409, "conflict")
    after = moves.get(version.state)
    if after is None:
        return Refused(_illegal(command.name, version.state), 409, "illegal")
    if command.name in SYSTEM_COMMANDS:
        if not actor.system:
            return Refused("Versions become effective and are superseded on their effective date, "
                           "not by hand.", 403, "forbidden")
    elif actor.system or not (actor.can_approve if command.name == "approve" else actor.can_author):
        return Refused("Your role does not allow this: quality managers author and approve documents.",
                       403, "forbidden")
    return _check_inputs(version, command, actor, today, after)


def _check_inputs(version: Version, command: Command, actor: Actor, today: date, after: str):
    """The per-command preconditions once the move itself is legal."""
    name, effective = command.name, version.effective_date
    if name == "submit" and not version.has_content:
        return Refused("Write the content or attach a PDF or image before submitting for review.", 422, "invalid")
    if name == "return" and not command.comment.strip():
        return Refused("Say what needs to change, so the author knows what to do.", 422, "invalid")
    if name == "approve":
        if version.written_by(actor.id):
            return Refused("You wrote or changed this version; another quality manager, who did neither, must "
                           "approve it.", 403, "forbidden")
        day = parse_date(command.effective_date)
        if day is None:
            return Refused("Give the effective date as YYYY-MM-DD.", 422, "invalid")
        if day < today:
            return Refused(f"The effective date cannot be in the past (today is {today.isoformat()}).",
                           422, "invalid")
        effective = day.isoformat()
    if name == "activate":
        day = parse_date(effective)
        if day is None or day > today:
            return Refused(f"This version becomes effective on {effective}, not before.", 409, "illegal")
    return Transition(name, version.state, after, effective)


def _illegal(command: str, state: str) -> str:
    """Why a command does not apply to a state, with what to do instead."""
    hints = {
        ("approve", "draft"): "submit it for review first",
        ("submit", "approved"): "it has been approved already",
        ("submit", "effective"): "start a new version to change it",
    }
    hint = hints.get((command, state), "see the actions offered on the document's page")
    return f"A version that is {LABELS.get(state, state).lower()} cannot be {_past(command)}; {hint}."


def _past(command: str) -> str:
    return {"submit": "submitted", "return": "returned", "approve": "approved", "activate": "made effective",
            "supersede": "superseded", "withdraw": "withdrawn"}[command]


def available(version: Version, actor: Actor) -> list[str]:
    """The person commands that could apply now (for buttons); the final word is still `decide`."""
    found = []
    for name in PERSON_COMMANDS:
        if version.state not in TRANSITIONS[name]:
            continue
        if name == "approve" and (not actor.can_approve or version.written_by(actor.id)):
            continue
        if name != "approve" and not actor.can_author:
            continue
        found.append(name)
    return found


def in_force(versions: list[dict], today: date) -> dict | None:
    """The version in force on a local date: an approved one whose date has come, else the effective one.

    Reading never waits for the stored state change (made on the next write or by `fieldaudit documents
    activate`): the floor sees the new version from the first minute of its effective date.
    """
    due = [v for v in versions if v["status"] == "approved" and (parse_date(v["effective_date"]) or date.max) <= today]
    if due:
        return max(due, key=lambda v: v["version"])
    return next((v for v in versions if v["status"] == "effective"), None)


def shown_state(version: dict, current: dict | None) -> str:
    """The state a person should see on a date: an effective version that a due approval replaces is superseded."""
    if current is not None and version["id"] == current["id"]:
        return "effective"
    if version["status"] == "effective" and current is not None:
        return "superseded"
    return version["status"]


def ended_on(versions: list[dict]) -> dict[str, str]:
    """{version id: the date it stopped being in force}: the effective date of the next version that took over,
    or for a withdrawn one without a successor the day it was withdrawn (its own effective date is when it began)."""
    ended = {}
    ordered = sorted(versions, key=lambda v: v["version"])
    for n, v in enumerate(ordered):
        successor = next((later for later in ordered[n + 1:] if later["effective_date"]
                          and later["status"] in ("approved", "effective", "superseded", "obsolete")), None)
        if successor is not None:
            ended[v["id"]] = successor["effective_date"]
        elif v["status"] == "obsolete" and v.get("ended_at"):
            ended[v["id"]] = v["ended_at"][:10]
    return ended
