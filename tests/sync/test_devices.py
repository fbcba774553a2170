"""The hub's device registry and the token gate of the sync API."""
import threading
from datetime import timedelta

import pytest

from fieldaudit import create_app, ids
from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.sync import devices
from fieldaudit.sync.api import PROTOCOL_VERSION
from fieldaudit.refusal import Refusal
from tests.factories import Auth

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)


@pytest.fixture
def hub(app):
    app.config["MODE"] = "hub"
    return app


def pair_new(db, plant, site="a"):
    code = devices.make_code(db, [plant[site]["id"]], by=plant["group_admin"]["id"])
    return devices.pair(db, code, installation_id="INSTALL1", name="Line 1 server")


def test_a_code_pairs_once_and_only_its_hash_is_kept(db, plant):
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    assert len(devices.normalize_code(code)) == 12
    stored = dbm.query(db, "SELECT code_hash FROM sync_pairing_codes")
    assert stored and devices.normalize_code(code) not in str(stored)
    device, token = devices.pair(db, code.lower().replace("-", " "), installation_id="I1", name="Line 1")
    assert device["site_ids"] == [plant["a"]["id"]] and "token_hash" not in device
    assert len(token) >= 43 and token not in str(dbm.query(db, "SELECT * FROM sync_devices"))
    with pytest.raises(devices.NotPaired, match="already used"):
        devices.pair(db, code, installation_id="I2", name="Another")


def test_an_expired_or_unknown_code_is_refused(db, plant):
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"], minutes=10)
    with ids.at(ids.utc_now() + timedelta(minutes=11)), pytest.raises(devices.NotPaired, match="expired"):
        devices.pair(db, code, installation_id="I1", name="Late")
    with pytest.raises(devices.NotPaired, match="not known"):
        devices.pair(db, "AAAA-BBBB-CCCC", installation_id="I1", name="Guess")


def test_a_code_needs_known_sites(db, plant):
    with pytest.raises(Refusal, match="Unknown site"):
        devices.make_code(db, ["NOPE"], by=plant["group_admin"]["id"])
    with pytest.raises(Refusal, match="at least one site"):
        devices.make_code(db, [], by=plant["group_admin"]["id"])


def test_two_devices_racing_for_one_code_cannot_both_pair(app, db, plant):
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    path = config.database_target(app.config)
    results, barrier = [], threading.Barrier(4)

    def claim(n):
        conn = dbm.connect(path)
        barrier.wait()
        try:
            results.append(devices.pair(conn, code, installation_id=f"I{n}", name=f"D{n}"))
        except devices.NotPaired as exc:
            results.append(exc)
        finally:
            conn.conn.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sum(isinstance(r, tuple) for r in results) == 1
    assert dbm.scalar(db, "SELECT COUNT(*) FROM sync_devices") == 1


@pytest.mark.both_engines
def test_a_revoked_token_is_refused_at_once_and_stays_revoked(db, plant):
    device, token = pair_new(db, plant)
    assert devices.authenticate(db, token)["id"] == device["id"]
    devices.revoke(db, device["id"], by=plant["group_admin"]["id"])
    with pytest.raises(devices.NotPaired, match="revoked"):
        devices.authenticate(db, token)
    with pytest.raises(Exception, match="stays revoked"):
        dbm.execute(db, "UPDATE sync_devices SET revoked_at = NULL WHERE id = ?", (device["id"],))
    with pytest.raises(devices.NotPaired, match="does not know"):
        devices.authenticate(db, token + "x")
    with pytest.raises(devices.NotPaired, match="no device token"):
        devices.authenticate(db, None)


def test_the_api_pairs_and_then_answers_only_to_the_token(hub, db, plant):
    client = hub.test_client()
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    reply = client.post("/sync/v1/pair", json={"code": code, "installation_id": "I1", "name": "Line 1"})
    assert reply.status_code == 201, reply.json
    token = reply.json["token"]
    assert reply.json["site_ids"] == [plant["a"]["id"]]
    again = client.post("/sync/v1/pair", json={"code": code, "installation_id": "I1", "name": "Line 1"})
    assert again.status_code == 401 and "already used" in again.json["message"]
    ok = client.get("/sync/v1/whoami", headers={"Authorization": f"Bearer {token}",
                                                "X-FieldAudit-User": plant["auditor"]["id"]})
    assert ok.status_code == 200 and ok.json["user_id"] == plant["auditor"]["id"]
    assert client.get("/sync/v1/whoami").status_code == 401
    bad = client.get("/sync/v1/whoami", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_acting_user_must_work_at_the_devices_sites(hub, db, plant):
    _, token = pair_new(db, plant)
    client = hub.test_client()
    other_site = client.get("/sync/v1/whoami", headers={"Authorization": f"Bearer {token}",
                                                        "X-FieldAudit-User": plant["auditor_b"]["id"]})
    assert other_site.status_code == 403
    group = client.get("/sync/v1/whoami", headers={"Authorization": f"Bearer {token}",
                                                   "X-FieldAudit-User": plant["group_admin"]["id"]})
    assert group.status_code == 200


def test_a_signed_in_session_alone_never_reaches_the_sync_api(hub, db, plant):
    client = hub.test_client()
    signed_in = Auth(client)
    signed_in.login("root")
    assert client.get("/").status_code == 200
    assert client.get("/sync/v1/whoami").status_code == 401


def test_a_device_server_has_no_sync_api(app, db, plant):
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    reply = app.test_client().post("/sync/v1/pair", json={"code": code, "installation_id": "I", "name": "D"})
    assert reply.status_code == 404 and "not a hub" in reply.json["message"]


def test_mode_must_be_device_or_hub(tmp_path):
    from fieldaudit.config import ConfigError
    with pytest.raises(ConfigError, match="MODE"):
        create_app({"DATA_DIR": str(tmp_path), "MODE": "server"})


def test_every_sync_route_but_pairing_refuses_a_request_without_a_device_token(hub):
    client, checked = hub.test_client(), 0
    for rule in hub.url_map.iter_rules():
        if not rule.endpoint.startswith("sync_api.") or rule.endpoint == "sync_api.pair":
            continue
        url = rule.build({arg: "0" * 64 for arg in rule.arguments}, append_unknown=False)[1]
        for method in rule.methods - {"OPTIONS"}:
            response = client.open(url, method=method, headers={"X-FieldAudit-Protocol": PROTOCOL_VERSION})
            assert response.status_code == 401, (rule, method, response.status_code)
            checked += 1
    assert checked >= 1


def test_an_unexpected_failure_in_the_sync_api_answers_json_not_a_page(hub, db, plant, monkeypatch):
    """A device's client reads the message of any answer: even a 500 comes as the API's JSON, never the HTML page."""
    from fieldaudit.sync import routes

    _, token = pair_new(db, plant)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire /secret/path")

    monkeypatch.setattr(routes.pull, "page", broken)
    reply = hub.test_client().get("/sync/v1/pull?since=0", headers={
        "Authorization": f"Bearer {token}", "X-FieldAudit-Protocol": PROTOCOL_VERSION, "Accept": "text/html"})
    assert reply.status_code == 500
    assert reply.mimetype == "application/json"
    assert reply.json["status"] == 500 and "unexpected problem" in reply.json["message"]
    assert "secret" not in reply.get_data(as_text=True) and "<html" not in reply.get_data(as_text=True)
