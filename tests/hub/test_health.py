"""/healthz: public, 200 with every check ok, 503 naming the check that failed, and nothing secret in the body."""
import json
import shutil

import pytest

from fieldaudit import config
from fieldaudit import db as dbm


def health(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.get_data(as_text=True))


@pytest.mark.both_engines
def test_all_checks_pass_without_signing_in(client, engine):
    status, body = health(client)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "blobs": "ok"}, "failed": []}


@pytest.mark.both_engines
def test_a_pending_migration_is_a_503_naming_it(client, db, engine):
    with dbm.transaction(db):
        dbm.execute(db, "DELETE FROM schema_version WHERE version = (SELECT MAX(version) FROM schema_version)")
    status, body = health(client)
    assert status == 503 and body["failed"] == ["migrations"] and body["checks"]["migrations"] == "pending"


def test_a_database_newer_than_the_code_is_a_503(client, db):
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'future', 'x')")
    status, body = health(client)
    assert status == 503 and body["checks"]["migrations"] == "newer than this FieldAudit"


def test_an_unreadable_database_is_a_503_naming_the_database(app, client):
    path = config.database_path(app.config)
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    path.write_bytes(b"this is not a database " * 100)
    status, body = health(client)
    assert status == 503 and body["checks"]["database"] == "unreachable" and "database" in body["failed"]
    assert str(path) not in json.dumps(body) and "sqlite" not in json.dumps(body).lower()


@pytest.mark.both_engines
def test_a_blob_store_that_cannot_be_written_is_a_503_naming_it(app, client, engine):
    blobs = config.blob_dir(app.config)
    shutil.rmtree(blobs, ignore_errors=True)
    blobs.write_text("a file where the folder should be")  # refuses writes even to root
    status, body = health(client)
    assert status == 503 and body["failed"] == ["blobs"] and body["checks"]["blobs"] == "not writable"
    assert str(blobs) not in json.dumps(body)


@pytest.mark.parametrize("mode", ["device", "hub"])
def test_every_server_kind_answers_it(tmp_path, mode, migrated_database):
    from fieldaudit import create_app
    from tests.factories import FAST_HASH

    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(migrated_database, data / migrated_database.name)
    app = create_app({"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True, "MODE": mode})
    assert app.test_client().get("/healthz").status_code == 200

