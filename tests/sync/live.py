"""A hub served over loopback (waitress) and a site server paired with it, each on its own data folder."""
import shutil

from fieldaudit import appdb, config, create_app
from fieldaudit import db as dbm
from fieldaudit.sync import devices, link
from tests.e2e.harness import ServerThread
from tests.factories import FAST_HASH


def live_pair(app, db, plant, tmp_path, migrated_database):
    """A hub served over loopback and a site server of PLTA paired with it (not yet synced); a fixture's body."""
    app.config["MODE"] = "hub"
    server = ServerThread(app, threads=2)
    folder = tmp_path / "device"
    folder.mkdir(mode=0o700)
    shutil.copyfile(migrated_database, folder / migrated_database.name)
    conn = dbm.connect(folder / migrated_database.name)
    dbm.execute(conn, "DELETE FROM settings WHERE key = 'device_id'")
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    link.pair_with_hub(conn, server.url, code, name="Line 1")
    conn.conn.close()
    device = create_app({"DATA_DIR": str(folder), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
    device_db = dbm.connect(config.database_path(device.config))
    yield {"server": server, "app": device, "db": device_db, "store": appdb.blob_store_of(device), "hub_db": db}
    device_db.conn.close()
    server.stop()
