"""Replay the contract's conformance vectors (sync/vectors/v1.json) against a hub."""
import json
from pathlib import Path

import pytest

from fieldaudit import ids, settings

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)

VECTORS = json.loads((Path(__file__).resolve().parents[2] / "sync" / "vectors" / "v1.json").read_text())["vectors"]


def _fill(value, names):
    text = json.dumps(value)
    for name, filled in names.items():
        text = text.replace("{{" + name + "}}", filled)
    return json.loads(text)


def _at(body, path):
    for part in path.split("."):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_hub_answers_each_conformance_vector(hub, make_device, vector):
    device = make_device("d1")
    names = {"token": settings.get(device.db, "hub_token"), "site": hub["plant"]["a"]["id"],
             "user": hub["plant"]["auditor"]["id"], "ulid": ids.new_id()}
    request, expected = _fill(vector["request"], names), _fill(vector["response"], names)
    answer = device.http.request(request["method"], "http://hub.test" + request["path"],
                                 headers=request.get("headers"), json=request.get("json"))
    assert answer.status_code == expected["status"]
    for name, value in expected.get("headers", {}).items():
        assert answer.headers[name] == value
    if request["method"] == "HEAD":
        return
    body = answer.json()
    for path, value in expected.get("contains", {}).items():
        assert _at(body, path) == value
    if "message_includes" in expected:
        assert expected["message_includes"] in json.dumps(body)
    if "change_includes" in expected:
        assert any(all(c.get(k) == v for k, v in expected["change_includes"].items()) for c in body["changes"])
