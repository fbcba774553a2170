"""The CAPA workflow: every legal and illegal transition, commands with expected state, history, due dates."""
from datetime import datetime, timedelta, timezone

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.capa import actions as capa_actions
from fieldaudit.capa import commands as capa_commands
from fieldaudit.capa import data, states
from tests.factories import today_at

FLOW = ["open", "containment", "root_cause", "action_plan", "implementation", "effectiveness_check", "closed"]


@pytest.fixture
def capa(db, plant):
    return data.create_capa(db, site=plant["a"], title="Torque out of limits", by=plant["qm"]["id"],
                            source="customer_complaint", severity="major", owner_id=plant["qm"]["id"])


def move(db, plant, capa_row, target, reason="", command_id=None):
    current = data.get_capa(db, capa_row["id"])
    # Closing is e-signed; these workflow tests sign as the quality manager the way the demo does.
    return capa_commands.transition(db, capa_row["id"], target, expected_state=current["state"], by=plant["qm"]["id"],
                                    command_id=command_id or ids.new_id(), reason=reason, signer=plant["qm"])[0]


def prepare(db, plant, capa_row, target):
    """Fill in what entering `target` needs."""
    by = plant["qm"]["id"]
    if target == "root_cause":
        data.update_fields(db, capa_row, {"containment": "Quarantined 240 parts"}, by)
    if target == "action_plan":
        data.update_fields(db, capa_row, {"root_cause_category": "machine", "root_cause": "Worn clutch",
                                          "whys": ["Torque low", "Tool slipped", "Clutch worn", "No PM", "PM plan"]},
                           by)
    if target == "implementation":
        capa_actions.add_action(db, capa_row, kind="corrective", description="Replace clutch", owner_id=plant["operator"]["id"],
                        due_date=today_at(plant["a"], 10), by=by)
    if target == "effectiveness_check":
        for action in capa_actions.list_actions(db, capa_row["id"]):
            capa_actions.update_action(db, capa_row, action, {"status": "done", "done_note": "Done"}, by, owner_only=False)
        data.update_fields(db, capa_row, {"effectiveness_due": today_at(plant["a"], 30)},
                           by)
    if target == "closed":
        data.update_fields(db, data.get_capa(db, capa_row["id"]),
                           {"effectiveness_result": "effective", "effectiveness_notes": "No torque rejects in 4 weeks"},
                           by, early_reason="Four weeks without a reject is enough for this line")


def walk_to(db, plant, capa_row, state):
    for target in FLOW[1:FLOW.index(state) + 1]:
        prepare(db, plant, capa_row, target)
        move(db, plant, capa_row, target)
    return data.get_capa(db, capa_row["id"])


def test_full_flow_open_to_closed(db, plant, capa):
    closed = walk_to(db, plant, capa, "closed")
    assert closed["state"] == "closed" and closed["closed_at"]
    transitions = [e for e in data.events(db, capa["id"]) if e["kind"] == "transition"]
    assert [(e["old_value"], e["new_value"]) for e in transitions] == list(zip(FLOW, FLOW[1:]))


@pytest.mark.parametrize("state", FLOW[:-1])
def test_skipping_a_step_is_refused(db, plant, capa, state):
    current = walk_to(db, plant, capa, state) if state != "open" else capa
    index = FLOW.index(state)
    for target in FLOW[index + 2:]:
        with pytest.raises(states.TransitionError, match="cannot move"):
            capa_commands.transition(db, capa["id"], target, expected_state=current["state"], by=plant["qm"]["id"],
                            command_id=ids.new_id())
    assert data.get_capa(db, capa["id"])["state"] == state


