"""Migration 0022 on a database that already has paired devices: they keep everything, the report is empty."""
from fieldaudit import db as dbm
from fieldaudit.sync import devices, fleet
from tests.factories import make_site, make_user


def test_upgrading_a_hub_with_devices_keeps_them_and_adds_an_empty_report(tmp_path):
    old = dbm.connect(tmp_path / "old.sqlite3")
    dbm.migrate(old, target=21)
    site = make_site(old, "PLTA")
    admin = make_user(old, "root", "admin", all_sites=True)
    device, token = devices.pair(old, devices.make_code(old, [site["id"]], by=admin["id"]), installation_id="I",
                                 name="Line 1")
    assert 22 in dbm.migrate(old)
    row = dbm.query_one(old, "SELECT * FROM sync_devices WHERE id = ?", (device["id"],))
    assert row["name"] == "Line 1" and row["backlog"] is None and row["last_sync_at"] is None
    assert devices.authenticate(old, token)["id"] == device["id"]
    fleet.record_report(old, device["id"], {"backlog": 3})
    assert fleet.fleet(old, devices.list_devices(old))[0]["backlog"] == 3
    assert dbm.scalar(old, "SELECT COUNT(*) FROM sync_lease") == 0
    old.conn.close()
