"""kill -9 on a site server during sync: the `fieldaudit sync` process (and once the server itself) is killed at
seeded random points of a sync with many changes and photos; afterwards every file is intact and a sync converges."""
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.sync.loopback import assert_converged, backlog, integrity_ok, read, world_from
from tests.sync.processes import ROOT, env_for
from tests.sync.proxy import Faults

pytestmark = pytest.mark.slow

SEED = 20261202


@pytest.fixture
def world(loopback_template, tmp_path):
    made = world_from(loopback_template, tmp_path / "world", seed=SEED)
    yield made
    made.stop()


def test_a_site_server_killed_at_random_points_of_a_sync_converges_after_a_restart(world):
    one = world.devices[0]
    made = subprocess.run([sys.executable, "-m", "tests.sync.seed_device", "8", "3", "1"], cwd=ROOT,
                          env=env_for(one.folder), capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    assert backlog(one.folder) > 150
    rng = random.Random(SEED)
    world.proxy.faults = Faults(delay=0.005)  # slower than loopback, so the kills land inside the transfer
    killed_mid_sync = 0
    for round_ in range(5):
        sync = one.start_sync()
        start, budget = world.proxy.bytes_up, rng.randint(2_000, 600_000)
        deadline = time.monotonic() + 90
        while sync.poll() is None and world.proxy.bytes_up - start < budget and time.monotonic() < deadline:
            time.sleep(0.01)
        if sync.poll() is None:
            killed_mid_sync += 1
        sync.send_signal(signal.SIGKILL)
        if round_ == 2:
            one.serve.kill()  # the site server itself goes down with it (a power cut)
        sync.communicate(timeout=30)
        for store in (one.folder, world.hub):
            assert integrity_ok(store), (round_, store)
    assert killed_mid_sync >= 3
    one.serve.start(timeout=120)  # starts again on whatever the kill left
    world.proxy.faults = Faults()
    one.sync_until_done()
    one.sync_until_done()  # a second sync moves nothing new and pulls what the first one's pushes made
    for store in (one.folder, world.hub):
        assert integrity_ok(store)
    assert_converged(world.hub, one.folder)
    assert len(read(world.hub, "SELECT id FROM evidence")) >= 24
    # The site server serves its pages again after the kill.
    assert world.web(one, "auditor").get("/audits/").status_code == 200