@pytest.mark.parametrize("target,message", [
    ("containment", "Assign the CAPA to an owner"),
    ("root_cause", "Record the containment"),
    ("action_plan", "root cause and its category"),
    ("implementation", "at least one corrective or preventive action"),
    ("effectiveness_check", "still open"),
    ("closed", "effective result"),
])
def test_each_step_needs_its_content(db, plant, capa, target, message):
    if target == "containment":
        data.update_fields(db, capa, {"owner_id": ""}, plant["qm"]["id"])
    else:
        walk_to(db, plant, capa, FLOW[FLOW.index(target) - 1])
        if target == "effectiveness_check":
            capa_actions.add_action(db, capa, kind="corrective", description="Open one", owner_id=plant["qm"]["id"],
                            due_date=today_at(plant["a"]), by=plant["qm"]["id"])
    before = data.get_capa(db, capa["id"])
    with pytest.raises(states.TransitionError, match=message):
        capa_commands.transition(db, capa["id"], target, expected_state=before["state"], by=plant["qm"]["id"],
                        command_id=ids.new_id())
    assert data.get_capa(db, capa["id"])["state"] == before["state"]


def test_closing_with_open_actions_is_refused(db, plant, capa):
    current = walk_to(db, plant, capa, "effectiveness_check")
    data.update_fields(db, current, {"effectiveness_result": "effective", "effectiveness_notes": "ok"}, plant["qm"]["id"],
                       early_reason="Checked early")
    dbm.execute(db, "UPDATE capa_actions SET status = 'open'")
    with pytest.raises(states.TransitionError, match="still open"):
        move(db, plant, capa, "closed")


def test_failed_effectiveness_check_reopens(db, plant, capa):
    current = walk_to(db, plant, capa, "effectiveness_check")
    with pytest.raises(states.TransitionError, match="Reopen only after"):
        move(db, plant, capa, "root_cause")
    data.update_fields(db, current, {"effectiveness_result": "not_effective"}, plant["qm"]["id"],
                       early_reason="Rejects came back in week one")
    reopened = move(db, plant, capa, "root_cause")
    assert reopened["state"] == "root_cause" and reopened["effectiveness_result"] is None
    assert any("Reopened" in e["note"] for e in data.events(db, capa["id"]))


@pytest.mark.parametrize("target", ["rejected", "cancelled"])
def test_reject_or_cancel_needs_a_reason_and_is_final(db, plant, capa, target):
    with pytest.raises(states.TransitionError, match="Say why"):
        move(db, plant, capa, target)
    done = move(db, plant, capa, target, reason="Duplicate of CAPA-PLTA-0002")
    assert done["state"] == target and done["state_reason"].startswith("Duplicate")
    assert states.allowed_targets(target) == []
    with pytest.raises(data.CapaError) as caught:
        data.update_fields(db, done, {"title": "changed"}, plant["qm"]["id"])
    assert caught.value.status == 409


def test_stale_command_is_a_visible_conflict(db, plant, capa):
    capa_commands.transition(db, capa["id"], "containment", expected_state="open", by=plant["qm"]["id"], command_id="C1")
    with pytest.raises(states.TransitionError) as caught:
        capa_commands.transition(db, capa["id"], "cancelled", expected_state="open", by=plant["qm"]["id"], command_id="C2",
                        reason="stale tablet")
    assert caught.value.conflict
    assert data.get_capa(db, capa["id"])["state"] == "containment"
    assert [e["kind"] for e in data.events(db, capa["id"])][-1] == "conflict"


def test_repeated_command_is_applied_once(db, plant, capa):
    first = capa_commands.transition(db, capa["id"], "containment", expected_state="open", by=plant["qm"]["id"],
                            command_id="SAME")
    second = capa_commands.transition(db, capa["id"], "containment", expected_state="open", by=plant["qm"]["id"],
                             command_id="SAME")
    assert first[1] is True and second[1] is False
    assert len([e for e in data.events(db, capa["id"]) if e["kind"] == "transition"]) == 1


