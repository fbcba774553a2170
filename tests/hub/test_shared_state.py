"""Two hub processes on one store answer as one: a session made by one is honoured, and ended, by the other; login
failures counted by either lock both; a change replayed to the other process gets the first one's stored answer.
(Two apps on one data folder: none of this state may live in a process.)"""
import threading

import pytest

from fieldaudit import config, create_app
from fieldaudit import db as dbm
from fieldaudit import idempotency
from fieldaudit.auth import throttle
from tests.factories import FAST_HASH, Auth

COOKIE = "fieldaudit_session"
KEY = "01JC8Z7Q5X4W3V2T1S0R9P8N7M"
pytestmark = pytest.mark.both_engines


@pytest.fixture
def second(app):
    """The second hub process: its own app on the same data folder (same store, blobs and secret key)."""
    return create_app({"DATA_DIR": str(app.config["DATA_DIR"]), "DATABASE_URL": app.config.get("DATABASE_URL"),
                       "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})


def move_session(source, target) -> Auth:
    """What a load balancer does: the browser's next request, with its cookie, lands on the other process."""
    auth = Auth(target.test_client())
    auth.client.set_cookie(COOKIE, source.client.get_cookie(COOKIE).value)
    auth.csrf = source.csrf
    return auth


def test_a_session_made_on_one_process_works_on_the_other_and_a_logout_there_ends_it_here(auth, second, plant):
    auth.login("qm.a")
    other = move_session(auth, second)
    assert other.client.get("/").status_code == 200
    assert other.post("/logout").status_code in (302, 303)
    assert auth.client.get("/").status_code == 302  # back to the sign-in page: the row ended, not the cookie


def test_failures_on_either_process_add_up_to_one_lock(auth, second, plant):
    other = Auth(second.test_client())
    for attempt in range(5):
        (auth if attempt % 2 else other).login("qm.a", password="wrong")
    assert auth.login("qm.a").status_code == 429
    assert other.login("qm.a").status_code == 429


def test_concurrent_failures_are_all_counted(app, second, db, plant):
    """Ten failures at once from many connections: the count is 10, none lost to a read-then-write race (which
    PostgreSQL, with no single writer, would allow; on SQLite the writer lock already serialises them)."""
    barrier = threading.Barrier(10, timeout=60)  # fewer than a process's pool of 20 connections

    def fail_once():
        conn = dbm.connect(config.database_target(app.config))
        try:
            barrier.wait()
            throttle.record_failure(conn, ("user:qm.a",), max_failures=100, base_seconds=1, max_seconds=1)
        finally:
            dbm.close(conn)
    threads = [threading.Thread(target=fail_once) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert dbm.scalar(db, "SELECT failures FROM login_throttle WHERE key = 'user:qm.a'") == 10


def test_a_change_replayed_to_the_other_process_gets_the_stored_answer(auth, second, db, audit):
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/answers/torque"
    first = auth.post(url, {"value": "11", "note": ""}, htmx=True, headers={"Idempotency-Key": KEY})
    assert first.status_code == 200
    other = move_session(auth, second)
    again = other.post(url, {"value": "11", "note": ""}, htmx=True, headers={"Idempotency-Key": KEY})
    assert again.status_code == 200 and again.headers[idempotency.REPLAYED_HEADER] == "true"
    assert again.get_data() == first.get_data()
    assert dbm.scalar(db, "SELECT COUNT(*) FROM idempotency_keys") == 1
