"""The pull cursor never skips a change, and on PostgreSQL writers run in parallel.

On SQLite its one writer numbers changes in commit order. On PostgreSQL changes are numbered at commit
(sync/outbox_pg.py): a write transaction runs beside others with provisional numbers, and right before COMMIT takes
the numbering lock and numbers its rows, so numbers follow commit order. Two transactions interleaved on purpose
show both halves: a parallel writer commits while another holds its transaction open, and the one that numbered
first but commits last is still pulled. The control does the same interleaving with the numbering lock taken out
and shows a change IS skipped, so these checks can fail.
"""
import threading
import time

import pytest

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.stations import data as stations
from fieldaudit.sync import outbox_pg, pull

pytestmark = pytest.mark.both_engines


def connection(app):
    return dbm.connect(config.database_target(app.config))


def pulled_all(reader, device, since):
    """Every change after `since`, page by page, and the cursor at the end."""
    seen = []
    while True:
        page = pull.page(reader, device, since, 2)
        seen += page["changes"]
        since = page["cursor"]
        if not page["more"]:
            return seen, since


def codes(changes):
    return [c["data"]["code"] for c in changes if c["table"] == "workstations"]


def seq_of(db, code):
    ws = dbm.query_one(db, "SELECT id FROM workstations WHERE code = ?", (code,))
    return dbm.scalar(db, "SELECT seq FROM changes WHERE tbl = 'workstations' AND row_key = ?", (ws["id"],))


def only_postgres(engine):
    if engine != "postgres":
        pytest.skip("SQLite admits one writer at a time: there is no parallel writer to interleave")


class Writer(threading.Thread):
    """A second connection writing one workstation in a (parallel) transaction, on its own thread."""

    def __init__(self, app, site_id, code, parallel=True):
        super().__init__(daemon=True)
        self.db, self.site_id, self.code, self.parallel = connection(app), site_id, code, parallel
        self.done = threading.Event()

    def run(self):
        with dbm.transaction(self.db, parallel=self.parallel):
            stations.create_workstation(self.db, self.site_id, None, self.code, "Second writer")
        self.done.set()


def test_a_lower_number_committed_after_a_pull_is_still_pulled(app, db, plant, engine):
    """Plain (exclusive) writers on both engines: the second waits, and nothing is skipped."""
    device = {"id": "DEVICE-1", "site_ids": [plant["a"]["id"]]}
    reader, first = connection(app), connection(app)
    writer = Writer(app, plant["a"]["id"], "WS-LATE", parallel=False)
    try:
        _, cursor = pulled_all(reader, device, 0)
        with dbm.transaction(first):
            stations.create_workstation(first, plant["a"]["id"], None, "WS-EARLY", "First writer")
            writer.start()
            time.sleep(0.5)
            assert not writer.done.is_set()  # a plain writer waits for the first one's commit
            during, cursor_during = pulled_all(reader, device, cursor)
            assert codes(during) == []
        writer.join(timeout=20)
        assert writer.done.is_set()
        after, _ = pulled_all(reader, device, cursor_during)
        assert codes(after) == ["WS-EARLY", "WS-LATE"]  # nothing skipped, in commit order
        assert cursor_during < seq_of(db, "WS-EARLY") < seq_of(db, "WS-LATE")
    finally:
        for conn in (reader, first, writer.db):
            dbm.close(conn)


def test_parallel_writers_do_not_wait_for_each_other_and_commit_order_is_pull_order(app, db, plant, engine):
    """One holds its transaction open mid-batch; the other commits meanwhile and is pulled at once; the first,
    written earlier, gets the higher number when it commits and is pulled next."""
    only_postgres(engine)
    device = {"id": "DEVICE-1", "site_ids": [plant["a"]["id"]]}
    reader, first = connection(app), connection(app)
    writer = Writer(app, plant["a"]["id"], "WS-LATE")
    try:
        _, cursor = pulled_all(reader, device, 0)
        with dbm.transaction(first, parallel=True):
            stations.create_workstation(first, plant["a"]["id"], None, "WS-EARLY", "First writer")
            writer.start()
            writer.join(timeout=20)
            assert writer.done.is_set()  # committed while the first transaction is still open
            during, cursor = pulled_all(reader, device, cursor)
            assert codes(during) == ["WS-LATE"]
        after, _ = pulled_all(reader, device, cursor)
        assert codes(after) == ["WS-EARLY"]
        assert seq_of(db, "WS-LATE") < seq_of(db, "WS-EARLY")  # numbered at commit, not when written
    finally:
        for conn in (reader, first, writer.db):
            dbm.close(conn)


