"""Structured request logs: a request id on every response (the balancer's kept), and with REQUEST_LOG one JSON line
per request naming user, device, method, path (never the query), status and duration."""
import json
import logging
import pytest

from fieldaudit import create_app, requestlog
from tests.factories import FAST_HASH, Auth


@pytest.fixture
def logged_app(app):
    """A hub process with REQUEST_LOG on, on the `app` fixture's data folder (so `plant` and `db` are its data)."""
    return create_app({"DATA_DIR": str(app.config["DATA_DIR"]), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True,
                       "REQUEST_LOG": True, "MODE": "hub"})


@pytest.fixture
def lines(caplog):
    """The JSON lines logged (the handler writes the same text to stderr)."""
    requestlog.logger.propagate = True  # so caplog sees what the stderr handler writes
    caplog.set_level(logging.INFO, logger="fieldaudit.requests")
    yield lambda: [json.loads(r.getMessage()) for r in caplog.records if r.name == "fieldaudit.requests"]
    requestlog.logger.propagate = False


def test_every_response_has_a_request_id_and_a_sane_one_from_the_balancer_is_kept(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 26
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"}).headers["X-Request-ID"] == "lb-1234.abc"
    forged = client.get("/healthz", headers={"X-Request-ID": "x\" injected {"}).headers["X-Request-ID"]
    assert forged != "x\" injected {" and len(forged) == 26


def test_no_line_without_the_setting(client, lines):
    client.get("/healthz")
    assert lines() == []


def test_one_line_per_request_with_user_status_and_duration_but_no_query(logged_app, plant, lines):
    auth = Auth(logged_app.test_client())
    auth.login("qm.a")
    response = auth.client.get("/?token=s3cret&password=hunter2", headers={"X-Request-ID": "req-42"})
    line = [entry for entry in lines() if entry["request_id"] == "req-42"][0]
    assert line["method"] == "GET" and line["path"] == "/" and line["status"] == response.status_code == 200
    assert line["user"] == plant["qm"]["id"]
    assert isinstance(line["duration_ms"], float) and line["device"] is None
    text = json.dumps(lines())
    assert "s3cret" not in text and "hunter2" not in text


def test_a_refused_anonymous_request_is_logged_too(logged_app, lines):
    response = logged_app.test_client().get("/audits/")
    entry = lines()[-1]
    assert entry["status"] == response.status_code and entry["user"] is None


def test_a_device_request_names_the_device(logged_app, db, plant, lines):
    from fieldaudit.sync import devices

    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    client = logged_app.test_client()
    paired = client.post("/sync/v1/pair", json={"code": code, "installation_id": "i-1", "name": "Tablet 1"}).get_json()
    client.get("/sync/v1/whoami", headers={"Authorization": f"Bearer {paired['token']}"})
    entry = lines()[-1]
    assert entry["path"] == "/sync/v1/whoami" and entry["device"] == paired["device_id"] and entry["status"] == 200
    assert paired["token"] not in json.dumps(lines())
