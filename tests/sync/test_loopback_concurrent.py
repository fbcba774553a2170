"""Two site servers of one site syncing at the same time through the proxy, which resets connections and sends
requests twice (a second connection replays each request; its answers are dropped): exactly once on the hub."""
import subprocess
import sys

import pytest

from tests.sync.loopback import assert_converged, backlog, integrity_ok, read, world_from
from tests.sync.processes import ROOT, env_for
from tests.sync.proxy import Faults

pytestmark = pytest.mark.slow


@pytest.fixture
def world(loopback_template, tmp_path):
    made = world_from(loopback_template, tmp_path / "world", seed=5)
    yield made
    made.stop()


def test_two_site_servers_syncing_at_once_through_duplicates_and_resets_converge_exactly_once(world):
    seeds = [subprocess.Popen([sys.executable, "-m", "tests.sync.seed_device", "3", "2", str(n)], cwd=ROOT,
                              env=env_for(device.folder), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for n, device in enumerate(world.devices, 1)]
    for seeded in seeds:
        output, _ = seeded.communicate(timeout=300)
        assert seeded.returncode == 0, output
    world.proxy.faults = Faults(duplicate_every=2, reset_every=23)
    syncs = [device.start_sync() for device in world.devices]
    for sync in syncs:
        sync.communicate(timeout=300)  # a run may end with "try again later": the next one finishes
    world.proxy.faults = Faults()
    for device in world.devices:
        device.sync_until_done()
    for device in world.devices:
        device.sync_until_done()  # each pulls what the other's CAPA changes made
    assert world.proxy.duplicated > 0 and world.proxy.resets > 0
    for device in world.devices:
        assert integrity_ok(device.folder)
        assert_converged(world.hub, device.folder)
        assert backlog(device.folder) == 0
    assert integrity_ok(world.hub)
    # Exactly once: the hub received each change a site server pushed once (a repeat gets the stored result).
    for device in world.devices:
        hub_id = read(device.folder, "SELECT value FROM settings WHERE key = 'hub_device_id'")[0]["value"]
        pushed = {r["id"] for r in read(device.folder, "SELECT id FROM changes WHERE pushed_at IS NOT NULL"
                                                        " AND source IS NULL")}
        received = [r["change_id"] for r in read(world.hub, "SELECT change_id FROM sync_received"
                                                                    " WHERE device_id = ?", (hub_id,))]
        assert len(received) == len(set(received)) and set(received) == pushed
    numbers = read(world.hub, "SELECT number, COUNT(*) AS n FROM audits GROUP BY number HAVING COUNT(*) > 1")
    assert numbers == []
    capas = {r["title"] for r in read(world.hub, "SELECT title FROM capas")}
    assert {"Spill kit missing 1", "Spill kit missing 2"} <= capas
    for device in world.devices:
        there = {r["title"] for r in read(device.folder, "SELECT title FROM capas")}
        assert {"Spill kit missing 1", "Spill kit missing 2"} <= there