def interleave_numbered_first_committed_last(app, plant):
    """The first transaction numbers its change (constraint fired early) and stays open; a second writes, numbers
    and commits if it can; a pull runs; then the first commits. Returns (pulled codes, second done before)."""
    device = {"id": "DEVICE-1", "site_ids": [plant["a"]["id"]]}
    reader, first = connection(app), connection(app)
    writer = Writer(app, plant["a"]["id"], "WS-LATE")
    try:
        _, cursor = pulled_all(reader, device, 0)
        with dbm.transaction(first, parallel=True):
            stations.create_workstation(first, plant["a"]["id"], None, "WS-EARLY", "First writer")
            dbm.execute(first, "SET CONSTRAINTS changes_number IMMEDIATE")  # number now, as at commit
            writer.start()
            time.sleep(0.5)
            second_done_before = writer.done.is_set()
            during, cursor = pulled_all(reader, device, cursor)
        writer.join(timeout=20)
        assert writer.done.is_set()
        after, _ = pulled_all(reader, device, cursor)
        return codes(during) + codes(after), second_done_before
    finally:
        for conn in (reader, first, writer.db):
            dbm.close(conn)


def test_the_writer_that_numbered_first_and_commits_last_is_still_pulled(app, db, plant, engine):
    only_postgres(engine)
    pulled, second_done_before = interleave_numbered_first_committed_last(app, plant)
    assert not second_done_before  # its numbering waited for the first one's commit
    assert pulled == ["WS-EARLY", "WS-LATE"]
    assert seq_of(db, "WS-EARLY") < seq_of(db, "WS-LATE")


def test_control_without_the_numbering_lock_the_same_interleaving_skips_a_change(app, db, plant, engine):
    """What the numbering lock prevents: this test's own database gets the numbering function without it."""
    only_postgres(engine)
    function = next(sql for sql in outbox_pg.numbering_sql(lock=False) if "FUNCTION changes_number" in sql)
    db.conn.raw.execute(function)
    pulled, second_done_before = interleave_numbered_first_committed_last(app, plant)
    assert second_done_before
    assert pulled == ["WS-LATE"]  # WS-EARLY had the lower number and committed after the cursor passed it
    assert seq_of(db, "WS-EARLY") < seq_of(db, "WS-LATE")


def test_changes_are_numbered_in_the_order_written_even_outside_a_transaction(db, plant, engine):
    """Every committed change carries a positive number (a statement on its own commits alone and is numbered
    too), in the order the transaction wrote them."""
    with dbm.transaction(db, parallel=True):
        for code in ("WS-1", "WS-2", "WS-3"):
            stations.create_workstation(db, plant["a"]["id"], None, code, "Batch")
    ws = dbm.query_one(db, "SELECT id FROM workstations WHERE code = 'WS-2'")
    dbm.execute(db, "UPDATE workstations SET name = 'Renamed alone' WHERE id = ?", (ws["id"],))
    assert seq_of(db, "WS-1") < seq_of(db, "WS-2") < seq_of(db, "WS-3")
    assert dbm.scalar(db, "SELECT COUNT(*) FROM changes WHERE seq <= 0") == 0
    last = dbm.query_one(db, "SELECT seq, op FROM changes ORDER BY seq DESC LIMIT 1")
    assert last["op"] == "update" and last["seq"] > seq_of(db, "WS-3")
