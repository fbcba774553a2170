"""Pairing a site server with a hub over real HTTP, from the command line."""
import shutil

import pytest

from fieldaudit import config, create_app, settings
from fieldaudit import db as dbm
from fieldaudit.cli import main
from fieldaudit.sync import devices, link
from fieldaudit.refusal import Refusal
from tests.e2e.harness import ServerThread
from tests.factories import FAST_HASH

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)


@pytest.fixture
def hub_server(app, db, plant):
    app.config["MODE"] = "hub"
    server = ServerThread(app, threads=2)
    yield server
    server.stop()


@pytest.fixture
def device_db(tmp_path, migrated_database):
    data = tmp_path / "device"
    data.mkdir(mode=0o700)
    shutil.copyfile(migrated_database, data / migrated_database.name)
    device_app = create_app({"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
    conn = dbm.connect(config.database_path(device_app.config))
    yield conn, data
    conn.conn.close()


def test_a_site_server_pairs_with_the_hub_and_becomes_read_only_for_reference_data(hub_server, db, plant,
                                                                                     device_db):
    device, _ = device_db
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    answer = link.pair_with_hub(device, hub_server.url + "/", code, name="Line 1 server")
    assert settings.hub_paired(device)
    hub_link = link.hub_link(device)
    assert hub_link == {"url": hub_server.url, "device_id": answer["device_id"], "hub_id": settings.device_id(db),
                        "site_ids": [plant["a"]["id"]]}
    token = settings.get(device, "hub_token")
    assert devices.authenticate(db, token)["installation_id"] == settings.device_id(device)
    with pytest.raises(Refusal, match="already paired"):
        link.pair_with_hub(device, hub_server.url, code)


def test_a_refused_code_or_an_unreachable_hub_says_why_and_pairs_nothing(hub_server, device_db):
    device, _ = device_db
    with pytest.raises(Refusal, match="not known to the hub"):
        link.pair_with_hub(device, hub_server.url, "AAAA-BBBB-CCCC")
    with pytest.raises(Refusal, match="could not be reached"):
        link.pair_with_hub(device, "http://127.0.0.1:9", "AAAA-BBBB-CCCC")
    with pytest.raises(Refusal, match="https://"):
        link.pair_with_hub(device, "hub.example", "AAAA-BBBB-CCCC")
    assert not settings.hub_paired(device)


def test_the_cli_makes_a_code_on_the_hub_and_pairs_a_device_with_it(hub_server, app, db, plant, device_db,
                                                                   monkeypatch):
    from click.testing import CliRunner

    runner = CliRunner()
    monkeypatch.setenv("FIELDAUDIT_MODE", "hub")
    hub_store = app.config.get("DATABASE_URL")  # the hub on PostgreSQL: its CLI is told where; a device never is
    if hub_store:
        monkeypatch.setenv("FIELDAUDIT_DATABASE_URL", hub_store)
    made = runner.invoke(main, ["--data-dir", str(app.config["DATA_DIR"]), "sync", "code", "--site", "PLTA",
                                "--by", "root"])
    assert made.exit_code == 0, made.output
    code = made.output.split(": ", 1)[1].split()[0]
    listed = runner.invoke(main, ["--data-dir", str(app.config["DATA_DIR"]), "sync", "devices"])
    assert "No device is paired" in listed.output
    monkeypatch.delenv("FIELDAUDIT_MODE")
    monkeypatch.delenv("FIELDAUDIT_DATABASE_URL", raising=False)
    _, device_dir = device_db
    paired = runner.invoke(main, ["--data-dir", str(device_dir), "sync", "pair", hub_server.url, code,
                                  "--name", "Press shop"])
    assert paired.exit_code == 0, paired.output
    assert "Paired with" in paired.output
    monkeypatch.setenv("FIELDAUDIT_MODE", "hub")
    if hub_store:
        monkeypatch.setenv("FIELDAUDIT_DATABASE_URL", hub_store)
    listed = runner.invoke(main, ["--data-dir", str(app.config["DATA_DIR"]), "sync", "devices"])
    assert "Press shop" in listed.output and "sites PLTA" in listed.output
    device_id = listed.output.split()[0]
    revoked = runner.invoke(main, ["--data-dir", str(app.config["DATA_DIR"]), "sync", "revoke", device_id,
                                   "--by", "root"])
    assert revoked.exit_code == 0 and "Revoked Press shop" in revoked.output
    monkeypatch.delenv("FIELDAUDIT_MODE")
    monkeypatch.delenv("FIELDAUDIT_DATABASE_URL", raising=False)
    on_device = runner.invoke(main, ["--data-dir", str(device_dir), "sync", "code", "--site", "PLTA"])
    assert on_device.exit_code == 1 and "run this on the hub" in on_device.output


def test_an_admin_pairs_from_the_hub_link_screen_with_the_qr_text(hub_server, db, plant, device_db,
                                                                  migrated_database):
    from tests.factories import Auth, csrf_from, make_user

    device, data = device_db
    device_app = create_app({"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
    make_user(device, "boss", "admin", all_sites=True)
    client = device_app.test_client()
    Auth(client).login("boss")
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    token = csrf_from(client.get("/admin/hub").get_data(as_text=True))
    reply = client.post("/admin/hub/pair", data={"csrf_token": token, "hub_url": f"{hub_server.url}#pair={code}",
                                                 "code": "", "name": "Quality office"})
    assert reply.status_code == 303
    page = client.get("/admin/hub").get_data(as_text=True)
    assert "Paired with head office" in page and hub_server.url in page
    assert [d["name"] for d in devices.list_devices(db)] == ["Quality office"]
