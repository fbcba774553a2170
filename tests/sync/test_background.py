"""Background sync: a submission reaches a real hub with nobody pressing anything; one runner per data folder;
back-off while the hub does not answer; `serve` starts it only on a device and not under tests unless asked."""
import time

import pytest

from fieldaudit import config, create_app
from fieldaudit import db as dbm
from fieldaudit import settings
from fieldaudit.audits import data as audits
from fieldaudit.sync import background
from tests.factories import FAST_HASH, submit_with_findings
from tests.sync.live import live_pair


@pytest.fixture
def live(app, db, plant, checklist_version, tmp_path, migrated_database):
    """A hub on loopback with the test checklist, and a site server of PLTA paired with it."""
    yield from live_pair(app, db, plant, tmp_path, migrated_database)


def wait_for(check, seconds=60):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)


def test_a_submitted_audit_reaches_the_hub_without_anyone_pressing_anything(live, plant, checklist_version):
    cfg = live["app"].config
    runner = background.Runner(config.database_path(cfg), config.blob_dir(cfg), interval=3600).start()
    try:
        wait_for(lambda: runner.runs >= 1)  # the first turn at start pulls the plant and the checklist
        device = live["db"]
        site = dbm.query_one(device, "SELECT * FROM sites WHERE id = ?", (plant["a"]["id"],))
        audit = audits.create_audit(device, site=site, checklist_version_id=checklist_version["id"],
                                    auditor_id=plant["auditor"]["id"])
        assert dbm.scalar(live["hub_db"], "SELECT COUNT(*) FROM audits WHERE id = ?", (audit["id"],)) == 0
        submit_with_findings(device, plant, audit, ["minor"])  # the hour-long timer is not what sends it
        wait_for(lambda: dbm.scalar(live["hub_db"], "SELECT status FROM audits WHERE id = ?",
                                    (audit["id"],)) == "submitted")
        wait_for(lambda: runner.runs >= 2)  # woken once by the submission: the first turn had ended before it
        assert runner.runs == 2 and runner.failures == 0
    finally:
        runner.stop()
    assert dbm.scalar(live["db"], "SELECT COUNT(*) FROM sync_lease") == 0  # given up on stop


def test_one_runner_per_data_folder_holds_the_lease_until_it_lapses(db):
    assert background.acquire(db, "first", 60)
    assert not background.acquire(db, "second", 60)
    assert background.acquire(db, "first", 60)  # renewing its own
    background.acquire(db, "first", -1)  # its holder died: the lease lapsed
    assert background.acquire(db, "second", 60)
    background.release(db, "first")  # not the holder: nothing happens
    assert not background.acquire(db, "first", 60)


def test_runners_on_one_folder_in_two_threads_sync_one_at_a_time(app, db, plant):
    settings.put(db, "hub_url", "http://127.0.0.1:9")
    settings.put(db, "hub_token", "t")
    cfg = app.config
    runners = [background.Runner(config.database_path(cfg), config.blob_dir(cfg), interval=0.05,
                                 sleep=lambda s: None) for _ in range(2)]
    for runner in runners:
        runner.start()
    try:
        wait_for(lambda: all(r.runs >= 4 for r in runners))
    finally:
        for runner in runners:
            runner.stopped.set()  # both at once: the holder's release must not hand the lease to the other
        for runner in runners:
            runner.stop()
    tried = [r.failures for r in runners]
    assert min(tried) == 0 and max(tried) >= 2, tried  # only the lease holder ever called the hub


def test_it_backs_off_while_the_hub_does_not_answer(app, db, plant):
    assert [background.next_delay(300, n) for n in range(6)] == [300, 600, 1200, 2400, 3600, 3600]
    settings.put(db, "hub_url", "http://127.0.0.1:9")  # nothing listens there
    settings.put(db, "hub_token", "t")
    cfg = app.config
    runner = background.Runner(config.database_path(cfg), config.blob_dir(cfg), interval=0.01, sleep=lambda s: None)
    runner.start()
    try:
        wait_for(lambda: runner.failures >= 3)
    finally:
        runner.stop()
    assert "Hub unreachable" not in (settings.get(db, "sync_problem") or "")
    assert '"unreachable"' in settings.get(db, "sync_problem")


def test_serve_starts_it_on_a_device_only_and_not_under_tests_unless_asked(tmp_path, monkeypatch):
    device = create_app({"DATA_DIR": str(tmp_path / "d"), "PASSWORD_HASH_METHOD": FAST_HASH})
    assert not background.wanted(device.config)  # PYTEST_CURRENT_TEST is set while this runs
    device.config["BACKGROUND_SYNC"] = True
    assert background.wanted(device.config)
    device.config["MODE"] = "hub"
    assert not background.wanted(device.config) and background.start(device.config) is None
    device.config.update(MODE="device", BACKGROUND_SYNC=None)
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    assert background.wanted(device.config)
