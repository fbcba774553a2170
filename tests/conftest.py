"""Shared fixtures: a real app on a temporary data folder, a real SQLite file (or a real PostgreSQL database for
tests marked `both_engines`, or every test under FIELDAUDIT_TEST_ENGINE=postgres), sign-in, a plant, an audit."""
import atexit
import os
import shutil
import threading

import pytest

from fieldaudit import config, create_app
from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.auth import users
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.stations import data as stations
from tests.factories import CHECKLIST, FAST_HASH, Auth, make_site, make_user, submit_with_findings


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """An empty database with every migration applied, made once per run (migrating costs more than a test)."""
    data = tmp_path_factory.mktemp("template") / "data"
    create_app({"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
    return data / "fieldaudit.sqlite3"


def pytest_generate_tests(metafunc):
    """Tests marked `both_engines` run once on SQLite and once on PostgreSQL; with `both_engines(slow=True)` the
    PostgreSQL variant is a slow test (CI runs it; the everyday `-m "not slow"` run keeps the SQLite one)."""
    marker = metafunc.definition.get_closest_marker("both_engines")
    if "engine" in metafunc.fixturenames and marker:
        postgres = pytest.param("postgres", marks=pytest.mark.slow) if marker.kwargs.get("slow") else "postgres"
        metafunc.parametrize("engine", ["sqlite", postgres], indirect=True)


@pytest.fixture
def engine(request):
    """The store under test: "sqlite", or "postgres" (both for `both_engines` tests; FIELDAUDIT_TEST_ENGINE sets
    the default of every other test, to run an area's suite with the hub on PostgreSQL). A test marked
    `sqlite_only(reason)` is skipped on PostgreSQL (it edits the database file or reads SQLite's own state)."""
    name = getattr(request, "param", None) or os.environ.get("FIELDAUDIT_TEST_ENGINE", "sqlite")
    only = request.node.get_closest_marker("sqlite_only")
    if only and name != "sqlite":
        pytest.skip(f"SQLite only: {only.args[0]}")
    return name


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of this test run with a migrated template database (started once, stopped at the end).

    Skipped only when no PostgreSQL binary exists and CI is not set; under CI a missing server fails."""
    from tests import pg

    bin_dir = pg.find_bin_dir()
    if bin_dir is None:
        reason = "no PostgreSQL server binaries (initdb, pg_ctl; Debian package postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the PostgreSQL tests")
        pytest.skip(reason)
    server = pg.Server(bin_dir)
    # Also at interpreter exit: an interrupted run (Ctrl-C) can skip fixture teardown and leave the server up.
    atexit.register(server.stop)
    server.start()
    try:
        server.make_template()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    """The URL of a fresh, migrated PostgreSQL database of this test, dropped afterwards."""
    name = pg_server.fresh_database()
    yield pg_server.url(name)
    # A report job a test started may still run in its thread, on a connection to this database: let it end first
    # (dropped under it, the job fails in a thread and the next test reports that).
    for thread in threading.enumerate():
        if thread.name.startswith("job-"):
            thread.join(timeout=60)
    pg_server.drop(name)


@pytest.fixture
def app(tmp_path, migrated_database, engine, request):
    """An app with its own data folder, starting from a copy of the migrated empty database (SQLite), or on a
    fresh PostgreSQL database copied from the migrated template."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    settings = {"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True}
    if engine == "postgres":
        settings["DATABASE_URL"] = request.getfixturevalue("pg_url")
    else:
        shutil.copyfile(migrated_database, data / migrated_database.name)
    return create_app(settings)


@pytest.fixture
def db(app):
    """A connection to the app's database."""
    conn = dbm.connect(config.database_target(app.config))
    yield conn
    dbm.close(conn)


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    """Sign-in helper bound to the test client."""
    return Auth(client)


@pytest.fixture
def plant(db):
    """Two sites with one workstation each and a user of every role at site A, plus an auditor at site B."""
    a = make_site(db, "PLTA", name="Plant A")
    b = make_site(db, "PLTB", name="Plant B", timezone="America/Chicago")
    area_a = stations.create_area(db, a["id"], "ASM", "Assembly")
    ws_a = stations.create_workstation(db, a["id"], area_a["id"], "A-01", "Station A1")
    ws_b = stations.create_workstation(db, b["id"], None, "B-01", "Station B1")
    people = {
        "operator": make_user(db, "op.a", "operator", a),
        "auditor": make_user(db, "aud.a", "auditor", a),
        "qm": make_user(db, "qm.a", "quality_manager", a),
        "admin": make_user(db, "admin.a", "admin", a),
        "auditor_b": make_user(db, "aud.b", "auditor", b),
        "group_admin": make_user(db, "root", "admin", all_sites=True),
    }
    return {"a": a, "b": b, "area_a": area_a, "ws_a": ws_a, "ws_b": ws_b, **people}


@pytest.fixture
def site_c(db, plant):
    """A third site with one workstation, where nobody of the plant has a role (the 404 side of the guards)."""
    c = make_site(db, "PLTC", name="Plant C")
    return {**c, "ws": stations.create_workstation(db, c["id"], None, "C-01", "Station C1")}


@pytest.fixture
def checklist_version(db):
    """The test checklist, published."""
    row, _ = store.publish(db, parse_checklist(CHECKLIST, "test-walk.yaml"), by=None)
    return row


@pytest.fixture
def audit(db, plant, checklist_version):
    """An audit of site A by its auditor at workstation A-01."""
    return audits.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                               auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"], auditees="Pat Doe")


@pytest.fixture
def submitted(db, plant, audit):
    """A submitted audit with one major, two minors, an observation and an OFI."""
    return submit_with_findings(db, plant, audit, ["major", "minor", "minor", "observation", "ofi"])


@pytest.fixture
def two_roles(db, plant, checklist_version):
    """Pat, auditor at PLTA and operator at PLTC (no role at PLTB), with an audit Pat started at each of the three
    sites while Pat still audited there, and an audit another auditor runs at PLTA; each audit has one finding."""
    plant_c = make_site(db, "PLTC", name="Plant C")
    pat = make_user(db, "pat", "auditor", plant["a"])
    users.add_membership(db, pat["id"], plant_c["id"], "operator")
    found = {}
    for key, site, auditor in (("own_a", plant["a"], pat), ("own_c", plant_c, pat), ("own_b", plant["b"], pat),
                               ("others_a", plant["a"], plant["auditor"])):
        audit = audits.create_audit(db, site=site, checklist_version_id=checklist_version["id"],
                                    auditor_id=auditor["id"])
        finding = audits.add_finding(db, audit, {"severity": "minor", "description": "Oil"}, auditor["id"])
        found[key] = {**audit, "finding_id": finding["id"]}
    return {"user": pat, "site_c": plant_c, **found}
