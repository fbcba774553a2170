"""Background sync on a paired device (no Flask): every SYNC_INTERVAL_MINUTES while the hub answers, backing off
while it does not, and at once after an audit is submitted (`wake`, called after the submission commits).

One runner per data folder: whoever holds the `sync_lease` row runs a sync; a second thread or process on the
same folder finds the lease held and waits (a lease, not an OS lock, so it also works where file locks do not
follow a process, and it lapses by itself when its holder dies). `fieldaudit serve` starts it on a device; tests
and other commands never do unless they ask.
"""
import logging
import os
import threading
import time
from pathlib import Path

from .. import config as configuration
from .. import db as dbm
from .. import ids, leases, settings
from ..evidence.blobstore import BlobStore
from ..refusal import Refusal
from . import status

LEASE = "background-sync"
MAX_BACKOFF_FACTOR = 12  # at most an hour between tries at the default five minutes
log = logging.getLogger(__name__)
_runners: list["Runner"] = []
_lock = threading.Lock()


def acquire(db, holder: str, seconds: float) -> bool:
    """Take or renew the sync lease for `seconds`; False while another holder's has not lapsed."""
    return leases.acquire(db, LEASE, holder, seconds)


def release(db, holder: str) -> None:
    """Give the sync lease up (on stop), so another runner need not wait for it to lapse."""
    leases.release(db, LEASE, holder)


def next_delay(interval: float, failures: int) -> float:
    """Seconds until the next try: the interval while the hub answers, doubling per failure up to a cap."""
    return interval * min(2 ** failures, MAX_BACKOFF_FACTOR) if failures else interval


class Runner:
    """A daemon thread that syncs this data folder with its hub, on a timer and when woken."""

    def __init__(self, database: Path, blobs: Path, interval: float, *, sleep=time.sleep):
        """Sync the database at `database` (blobs at `blobs`) every `interval` seconds."""
        self.database, self.blobs, self.interval, self.sleep = database, blobs, interval, sleep
        self.holder = ids.new_id()
        self.woken = threading.Event()
        self.stopped = threading.Event()
        self.failures = 0
        self.runs = 0
        self.thread = threading.Thread(target=self._loop, name="background-sync", daemon=True)

    def start(self) -> "Runner":
        """Start the thread; the first sync runs at once."""
        with _lock:
            _runners.append(self)
        self.thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stop after the sync in progress (if any) and give up the lease."""
        self.stopped.set()
        self.woken.set()
        self.thread.join(timeout)
        with _lock:
            if self in _runners:
                _runners.remove(self)

    def _loop(self) -> None:
        db = dbm.connect(self.database)
        try:
            while not self.stopped.is_set():
                delay = self._once(db)
                self.woken.wait(delay)
                self.woken.clear()
            release(db, self.holder)
        finally:
            db.conn.close()

    def _once(self, db) -> float:
        """One turn: sync if paired and holding the lease; the seconds to wait before the next turn."""
        try:
            if self.stopped.is_set() or not settings.get(db, "hub_token"):
                return self.interval
            delay = next_delay(self.interval, self.failures + 1)
            if not acquire(db, self.holder, delay + 120):
                return self.interval
            status.run(db, BlobStore(self.blobs), sleep=self.sleep)
            self.failures = 0
        except Refusal as exc:
            self.failures += 1
            log.warning("background sync: %s", exc.message)
        except Exception:  # noqa: BLE001 - the runner must outlive one bad sync; the log has the trace
            self.failures += 1
            log.exception("background sync failed")
        finally:
            self.runs += 1
        return next_delay(self.interval, self.failures)


def wake() -> None:
    """Sync now in this process's runner, if there is one (after a submission commits)."""
    with _lock:
        for runner in _runners:
            runner.woken.set()


def wanted(app_config) -> bool:
    """Whether `fieldaudit serve` should run background sync: a device, and not switched off (or a test run)."""
    if app_config["MODE"] == "hub":
        return False
    chosen = app_config.get("BACKGROUND_SYNC")
    return chosen if chosen is not None else "PYTEST_CURRENT_TEST" not in os.environ


def start(app_config) -> Runner | None:
    """Start the runner for a device's data folder when `wanted`; `fieldaudit serve` calls this."""
    if not wanted(app_config):
        return None
    return Runner(configuration.database_path(app_config), configuration.blob_dir(app_config),
                  int(app_config["SYNC_INTERVAL_MINUTES"]) * 60).start()
