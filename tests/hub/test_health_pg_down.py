"""/healthz with PostgreSQL down answers 503 "database unreachable" at once, not after the pool's 30 s wait for a
connection: a server of this test's own is started, used, then stopped under the app."""
import json
import os
import threading

import pytest

from fieldaudit import create_app
from fieldaudit.engines import postgres

pytestmark = pytest.mark.slow  # a PostgreSQL server of its own: initdb, migrate, stop (~20 s)

POOL_WAIT = 30  # the pool's default wait for a connection (engines/postgres.pool_for)
PROBES = 4


@pytest.fixture
def own_server(tmp_path):
    from tests import pg

    bin_dir = pg.find_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing")
        pytest.skip("PostgreSQL server binaries are missing")
    server = pg.Server(bin_dir)
    server.start()
    try:
        server.admin("CREATE DATABASE hub")
        yield server
    finally:
        postgres.close_pools()
        server.stop()


def test_healthz_answers_quickly_with_postgresql_down(own_server, tmp_path):
    url = own_server.url("hub")
    data = tmp_path / "data"
    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": url, "MODE": "hub", "TESTING": True})
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    own_server.stop()
    answers = []

    def probe():
        # Several times: the first ones may just find the pool's dead idle connections (a fast failure); once they
        # are discarded, a probe must not sit out the pool's wait for a new one.
        for _ in range(PROBES):
            answers.append(client.get("/healthz"))

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    # Not a performance figure: the bound is the pool's own wait, which the probe must not sit out.
    prober.join(timeout=POOL_WAIT * 0.9)
    assert len(answers) == PROBES, "/healthz waited for the pool's connection timeout"
    for response in answers:
        body = json.loads(response.get_data(as_text=True))
        assert response.status_code == 503 and body["checks"]["database"] == "unreachable"
        assert "127.0.0.1" not in response.get_data(as_text=True)
