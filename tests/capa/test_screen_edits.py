"""What the CAPA page sends: a move carries the typed fields, a stale tab meets a 409 with both texts, an early
verdict needs a reason, closing is e-signed."""
import json
import re
from datetime import timedelta

import pytest

from fieldaudit import trail
from fieldaudit.capa import actions as capa_actions
from fieldaudit.capa import data
from tests.capa.test_workflow import walk_to
from tests.factories import PASSWORD

HIDDEN = re.compile(r'<input type="hidden" name="(seen_\w+|expected_state|command_id)" value="([^"]*)">')


@pytest.fixture
def capa(db, plant):
    return data.create_capa(db, site=plant["a"], title="Leaking hose at press 3", by=plant["qm"]["id"],
                            source="internal", severity="minor", owner_id=plant["qm"]["id"])


def tab(auth, capa_row) -> dict:
    """What one open page of the CAPA will send: its hidden fields, as the browser keeps them."""
    page = auth.client.get(f"/capa/{capa_row['id']}").get_data(as_text=True)
    return dict(HIDDEN.findall(page))


def day(offset: int) -> str:
    """A date `offset` days from today at site A (Berlin), where the CAPAs are raised."""
    return (data.local_today("Europe/Berlin") + timedelta(days=offset)).isoformat()


def test_a_move_saves_the_typed_fields_first(auth, db, plant, capa):
    current = walk_to(db, plant, capa, "implementation")
    for action in capa_actions.list_actions(db, capa["id"]):
        capa_actions.update_action(db, current, action, {"status": "done"}, plant["qm"]["id"], owner_only=False)
    auth.login("qm.a")
    sent = {**tab(auth, capa), "effectiveness_due": day(20), "effectiveness_notes": "Reject log for six weeks",
            "to": "effectiveness_check"}
    assert auth.post(f"/capa/{capa['id']}/transition", sent).status_code == 303
    moved = data.get_capa(db, capa["id"])
    assert moved["state"] == "effectiveness_check"
    assert (moved["effectiveness_due"], moved["effectiveness_notes"]) == (day(20), "Reject log for six weeks")


def test_a_refused_move_keeps_what_was_typed_and_saves_nothing(auth, db, plant, capa):
    walk_to(db, plant, capa, "implementation")
    auth.login("qm.a")
    sent = {**tab(auth, capa), "effectiveness_notes": "Reject log for six weeks", "to": "effectiveness_check"}
    response = auth.post(f"/capa/{capa['id']}/transition", sent)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "still open" in body and "Reject log for six weeks" in body
    # One transaction: the refused move took the save with it.
    assert data.get_capa(db, capa["id"])["effectiveness_notes"] == ""


