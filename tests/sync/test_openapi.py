"""schemathesis against sync/openapi.yaml on a real hub served on loopback, with a real paired device's token:
no answer is a 5xx, and every answer conforms to the spec (status, content type, headers, body)."""
import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from fieldaudit import create_app
from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.sync import devices
from tests.e2e.harness import ServerThread
from tests.factories import FAST_HASH, make_site, make_user

SPEC = Path(__file__).resolve().parents[2] / "sync" / "openapi.yaml"
schema = schemathesis.openapi.from_path(str(SPEC))


@schemathesis.serializer("application/offset+octet-stream")
def _chunk(ctx, value):
    """A blob chunk goes as raw bytes (the tus-like media type schemathesis does not know)."""
    return value if isinstance(value, bytes) else str(value).encode()


def not_a_server_error(ctx, response, case):
    """Anything but a 5xx (ours, so it runs with the spec's own checks and says what the hub answered)."""
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory, migrated_database):
    """A hub with one site, a person there and a device paired for it, behind waitress on 127.0.0.1."""
    data = tmp_path_factory.mktemp("hub") / "data"
    data.mkdir(mode=0o700)
    shutil.copyfile(migrated_database, data / migrated_database.name)
    app = create_app({"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
    app.config["MODE"] = "hub"
    db = dbm.connect(data / migrated_database.name)
    site = make_site(db, "PLTA", name="Plant A")
    admin = make_user(db, "root", "admin", all_sites=True)
    make_user(db, "aud.a", "auditor", site)
    code = devices.make_code(db, [site["id"]], by=admin["id"])
    _, token = devices.pair(db, code, installation_id=ids.new_id(), name="Line 1")
    server = ServerThread(app, threads=2)
    yield {"url": server.url + "/sync/v1", "token": token}
    server.stop()
    db.conn.close()


@pytest.mark.slow  # ~100 generated requests per operation over real HTTP
@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_hub_conforms_to_its_openapi_spec(case, live_hub):
    case.call_and_validate(base_url=live_hub["url"], headers={"Authorization": f"Bearer {live_hub['token']}"},
                           checks=CHECKS, timeout=30)


def test_the_spec_names_every_header_a_device_reports_with_its_pull():
    import yaml

    from fieldaudit.sync import fleet

    spec = yaml.safe_load(SPEC.read_text())
    refs = [p["$ref"].rsplit("/", 1)[1] for p in spec["paths"]["/pull"]["get"]["parameters"] if "$ref" in p]
    named = {spec["components"]["parameters"][r]["name"] for r in refs}
    assert set(fleet.HEADERS.values()) <= named
