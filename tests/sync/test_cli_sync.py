"""`fieldaudit sync` against a hub served over real HTTP on loopback."""
import shutil

from click.testing import CliRunner

from fieldaudit import db as dbm
from fieldaudit.cli import main
from fieldaudit.sync import devices, link
from tests.e2e.harness import ServerThread


def test_fieldaudit_sync_runs_once_and_prints_a_summary(app, db, plant, tmp_path, migrated_database):
    app.config["MODE"] = "hub"
    server = ServerThread(app, threads=2)
    try:
        runner = CliRunner()
        folder = tmp_path / "device"
        folder.mkdir(mode=0o700)
        shutil.copyfile(migrated_database, folder / migrated_database.name)
        alone = runner.invoke(main, ["--data-dir", str(folder), "sync"])
        assert alone.exit_code == 1 and "not paired" in alone.output
        device = dbm.connect(folder / migrated_database.name)
        dbm.execute(device, "DELETE FROM settings WHERE key = 'device_id'")
        code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
        link.pair_with_hub(device, server.url, code, name="Line 1")
        result = runner.invoke(main, ["--data-dir", str(folder), "sync"])
        assert result.exit_code == 0, result.output
        assert "Pushed 0, pulled" in result.output and "KB on the wire" in result.output
        assert dbm.scalar(device, "SELECT code FROM sites") == "PLTA"
        device.conn.close()
    finally:
        server.stop()
