"""The pull cursor never skips a change: two write transactions interleaved on purpose (two connections; the one
holding the lower number commits after a pull ran). Writers number changes under the write lock in commit order —
on SQLite its single writer, on PostgreSQL the advisory write lock taken at BEGIN — so a pull never sees a higher
number while a lower one is still in flight. The control test shows the same interleaving without that lock does
skip a change, so the checks here can fail."""
import threading
import time

import pytest

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.stations import data as stations
from fieldaudit.sync import pull

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


def seq_of(db, code):
    ws = dbm.query_one(db, "SELECT id FROM workstations WHERE code = ?", (code,))
    return dbm.scalar(db, "SELECT seq FROM changes WHERE tbl = 'workstations' AND row_key = ?", (ws["id"],))


def test_a_lower_number_committed_after_a_pull_is_still_pulled(app, db, plant, engine):
    device = {"id": "DEVICE-1", "site_ids": [plant["a"]["id"]]}
    reader, first, second = connection(app), connection(app), connection(app)
    try:
        _, cursor = pulled_all(reader, device, 0)
        done = threading.Event()

        def later_writer():
            stations.create_workstation(second, plant["a"]["id"], None, "WS-LATE", "Second writer")
            done.set()

        with dbm.transaction(first):
            stations.create_workstation(first, plant["a"]["id"], None, "WS-EARLY", "First writer")
            writer = threading.Thread(target=later_writer)
            writer.start()
            time.sleep(0.5)
            assert not done.is_set()  # the second writer waits for the first one's commit
            during, cursor_during = pulled_all(reader, device, cursor)
            assert [c for c in during if c["table"] == "workstations"] == []
        writer.join(timeout=20)
        assert done.is_set()
        after, _ = pulled_all(reader, device, cursor_during)
        codes = [c["data"]["code"] for c in after if c["table"] == "workstations"]
        assert codes == ["WS-EARLY", "WS-LATE"]  # nothing skipped, in commit order
        assert cursor_during < seq_of(db, "WS-EARLY") < seq_of(db, "WS-LATE")
    finally:
        for conn in (reader, first, second):
            dbm.close(conn)


def test_control_without_the_write_lock_the_same_interleaving_skips_a_change(app, db, plant, engine):
    """What the lock prevents (PostgreSQL only: SQLite cannot have two writers at once at all)."""
    if engine != "postgres":
        pytest.skip("SQLite admits one writer at a time; there is no way around its lock to show the hazard")
    device = {"id": "DEVICE-1", "site_ids": [plant["a"]["id"]]}
    reader, first, second = connection(app), connection(app), connection(app)
    try:
        _, cursor = pulled_all(reader, device, 0)
        first.conn.raw.execute("BEGIN")  # the seam's BEGIN without its advisory lock
        stations.create_workstation(first, plant["a"]["id"], None, "WS-EARLY", "First writer")
        second.conn.raw.execute("BEGIN")
        stations.create_workstation(second, plant["a"]["id"], None, "WS-LATE", "Second writer")
        second.conn.raw.execute("COMMIT")  # the higher number commits first
        during, cursor = pulled_all(reader, device, cursor)
        first.conn.raw.execute("COMMIT")
        after, _ = pulled_all(reader, device, cursor)
        pulled = [c["data"]["code"] for c in during + after if c["table"] == "workstations"]
        assert "WS-LATE" in pulled and "WS-EARLY" not in pulled  # skipped: the hazard is real
    finally:
        for conn in (reader, first, second):
            dbm.close(conn)
