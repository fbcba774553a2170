"""The document state machine as pure functions: every legal and illegal transition, actors, dates, conflicts."""
from datetime import date

import pytest

from fieldaudit.documents import states
from fieldaudit.documents.states import Actor, Command, Refused, Transition, Version, decide

TODAY = date(2026, 3, 10)
AUTHOR = Actor("author", can_author=True, can_approve=True)
APPROVER = Actor("approver", can_author=True, can_approve=True)
OPERATOR = Actor("operator")
LEGAL = {(command, state): after for command, moves in states.TRANSITIONS.items() for state, after in moves.items()}


def person_for(command: str) -> Actor:
    return states.SYSTEM if command in states.SYSTEM_COMMANDS else APPROVER


def good_command(name: str, state: str) -> Command:
    return Command(name, state, effective_date="2026-03-10", comment="Fix step 3")


def version(state: str, **overrides) -> Version:
    fields = {"state": state, "author_id": "author", "has_content": True, "effective_date": "2026-03-10"}
    fields.update(overrides)
    return Version(**fields)


@pytest.mark.parametrize("command", list(states.TRANSITIONS))
@pytest.mark.parametrize("state", states.STATES)
def test_every_command_in_every_state(command, state):
    result = decide(version(state), good_command(command, state), person_for(command), TODAY)
    if (command, state) in LEGAL:
        assert result == Transition(command, state, LEGAL[(command, state)], "2026-03-10")
    else:
        assert isinstance(result, Refused) and result.status == 409 and result.kind == "illegal"
        assert state.replace("_", " ") in result.reason.lower()


def test_the_legal_moves_are_the_documented_lifecycle():
    assert LEGAL == {
        ("submit", "draft"): "in_review", ("return", "in_review"): "draft", ("approve", "in_review"): "approved",
        ("activate", "approved"): "effective", ("supersede", "effective"): "superseded",
        ("withdraw", "draft"): "obsolete", ("withdraw", "in_review"): "obsolete",
        ("withdraw", "approved"): "obsolete", ("withdraw", "effective"): "obsolete",
    }
    # Nothing leaves the end states: superseded and obsolete versions are kept as they are, for the record.
    assert not any(state in ("superseded", "obsolete") for _, state in LEGAL)


@pytest.mark.parametrize("actual, expected", [("approved", "in_review"), ("draft", "in_review"),
                                              ("effective", "approved"), ("obsolete", "draft")])
def test_a_stale_command_is_a_visible_conflict(actual, expected):
    name = next(c for (c, s) in LEGAL if s == expected)
    result = decide(version(actual), good_command(name, expected), person_for(name), TODAY)
    assert isinstance(result, Refused) and (result.status, result.kind) == (409, "conflict")
    assert "changed meanwhile" in result.reason


def test_the_author_cannot_approve_their_own_version():
    result = decide(version("in_review"), good_command("approve", "in_review"), AUTHOR, TODAY)
    assert isinstance(result, Refused) and result.status == 403
    assert "another quality manager" in result.reason
    assert isinstance(decide(version("in_review"), good_command("approve", "in_review"), APPROVER, TODAY),
                      Transition)


@pytest.mark.parametrize("name, state", [("submit", "draft"), ("approve", "in_review"), ("return", "in_review"),
                                         ("withdraw", "effective")])
@pytest.mark.parametrize("who", [OPERATOR, states.SYSTEM, Actor("x", can_author=False, can_approve=False)])
def test_people_without_the_role_and_the_system_cannot_send_person_commands(name, state, who):
    result = decide(version(state), good_command(name, state), who, TODAY)
    assert isinstance(result, Refused) and result.status == 403


def test_approving_needs_the_approve_permission_not_only_authoring():
    writer_only = Actor("w", can_author=True, can_approve=False)
    assert decide(version("in_review"), good_command("approve", "in_review"), writer_only, TODAY).status == 403


