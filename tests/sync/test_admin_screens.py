"""The hub's device screens and a site server's hub link: guards, pairing through the screens, revocation."""
import base64
import io
import re

import pytest
import zxingcpp
from PIL import Image

from fieldaudit import settings
from fieldaudit.sync import devices
from tests.factories import Auth, csrf_from

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)


@pytest.fixture
def hub(app):
    app.config["MODE"] = "hub"
    return app


def signed_in(app, username):
    client = app.test_client()
    Auth(client).login(username)
    return client


def form(client, url):
    return csrf_from(client.get(url).get_data(as_text=True))


def test_a_site_admin_makes_a_code_for_their_site_only(hub, db, plant):
    client = signed_in(hub, "admin.a")
    page = client.get("/admin/devices")
    assert page.status_code == 200 and "Pair a new device" in page.get_data(as_text=True)
    token = form(client, "/admin/devices")
    made = client.post("/admin/devices/code", data={"csrf_token": token, "site_id": plant["a"]["id"]})
    html = made.get_data(as_text=True)
    assert made.status_code == 200
    code = re.search(r'class="pair-code"><strong>([A-Z0-9-]+)<', html).group(1)
    assert devices.pair(db, code, installation_id="I", name="D")[0]["site_ids"] == [plant["a"]["id"]]
    other = client.post("/admin/devices/code", data={"csrf_token": token, "site_id": plant["b"]["id"]})
    assert other.status_code == 404
    assert client.post("/admin/devices/code", data={"site_id": plant["a"]["id"]}).status_code == 400


def test_the_code_qr_decodes_to_the_hub_address_and_code(hub, db, plant):
    client = signed_in(hub, "root")
    html = client.post("/admin/devices/code", data={"csrf_token": form(client, "/admin/devices"),
                                                    "site_id": plant["a"]["id"]}).get_data(as_text=True)
    code = re.search(r'class="pair-code"><strong>([A-Z0-9-]+)<', html).group(1)
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [d.text for d in decoded] == [f"http://localhost#pair={code}"]


def test_a_quality_manager_or_auditor_has_no_device_screens(hub, db, plant):
    for username in ("qm.a", "aud.a"):
        client = signed_in(hub, username)
        assert client.get("/admin/devices").status_code == 403, username


def test_revoking_needs_every_site_of_the_device(hub, db, plant):
    both, _ = devices.pair(db, devices.make_code(db, [plant["a"]["id"], plant["b"]["id"]],
                                                 by=plant["group_admin"]["id"]), installation_id="I1", name="Both")
    only_a, token_a = devices.pair(db, devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"]),
                                   installation_id="I2", name="Only A")
    client = signed_in(hub, "admin.a")
    listing = client.get("/admin/devices").get_data(as_text=True)
    assert "Only A" in listing and "Both" not in listing
    token = csrf_from(listing)
    assert client.post(f"/admin/devices/{both['id']}/revoke", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/devices/{only_a['id']}/revoke", data={"csrf_token": token}).status_code == 303
    with pytest.raises(devices.NotPaired):
        devices.authenticate(db, token_a)
    assert client.post("/admin/devices/NOPE/revoke", data={"csrf_token": token}).status_code == 404
    root = signed_in(hub, "root")
    assert root.post(f"/admin/devices/{both['id']}/revoke",
                     data={"csrf_token": form(root, "/admin/devices")}).status_code == 303


def test_device_screens_exist_only_on_the_hub_and_the_hub_link_only_on_a_device(app, db, plant):
    root = signed_in(app, "root")
    assert root.get("/admin/devices").status_code == 404
    page = root.get("/admin/hub")
    assert page.status_code == 200 and "Pair this server with head office" in page.get_data(as_text=True)
    app.config["MODE"] = "hub"
    assert root.get("/admin/hub").status_code == 404


def test_only_a_group_admin_pairs_a_site_server(app, db, plant):
    site_admin = signed_in(app, "admin.a")
    assert site_admin.get("/admin/hub").status_code == 403
    assert site_admin.post("/admin/hub/pair", data={"csrf_token": form(site_admin, "/"), "hub_url": "http://x",
                                                    "code": "X"}).status_code == 403


def test_pairing_from_the_screen_shows_the_hubs_refusal_and_keeps_the_form(app, db, plant):
    root = signed_in(app, "root")
    reply = root.post("/admin/hub/pair", data={"csrf_token": form(root, "/admin/hub"),
                                               "hub_url": "http://127.0.0.1:9", "code": "AAAA-BBBB-CCCC"})
    assert reply.status_code == 502
    html = reply.get_data(as_text=True)
    assert "could not be reached" in html and 'value="AAAA-BBBB-CCCC"' in html
    assert not settings.hub_paired(db)


def test_the_header_badge_says_where_the_data_lives(app, db, plant):
    root = signed_in(app, "root")
    assert "This server" in root.get("/").get_data(as_text=True)
    settings.put(db, "hub_url", "https://hub.example.com")
    assert "Paired with hub" in root.get("/").get_data(as_text=True)
    app.config["MODE"] = "hub"
    assert ">\n  <span class=\"dot dot-ok\" aria-hidden=\"true\"></span> Hub" in root.get("/").get_data(as_text=True)
