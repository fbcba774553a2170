"""A push batch that PostgreSQL picks as a deadlock victim is run again and applied (hub.receive's retry), not
answered with a 500. The deadlock is made on purpose: another transaction holds the audit row the batch updates
and then asks for the device's push lock the batch holds; the other transaction waits 10 s before checking for
deadlocks, the batch 1 s (the default), so the batch is the one rolled back."""
import threading
import time

import pytest

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit import settings
from fieldaudit.engines import postgres
from fieldaudit.sync import devices, hub as hubside, outbox
from tests.sync.conftest import hub, make_device  # noqa: F401 - the sync suite's fixtures
from tests.sync.helpers import field_audit

pytestmark = pytest.mark.parametrize("engine", ["postgres"], indirect=True)


def test_a_batch_rolled_back_by_a_deadlock_is_run_again(hub, make_device, checklist_version, engine):  # noqa: F811
    device = make_device("d1")
    device.sync()
    audit = field_audit(device, hub["plant"], checklist_version["id"], submit=False)
    device.sync()
    dbm.execute(device.db, "UPDATE audits SET auditees = 'Changed on the tablet' WHERE id = ?", (audit["id"],))
    batch = [outbox.row_of(c) for c in outbox.pending(device.db)]
    assert [c["table"] for c in batch] == ["audits"]
    dev = devices.authenticate(hub["db"], settings.get(device.db, "hub_token"))
    target = config.database_target(hub["app"].config)
    pusher, other = dbm.connect(target), dbm.connect(target)
    outcome = []

    def push():
        try:
            outcome.append(hubside.receive(pusher, dev, None, batch, hub["store"]))
        except Exception as exc:  # noqa: BLE001 - what the test reports
            outcome.append(exc)

    try:
        other.conn.raw.execute("BEGIN")
        other.conn.raw.execute("SET LOCAL deadlock_timeout = '10s'")
        other.conn.raw.execute("SELECT id FROM audits WHERE id = %s FOR UPDATE", (audit["id"],))
        thread = threading.Thread(target=push, daemon=True)
        thread.start()
        time.sleep(0.5)  # the batch holds its device's lock and waits for the row
        other.conn.raw.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                               (postgres.NAMED_LOCKS, f"push:{dev['id']}"))  # the cycle: the batch is rolled back
        other.conn.raw.execute("COMMIT")
        thread.join(timeout=60)
        [result] = outcome
        assert not isinstance(result, Exception), repr(result)
        assert [r["status"] for r in result["results"]] == ["applied"]
        assert dbm.scalar(hub["db"], "SELECT auditees FROM audits WHERE id = ?", (audit["id"],)) == \
            "Changed on the tablet"
    finally:
        dbm.close(pusher)
        dbm.close(other)
