"""Concurrent writes through the threaded server and through the db module never fail with "database is locked"."""
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from fieldaudit import config
from fieldaudit import db as dbm
from tests.factories import PASSWORD, csrf_from, make_site, make_user
from tests.e2e.harness import ServerThread

THREADS = 8
POSTS_PER_THREAD = 10
INCREMENTS_PER_THREAD = 50


def sign_in(base: str, username: str, page: str) -> tuple[requests.Session, str]:
    """A requests session signed in through the login form, and the CSRF token of `page`."""
    http = requests.Session()
    token = csrf_from(http.get(f"{base}/login", timeout=10).text)
    response = http.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                         allow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text
    return http, csrf_from(http.get(base + page, timeout=10).text)


def test_concurrent_workstation_posts_all_succeed(app, db):
    """8 threads × 10 form posts against waitress (8 threads): 80 workstations, no lock errors."""
    site = make_site(db, "PLTC", name="Concurrency Plant")
    make_user(db, "root", "admin", all_sites=True)
    server = ServerThread(app, threads=THREADS)
    try:
        signed_in, token = sign_in(server.url, "root", f"/sites/{site['id']}")
        url = f"{server.url}/sites/{site['id']}/workstations"
        start = threading.Barrier(THREADS)

        def worker(n: int) -> list[tuple[int, str]]:
            with requests.Session() as http:  # requests.Session is not thread-safe: one per thread
                http.cookies.update(signed_in.cookies)
                start.wait(timeout=10)
                results = []
                for i in range(POSTS_PER_THREAD):
                    response = http.post(url, data={"csrf_token": token, "code": f"T{n}-{i:02d}",
                                                    "name": f"Thread {n} station {i}"},
                                         allow_redirects=False, timeout=30)
                    results.append((response.status_code, response.text))
                return results

        with ThreadPoolExecutor(THREADS) as pool:
            results = [r for batch in pool.map(worker, range(THREADS)) for r in batch]
        signed_in.close()
    finally:
        server.stop()

    assert len(results) == THREADS * POSTS_PER_THREAD
    assert not [body for _, body in results if "database is locked" in body]
    assert {status for status, _ in results} <= {200, 303}, sorted({s for s, _ in results})
    codes = [r["code"] for r in dbm.query(db, "SELECT code FROM workstations WHERE site_id = ?", (site["id"],))]
    assert len(codes) == THREADS * POSTS_PER_THREAD
    assert set(codes) == {f"T{n}-{i:02d}" for n in range(THREADS) for i in range(POSTS_PER_THREAD)}


def test_read_then_write_transactions_serialize(app, db):
    """8 connections incrementing one counter 50 times each: 400, because transactions begin IMMEDIATE."""
    path = config.database_path(app.config)
    dbm.execute(db, "INSERT INTO settings (key, value) VALUES ('test_counter', '0')")
    statements = []
    start = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        conn = dbm.connect(path)
        if n == 0:
            conn.conn.set_trace_callback(statements.append)
        try:
            start.wait(timeout=10)
            for _ in range(INCREMENTS_PER_THREAD):
                with dbm.transaction(conn):
                    value = int(dbm.scalar(conn, "SELECT value FROM settings WHERE key = 'test_counter'"))
                    time.sleep(0.0002)  # widen the read-to-write window a deferred transaction would lose in
                    dbm.execute(conn, "UPDATE settings SET value = ? WHERE key = 'test_counter'", (str(value + 1),))
        finally:
            conn.conn.close()

    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(worker, n) for n in range(THREADS)]:
            future.result()  # re-raises an OperationalError ("database is locked") from any thread

    assert dbm.scalar(db, "SELECT value FROM settings WHERE key = 'test_counter'") == str(THREADS * INCREMENTS_PER_THREAD)
    assert any(re.fullmatch(r"BEGIN IMMEDIATE", s.strip()) for s in statements), statements[:5]
