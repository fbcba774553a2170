"""A hub and paired devices of one site, each a real app on its own SQLite file, talking through FlaskTransport."""
import shutil

import pytest

from fieldaudit import appdb, config, create_app
from fieldaudit import db as dbm
from fieldaudit.sync import client, devices, link
from tests.factories import FAST_HASH
from tests.sync.transport import Faults, FlaskTransport

HUB_URL = "http://hub.test"


class Device:
    """A site server: its app, database, blob store and a session to the hub through the transport."""

    def __init__(self, data, hub_app_factory, faults=None):
        """Open the device on data folder `data`."""
        self.data = data
        self.app = create_app({"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
        self.db = dbm.connect(config.database_path(self.app.config))
        self.store = appdb.blob_store_of(self.app)
        self.transport = FlaskTransport(hub_app_factory, faults)
        self.http = self.transport.session()

    def restart(self):
        """A new app object and connection on the same files (the process was restarted)."""
        self.db.conn.close()
        self.app = create_app({"DATA_DIR": str(self.data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
        self.db = dbm.connect(config.database_path(self.app.config))

    def sync(self, **kwargs):
        """One sync through the transport (no waiting between retries)."""
        return client.sync_once(self.db, self.store, session=self.http, sleep=lambda s: None, **kwargs)


@pytest.fixture
def hub(app, db, plant):
    """The hub: the test app in hub mode, with the plant (sites A and B) and a published checklist."""
    app.config["MODE"] = "hub"
    return {"app": app, "db": db, "plant": plant, "store": appdb.blob_store_of(app),
            "make": lambda: _hub_app(app)}


def _hub_app(app):
    settings = {"DATA_DIR": app.config["DATA_DIR"], "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True}
    if app.config.get("DATABASE_URL"):  # the hub on PostgreSQL (engine "postgres"); devices stay on SQLite
        settings["DATABASE_URL"] = app.config["DATABASE_URL"]
    fresh = create_app(settings)
    fresh.config["MODE"] = "hub"
    return fresh


@pytest.fixture
def make_device(tmp_path, migrated_database, hub):
    """make_device(name, sites=("a",), faults=None) → a Device paired with the hub for those sites."""
    made = []

    def make(name="device", sites=("a",), faults=None):
        data = tmp_path / name
        data.mkdir(mode=0o700)
        shutil.copyfile(migrated_database, data / migrated_database.name)
        conn = dbm.connect(data / migrated_database.name)
        dbm.execute(conn, "DELETE FROM settings WHERE key = 'device_id'")  # every installation its own id
        conn.conn.close()
        device = Device(data, hub["make"], faults or Faults())
        code = devices.make_code(hub["db"], [hub["plant"][s]["id"] for s in sites],
                                 by=hub["plant"]["group_admin"]["id"])
        link.pair_with_hub(device.db, HUB_URL, code, name=name, session=device.http)
        made.append(device)
        return device

    yield make
    for device in made:
        device.db.conn.close()





@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def loopback_template(request, tmp_path_factory):
    """Hub and two site servers of PLT1 as real processes, paired and synced once, then stopped: each loopback test
    module copies them (tests/sync/loopback.py) instead of paying for the set-up again. Every loopback test runs
    twice: with the hub's store on SQLite and on PostgreSQL (a migrated database of the test server)."""
    from tests.sync.loopback import template

    folder = tmp_path_factory.mktemp(f"loopback-template-{request.param}")
    if request.param == "sqlite":
        return template(folder)
    server = request.getfixturevalue("pg_server")
    name = server.fresh_database()
    return template(folder, hub_database=server.url(name))
