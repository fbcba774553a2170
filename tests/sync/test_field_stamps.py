"""A CAPA's per-field stamps follow its values through sync, also when the writer logs them as a change of their
own after the value's (found by the loopback kill test: the hub kept the stamp of a field's first edit)."""
import json
import time

from fieldaudit.capa.data import create_capa, get_capa, save_fields
from tests.sync.helpers import site_here


def _pair(db, capa_id):
    row = get_capa(db, capa_id)
    return row["containment"], row["field_stamps"], row["updated_at"]


def _device_with_capa(hub, make_device):
    """A device synced once, with a CAPA of its own at site a: (plant, device, capa)."""
    plant = hub["plant"]
    device = make_device("d1")
    device.sync()
    capa = create_capa(device.db, site=site_here(device, plant["a"]["id"]), title="Spill kit missing",
                       by=plant["qm"]["id"], owner_id=plant["qm"]["id"])
    return plant, device, capa


def test_a_field_edited_twice_on_a_device_has_the_same_stamp_and_updated_at_on_the_hub(hub, make_device):
    plant, device, capa = _device_with_capa(hub, make_device)
    for n in range(3):
        time.sleep(0.002)  # stamps are in milliseconds
        save_fields(device.db, get_capa(device.db, capa["id"]), {"containment": f"Kit from hall {n}"},
                    plant["qm"]["id"])
    device.sync()
    assert _pair(hub["db"], capa["id"]) == _pair(device.db, capa["id"])


def test_an_older_stamp_sent_along_does_not_replace_a_newer_edit_made_on_the_hub(hub, make_device):
    plant, device, capa = _device_with_capa(hub, make_device)
    save_fields(device.db, get_capa(device.db, capa["id"]), {"title": "Spill kit gone"}, plant["qm"]["id"])
    device.sync()
    time.sleep(0.002)
    save_fields(hub["db"], get_capa(hub["db"], capa["id"]), {"title": "Spill kit gone from hall 2"},
                plant["qm"]["id"])
    time.sleep(0.002)
    # The device has not pulled the hub's edit: its stamps change carries its own, older, title stamp.
    save_fields(device.db, get_capa(device.db, capa["id"]), {"containment": "Borrowed one"}, plant["qm"]["id"])
    device.sync()
    device.sync()
    hub_row, device_row = get_capa(hub["db"], capa["id"]), get_capa(device.db, capa["id"])
    assert hub_row["title"] == device_row["title"] == "Spill kit gone from hall 2"
    assert hub_row["field_stamps"] == device_row["field_stamps"]


def test_one_edit_is_one_change_carrying_the_value_with_its_stamp(hub, make_device):
    """The writer logs a field's value and its stamp in one UPDATE: a hub never receives a value without its stamp."""
    plant, device, capa = _device_with_capa(hub, make_device)
    before = device.db.execute("SELECT MAX(seq) FROM changes").fetchone()[0]
    save_fields(device.db, get_capa(device.db, capa["id"]), {"containment": "Kit from hall 2", "title": "Kit gone"},
                plant["qm"]["id"])
    logged = device.db.execute("SELECT op, data FROM changes WHERE tbl = 'capas' AND seq > ?", (before,)).fetchall()
    assert len(logged) == 1
    data = json.loads(logged[0][1])
    assert data["containment"] == "Kit from hall 2" and data["title"] == "Kit gone"
    assert set(json.loads(data["field_stamps"])) >= {"containment", "title"}