@pytest.mark.parametrize("name, state", [("activate", "approved"), ("supersede", "effective")])
def test_calendar_commands_come_from_the_system_only(name, state):
    result = decide(version(state), good_command(name, state), APPROVER, TODAY)
    assert isinstance(result, Refused) and result.status == 403


@pytest.mark.parametrize("day, ok", [("2026-03-10", True), ("2026-04-01", True), ("2026-03-09", False),
                                     ("10.03.2026", False), ("2026-02-30", False), ("", False), (None, False)])
def test_the_effective_date_of_an_approval(day, ok):
    result = decide(version("in_review"), Command("approve", "in_review", effective_date=day), APPROVER, TODAY)
    if ok:
        assert isinstance(result, Transition) and result.effective_date == day
    else:
        assert isinstance(result, Refused) and result.status == 422


@pytest.mark.parametrize("effective, ok", [("2026-03-10", True), ("2026-03-01", True), ("2026-03-11", False),
                                           (None, False)])
def test_activation_waits_for_the_effective_date(effective, ok):
    result = decide(version("approved", effective_date=effective), Command("activate", "approved"), states.SYSTEM,
                    TODAY)
    assert isinstance(result, Transition) is ok


def test_submitting_needs_content_and_returning_needs_a_reason():
    empty = decide(version("draft", has_content=False), Command("submit", "draft"), AUTHOR, TODAY)
    assert isinstance(empty, Refused) and empty.status == 422
    silent = decide(version("in_review"), Command("return", "in_review", comment="  "), APPROVER, TODAY)
    assert isinstance(silent, Refused) and silent.status == 422


def test_unknown_command_is_invalid():
    assert decide(version("draft"), Command("publish", "draft"), AUTHOR, TODAY).status == 422


def test_buttons_offered_match_the_rules():
    assert states.available(version("draft"), AUTHOR) == ["submit", "withdraw"]
    assert states.available(version("in_review"), AUTHOR) == ["return", "withdraw"]
    assert states.available(version("in_review"), APPROVER) == ["approve", "return", "withdraw"]
    assert states.available(version("effective"), OPERATOR) == []
    assert states.available(version("superseded"), APPROVER) == []
    # A quality manager who changed the draft is one of its authors: no approve button for them.
    assert states.available(version("in_review", authors=frozenset({"author", "approver"})), APPROVER) == \
        ["return", "withdraw"]


def test_nobody_who_changed_a_version_approves_it():
    edited = version("in_review", authors=frozenset({"author", "approver"}))
    result = decide(edited, good_command("approve", "in_review"), APPROVER, TODAY)
    assert isinstance(result, Refused) and result.status == 403 and "changed" in result.reason
    third = Actor("third", can_author=True, can_approve=True)
    assert decide(edited, good_command("approve", "in_review"), third, TODAY) == \
        Transition("approve", "in_review", "approved", "2026-03-10")


def row(vid, number, status, effective=None):
    return {"id": vid, "version": number, "status": status, "effective_date": effective}


def test_in_force_is_the_effective_version_until_an_approved_one_reaches_its_date():
    versions = [row("v1", 1, "superseded", "2025-01-01"), row("v2", 2, "effective", "2025-06-01"),
                row("v3", 3, "approved", "2026-03-15")]
    assert states.in_force(versions, date(2026, 3, 14))["id"] == "v2"
    assert states.in_force(versions, date(2026, 3, 15))["id"] == "v3"
    assert states.shown_state(versions[1], states.in_force(versions, date(2026, 3, 15))) == "superseded"
    assert states.shown_state(versions[2], states.in_force(versions, date(2026, 3, 15))) == "effective"
    assert states.shown_state(versions[0], versions[1]) == "superseded"
    assert states.in_force([row("v1", 1, "obsolete", "2025-01-01")], TODAY) is None
    assert states.in_force([row("v1", 1, "in_review")], TODAY) is None
