"""Two hub processes starting at once on an unmigrated store: one migrates, the other waits and finds nothing left
(two threads with a connection each, released together; the runner's lock is a database/file lock, so threads
meet it as processes do)."""
import itertools
import threading

import pytest

from fieldaudit import db as dbm

_names = itertools.count()


@pytest.fixture
def empty_store(engine, tmp_path, request):
    if engine == "sqlite":
        yield tmp_path / "new.sqlite3"
        return
    server = request.getfixturevalue("pg_server")
    name = f"fieldaudit_unmigrated_{next(_names)}"
    server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    server.admin(f"CREATE DATABASE {name}")
    yield server.url(name)
    server.drop(name)


@pytest.mark.both_engines
def test_two_processes_starting_at_once_migrate_once(empty_store):
    start = threading.Barrier(2)
    applied, failed = [], []

    def boot():
        db = dbm.connect(empty_store)
        try:
            start.wait()
            applied.append(dbm.migrate(db))
        except Exception as exc:  # noqa: BLE001 - what the test reports
            failed.append(repr(exc))
        finally:
            dbm.close(db)

    threads = [threading.Thread(target=boot) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failed == []
    everything = [number for number, _, _ in dbm.migrations()]
    assert sorted(applied, key=len) == [[], everything]
    db = dbm.connect(empty_store)
    try:
        assert dbm.scalar(db, "SELECT COUNT(*) FROM schema_version") == len(everything)
    finally:
        dbm.close(db)
