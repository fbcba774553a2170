"""Two real servers, a hub and a site server, each its own process and data folder, paired through the CLI."""
import pytest
import requests

from tests.sync.processes import ServeProcess, cli


@pytest.mark.slow
def test_a_site_server_process_pairs_with_a_hub_process(tmp_path):
    hub_dir, site_dir = tmp_path / "hub", tmp_path / "site"
    for folder in (hub_dir, site_dir):
        assert cli(folder, "init").returncode == 0
    made = cli(hub_dir, "demo", MODE="hub")
    assert made.returncode == 0, made.stderr
    hub = ServeProcess(hub_dir, MODE="hub").start()
    try:
        code = cli(hub_dir, "sync", "code", "--site", "PLT1", MODE="hub")
        assert code.returncode == 0, code.stderr
        pairing = code.stdout.split(": ", 1)[1].split()[0]
        paired = cli(site_dir, "sync", "pair", hub.url, pairing, "--name", "Plant 1 server")
        assert paired.returncode == 0, paired.stderr
        listed = cli(hub_dir, "sync", "devices", MODE="hub")
        assert "Plant 1 server" in listed.stdout and "sites PLT1" in listed.stdout
        hub.kill()
        hub.start()
        assert requests.get(f"{hub.url}/sync/v1/whoami", timeout=5).status_code == 401
    finally:
        hub.stop()