def test_an_older_tab_does_not_overwrite_newer_text(auth, db, plant, capa):
    auth.login("qm.a")
    first, second = tab(auth, capa), tab(auth, capa)
    assert auth.post(f"/capa/{capa['id']}/fields", {**first, "containment": "Parts quarantined"}).status_code == 303
    response = auth.post(f"/capa/{capa['id']}/fields", {**second, "containment": "Line stopped",
                                                         "description": "Hose split at the crimp"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Parts quarantined" in body and "Line stopped" in body and "Changed by someone else" in body
    now = data.get_capa(db, capa["id"])
    assert now["containment"] == "Parts quarantined"
    assert now["description"] == "Hose split at the crimp"  # not changed by the other tab, so saved


def test_a_field_left_as_shown_keeps_the_newer_text(auth, db, plant, capa):
    auth.login("qm.a")
    first, second = tab(auth, capa), tab(auth, capa)
    auth.post(f"/capa/{capa['id']}/fields", {**first, "containment": "Parts quarantined"})
    # The older tab still shows the empty containment box and sends it back unchanged with its title edit.
    response = auth.post(f"/capa/{capa['id']}/fields", {**second, "containment": "", "title": "Hose split"})
    assert response.status_code == 303
    now = data.get_capa(db, capa["id"])
    assert (now["containment"], now["title"]) == ("Parts quarantined", "Hose split")


def test_a_move_from_an_older_tab_with_conflicting_text_does_not_move(auth, db, plant, capa):
    auth.login("qm.a")
    first, second = tab(auth, capa), tab(auth, capa)
    auth.post(f"/capa/{capa['id']}/fields", {**first, "description": "From tab one"})
    response = auth.post(f"/capa/{capa['id']}/transition", {**second, "description": "From tab two",
                                                             "to": "containment"})
    assert response.status_code == 409
    assert "From tab one" in response.get_data(as_text=True)
    now = data.get_capa(db, capa["id"])
    assert (now["state"], now["description"]) == ("open", "From tab one")


def test_a_verdict_before_the_check_date_needs_a_reason(auth, db, plant, capa):
    walk_to(db, plant, capa, "effectiveness_check")  # the check is set 30 days ahead
    auth.login("qm.a")
    sent = {**tab(auth, capa), "effectiveness_result": "effective", "effectiveness_notes": "No rejects"}
    response = auth.post(f"/capa/{capa['id']}/fields", sent)
    assert response.status_code == 422 and "Say why" in response.get_data(as_text=True)
    assert data.get_capa(db, capa["id"])["effectiveness_result"] is None
    sent["early_reason"] = "The line closes for good next week"
    assert auth.post(f"/capa/{capa['id']}/fields", sent).status_code == 303
    event = [e for e in data.events(db, capa["id"]) if e["field"] == "effectiveness_result"][-1]
    assert "The line closes for good next week" in event["note"] and "before the check date" in event["note"]


def test_a_verdict_on_or_after_the_check_date_needs_no_reason(db, plant, capa):
    current = walk_to(db, plant, capa, "effectiveness_check")
    data.update_fields(db, current, {"effectiveness_due": day(0)}, plant["qm"]["id"])
    assert data.update_fields(db, current, {"effectiveness_result": "effective"}, plant["qm"]["id"]) \
        == ["effectiveness_result"]


def test_closing_is_e_signed(auth, db, plant, capa):
    current = walk_to(db, plant, capa, "effectiveness_check")
    data.update_fields(db, current, {"effectiveness_result": "effective", "effectiveness_notes": "No rejects"},
                       plant["qm"]["id"], early_reason="Checked early")
    auth.login("qm.a")
    page = auth.client.get(f"/capa/{capa['id']}").get_data(as_text=True)
    assert "closed as effective" in page and 'type="password"' in page
    sent = {**tab(auth, capa), "effectiveness_notes": "No rejects in four weeks", "to": "closed"}
    for password, status in (("", 422), ("wrong-password", 422)):
        response = auth.post(f"/capa/{capa['id']}/transition", {**sent, "password": password})
        assert response.status_code == status
        assert "No rejects in four weeks" in response.get_data(as_text=True)
        assert data.get_capa(db, capa["id"])["state"] == "effectiveness_check"
    assert auth.post(f"/capa/{capa['id']}/transition", {**sent, "password": PASSWORD}).status_code == 303
    closed = data.get_capa(db, capa["id"])
    assert closed["state"] == "closed" and closed["effectiveness_notes"] == "No rejects in four weeks"
    signature = [e for e in data.events(db, capa["id"]) if e["kind"] == "signature"]
    assert len(signature) == 1 and "closed as effective" in signature[0]["note"]
    assert signature[0]["new_value"] == plant["qm"]["display_name"]
    entry = trail.entries_for(db, "capa", capa["id"])[-1]
    payload = json.loads(entry["payload"])
    assert entry["action"] == "capa.closed" and payload["meaning"] == "closed as effective"
    assert payload["signed_by"] == plant["qm"]["display_name"] and payload["signed_at"]
    assert trail.verify_chains(db) == []


def test_guessing_the_closing_password_is_throttled(auth, db, plant, capa):
    # The closing signature counts against sign-in's throttle even though each refused move rolls back.
    current = walk_to(db, plant, capa, "effectiveness_check")
    data.update_fields(db, current, {"effectiveness_result": "effective", "effectiveness_notes": "No rejects"},
                       plant["qm"]["id"], early_reason="Checked early")
    auth.login("qm.a")
    sent = {**tab(auth, capa), "to": "closed"}
    statuses = [auth.post(f"/capa/{capa['id']}/transition", {**sent, "password": f"guess-{n}"}).status_code
                for n in range(6)]
    assert statuses == [422] * 5 + [429]
    locked = auth.post(f"/capa/{capa['id']}/transition", {**sent, "password": PASSWORD})
    assert locked.status_code == 429 and data.get_capa(db, capa["id"])["state"] == "effectiveness_check"