def test_field_history_records_old_and_new(db, plant, capa):
    data.update_fields(db, capa, {"containment": "Stop line 3"}, plant["qm"]["id"])
    data.update_fields(db, capa, {"containment": "Stop line 3; sort stock"}, plant["qm"]["id"])
    data.update_fields(db, capa, {"containment": "Stop line 3; sort stock"}, plant["qm"]["id"])  # unchanged
    changes = [(e["old_value"], e["new_value"]) for e in data.events(db, capa["id"]) if e["field"] == "containment"]
    assert changes == [("", "Stop line 3"), ("Stop line 3", "Stop line 3; sort stock")]
    import json
    stamps = json.loads(dbm.scalar(db, "SELECT field_stamps FROM capas"))
    assert stamps["containment"]["by"] == plant["qm"]["id"]


@pytest.mark.both_engines
def test_history_is_append_only(db, capa):
    import sqlite3
    with pytest.raises(dbm.IntegrityError, match="append-only"):
        db.conn.execute("UPDATE capa_events SET note = 'x'")
    with pytest.raises(dbm.IntegrityError, match="append-only"):
        db.conn.execute("DELETE FROM capa_events")


def test_due_date_before_raised_is_refused(db, plant, capa):
    earlier = (data.local_today("Europe/Berlin") - timedelta(days=3)).isoformat()
    with pytest.raises(data.CapaError, match="before the CAPA was raised"):
        data.update_fields(db, capa, {"due_date": earlier}, plant["qm"]["id"])
    with pytest.raises(data.CapaError, match="before the CAPA was raised"):
        capa_actions.add_action(db, capa, kind="corrective", description="x", owner_id=plant["qm"]["id"], due_date=earlier,
                        by=plant["qm"]["id"])
    with pytest.raises(data.CapaError, match="before the CAPA was raised"):
        data.create_capa(db, site=plant["a"], title="x", by=plant["qm"]["id"], due_date=earlier)


def test_action_owner_may_only_report_status(db, plant, capa):
    action = capa_actions.add_action(db, capa, kind="corrective", description="Fix", owner_id=plant["operator"]["id"],
                             due_date=today_at(plant["a"]), by=plant["qm"]["id"])
    with pytest.raises(data.CapaError) as caught:
        capa_actions.update_action(db, capa, action, {"due_date": "2099-01-01"}, plant["operator"]["id"], owner_only=True)
    assert caught.value.status == 403
    capa_actions.update_action(db, capa, action, {"status": "done", "done_note": "Replaced"}, plant["operator"]["id"],
                       owner_only=True)
    row = capa_actions.get_action(db, action["id"])
    assert row["status"] == "done" and row["done_at"] and row["due_date"] != "2099-01-01"


def test_overdue_and_due_soon_follow_the_site_calendar(db, plant):
    # Plant A is in Europe/Berlin: at 23:30 UTC on 1 March it is already 2 March there.
    raised = datetime(2027, 2, 20, 9, 0, tzinfo=timezone.utc)
    with ids.at(raised):
        capa = data.create_capa(db, site=plant["a"], title="x", by=plant["qm"]["id"], due_date="2027-03-01")
    with ids.at(datetime(2027, 2, 25, 12, 0, tzinfo=timezone.utc)):
        assert data.get_capa(db, capa["id"])["due_status"] == "due_soon"
    with ids.at(datetime(2027, 3, 1, 22, 30, tzinfo=timezone.utc)):
        assert data.get_capa(db, capa["id"])["due_status"] == "due_soon"  # still 1 March in Berlin
    with ids.at(datetime(2027, 3, 1, 23, 30, tzinfo=timezone.utc)):
        assert data.get_capa(db, capa["id"])["due_status"] == "overdue"
        assert [c["id"] for c in data.list_capas(db, site_ids=[plant["a"]["id"]], overdue=True)] == [capa["id"]]
    with ids.at(datetime(2027, 1, 1, tzinfo=timezone.utc)):
        assert data.get_capa(db, capa["id"])["due_status"] is None
