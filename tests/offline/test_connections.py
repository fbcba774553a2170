"""The request connection kept per serving thread (the replay's speed): reused, never carrying a request's open
transaction, a failed request's connection or another thread's into the next request."""
import threading

import pytest

from fieldaudit.appdb import get_db
from fieldaudit.db import query_one

# A PostgreSQL hub takes a connection from its pool per request (appdb.get_db); only SQLite keeps one per thread.
pytestmark = pytest.mark.sqlite_only("the connection kept per serving thread is SQLite's")


def connection_of(app):
    with app.app_context():
        return get_db().conn


def test_a_thread_reuses_its_connection_with_a_fresh_wrapper(app):
    with app.app_context():
        first = get_db()
        first._sync_columns = {"stale": ["cached"]}
    with app.app_context():
        second = get_db()
        assert second.conn is first.conn
        # What a request hung on its wrapper stays with that request.
        assert second is not first and not hasattr(second, "_sync_columns")
        assert query_one(second, "PRAGMA foreign_keys")["foreign_keys"] == 1


def test_another_thread_gets_its_own_connection(app):
    mine = connection_of(app)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(connection_of(app)))
    worker.start()
    worker.join()
    assert theirs[0] is not mine
    assert connection_of(app) is mine


def test_a_transaction_left_open_is_rolled_back_and_the_connection_replaced(app, db):
    with app.app_context():
        left = get_db().conn
        left.execute("BEGIN IMMEDIATE")
        left.execute("INSERT INTO settings (key, value) VALUES ('left-open', 'x')")
    with app.app_context():
        again = get_db().conn
        assert not again.in_transaction
        assert again is not left
    assert query_one(db, "SELECT 1 AS found FROM settings WHERE key = 'left-open'") is None
    # The write lock went with the rollback: another connection can write at once.
    db.conn.execute("INSERT INTO settings (key, value) VALUES ('after', 'y')")


def test_an_app_context_error_closes_the_connection(app):
    with pytest.raises(RuntimeError):
        with app.app_context():
            failed = get_db().conn
            raise RuntimeError("boom")
    assert connection_of(app) is not failed
    with pytest.raises(Exception):
        failed.execute("SELECT 1")
