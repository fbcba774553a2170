"""Merging CAPA edited on the hub and on a device: per field by clock, stale state commands as conflicts."""
import pytest

from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.capa import commands
from fieldaudit.capa.data import create_capa, get_capa, save_fields
from tests.sync.helpers import field_audit, site_here

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)


def capa_on_device(device, plant):
    capa = create_capa(device.db, site=site_here(device, plant["a"]["id"]), title="Guard missing",
                       by=plant["qm"]["id"], description="Press 3", owner_id=plant["qm"]["id"])
    device.sync()
    return capa


def test_edits_of_different_fields_on_both_sides_both_stay_without_a_conflict(hub, make_device):
    plant = hub["plant"]
    device = make_device("d1")
    device.sync()
    capa = capa_on_device(device, plant)
    save_fields(hub["db"], get_capa(hub["db"], capa["id"]), {"title": "Guard missing on press 3"}, plant["qm"]["id"])
    save_fields(device.db, get_capa(device.db, capa["id"]), {"root_cause": "Bolt sheared"}, plant["qm"]["id"])
    device.sync()
    device.sync()
    for db in (hub["db"], device.db):
        row = get_capa(db, capa["id"])
        assert (row["title"], row["root_cause"]) == ("Guard missing on press 3", "Bolt sheared")
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM sync_conflicts") == 0


def test_the_same_field_changed_on_two_devices_converges_and_the_lost_text_stays_in_the_history(hub, make_device):
    plant = hub["plant"]
    one, two = make_device("d1"), make_device("d2")
    one.sync(), two.sync()
    capa = capa_on_device(one, plant)
    two.sync()
    save_fields(one.db, get_capa(one.db, capa["id"]), {"description": "Text from one"}, plant["qm"]["id"])
    save_fields(two.db, get_capa(two.db, capa["id"]), {"description": "Text from two"}, plant["qm"]["id"])
    for device in (one, two, one, two):
        device.sync()
    values = {get_capa(db, capa["id"])["description"] for db in (hub["db"], one.db, two.db)}
    assert values == {"Text from two"}  # two's edit carries the later clock
    conflicts = dbm.query(hub["db"], "SELECT * FROM sync_conflicts")
    assert [(c["tbl"], c["field"], c["kept"], c["lost"]) for c in conflicts] == \
        [("capas", "description", "Text from two", "Text from one")]
    for db in (hub["db"], one.db, two.db):
        flagged = dbm.query(db, "SELECT * FROM capa_events WHERE capa_id = ? AND kind = 'sync_conflict'",
                            (capa["id"],))
        assert [(e["field"], e["old_value"], e["new_value"]) for e in flagged] == \
            [("description", "Text from one", "Text from two")]


def test_a_stale_state_command_from_a_device_is_a_visible_conflict_and_the_device_follows_the_hub(hub, make_device):
    plant = hub["plant"]
    device = make_device("d1")
    device.sync()
    capa = capa_on_device(device, plant)
    commands.transition(hub["db"], capa["id"], "rejected", expected_state="open", by=plant["qm"]["id"],
                        command_id=ids.new_id(), reason="Duplicate of another CAPA")
    offline = ids.new_id()
    commands.transition(device.db, capa["id"], "containment", expected_state="open", by=plant["qm"]["id"],
                        command_id=offline)
    summary = device.sync()
    assert summary["conflicts"] == 1
    device.sync()
    for db in (hub["db"], device.db):
        assert get_capa(db, capa["id"])["state"] == "rejected"
        command = dbm.query_one(db, "SELECT * FROM capa_commands WHERE id = ?", (offline,))
        assert command["outcome"] == "conflict" and "not applied" in command["message"]


def test_a_state_command_made_offline_applies_on_the_hub_when_still_valid(hub, make_device):
    plant = hub["plant"]
    device = make_device("d1")
    device.sync()
    capa = capa_on_device(device, plant)
    commands.transition(device.db, capa["id"], "containment", expected_state="open", by=plant["qm"]["id"],
                        command_id=ids.new_id())
    device.sync()
    assert get_capa(hub["db"], capa["id"])["state"] == "containment"
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM sync_conflicts") == 0


def test_a_clock_a_year_ahead_is_capped_by_the_hub_and_cannot_win_every_later_edit(hub, make_device):
    from fieldaudit.sync import hlc
    plant = hub["plant"]
    device = make_device("d1")
    device.sync()
    capa = capa_on_device(device, plant)
    year = 365 * 24 * 3600 * 1000
    dbm.execute(device.db, "UPDATE sync_clock SET floor = ?", (hlc.pack(hlc.now_ms() + year),))
    save_fields(device.db, get_capa(device.db, capa["id"]), {"containment": "Fenced off"}, plant["qm"]["id"])
    device.sync()
    stamp = dbm.scalar(hub["db"], "SELECT hlc FROM sync_fields WHERE tbl = 'capas' AND field = 'containment'")
    assert hlc.wall_ms(stamp) <= hlc.now_ms() + hlc.MAX_AHEAD_MS
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM sync_received WHERE reason LIKE 'clock ahead%'") >= 1


def test_audits_made_on_two_devices_of_one_site_get_different_numbers(hub, make_device, checklist_version):
    plant = hub["plant"]
    one, two = make_device("d1"), make_device("d2")
    one.sync(), two.sync()
    a = field_audit(one, plant, checklist_version["id"])
    b = field_audit(two, plant, checklist_version["id"])
    assert a["number"] != b["number"] and a["number"].startswith("AUD-PLTA-") and a["number"].endswith("-0001")
    one.sync(), two.sync()
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM audits") == 2


def test_a_user_disabled_on_the_hub_stops_working_on_the_device_after_its_next_pull(hub, make_device):
    from fieldaudit.auth import users
    plant = hub["plant"]
    device = make_device("d1")
    device.sync()
    assert dbm.scalar(device.db, "SELECT active FROM users WHERE id = ?", (plant["auditor"]["id"],)) == 1
    users.set_active(hub["db"], plant["auditor"]["id"], False)
    device.sync()
    assert dbm.scalar(device.db, "SELECT active FROM users WHERE id = ?", (plant["auditor"]["id"],)) == 0
    user = users.get_user_by_username(device.db, "aud.a")
    assert not user["active"]



