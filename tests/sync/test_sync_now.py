"""'Sync now' on a paired site server against a real hub on loopback; the hub keeps the device's report."""
import re
import time

import pytest

from fieldaudit import db as dbm
from fieldaudit.refusal import Refusal
from fieldaudit.sync import devices, link, status
from tests.factories import Auth
from tests.sync.live import live_pair


@pytest.fixture
def live(app, db, plant, checklist_version, tmp_path, migrated_database):
    """A hub on loopback with the test checklist, and a site server of PLTA paired with it."""
    yield from live_pair(app, db, plant, tmp_path, migrated_database)


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
