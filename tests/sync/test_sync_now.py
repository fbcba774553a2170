"""'Sync now' on a paired site server against a real hub on loopback; the hub keeps the device's report."""
import re
import shutil
import time

import pytest

from fieldaudit import appdb, config, create_app
from fieldaudit import db as dbm
from fieldaudit.refusal import Refusal
from fieldaudit.sync import devices, link, status
from tests.e2e.harness import ServerThread
from tests.factories import FAST_HASH, Auth


@pytest.fixture
def live(app, db, plant, checklist_version, tmp_path, migrated_database):
    """A hub served over loopback and a site server of PLTA paired with it (not yet synced)."""
    app.config["MODE"] = "hub"
    server = ServerThread(app, threads=2)
    folder = tmp_path / "device"
    folder.mkdir(mode=0o700)
    shutil.copyfile(migrated_database, folder / migrated_database.name)
    conn = dbm.connect(folder / migrated_database.name)
    dbm.execute(conn, "DELETE FROM settings WHERE key = 'device_id'")
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    link.pair_with_hub(conn, server.url, code, name="Line 1")
    conn.conn.close()
    device = create_app({"DATA_DIR": str(folder), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
    device_db = dbm.connect(config.database_path(device.config))
    yield {"server": server, "app": device, "db": device_db, "store": appdb.blob_store_of(device), "hub_db": db}
    device_db.conn.close()
    server.stop()


def test_sync_now_runs_in_the_background_and_shows_the_summary(live, plant):
    status.run(live["db"], live["store"])  # the people come from the hub
    auth = Auth(live["app"].test_client())
    assert auth.login("qm.a").status_code == 303
    started = auth.post("/sync/run", htmx=True)
    assert started.status_code == 200
    poll = re.search(r'hx-get="([^"]+)"', started.get_data(as_text=True)).group(1)
    deadline = time.monotonic() + 60
    while True:
        html = auth.client.get(poll).get_data(as_text=True)
        if "hx-get" not in html or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "Synced: pushed" in html and "KB on the wire" in html
    page = auth.client.get("/sync/").get_data(as_text=True)
    assert "Last sync: pushed" in page and "Synced 20" in page
    reported = dbm.query_one(live["hub_db"], "SELECT backlog, set_aside, last_sync_at FROM sync_devices")
    assert reported["backlog"] == 0 and reported["set_aside"] == 0 and reported["last_sync_at"]


def test_a_revoked_device_says_so_in_the_header(live, plant):
    status.run(live["db"], live["store"])
    devices.revoke(live["hub_db"], link.hub_link(live["db"])["device_id"], by=plant["group_admin"]["id"])
    with pytest.raises(Refusal):
        status.run(live["db"], live["store"])
    auth = Auth(live["app"].test_client())
    auth.login("op.a")
    assert "Device revoked at the hub" in auth.client.get("/").get_data(as_text=True)
