"""The server generates the programme by itself, once a day per site in the site's calendar (no Flask).

A hub, or a site server that is not paired with one, runs `Runner` from `fieldaudit serve`: every CHECK_MINUTES
whoever holds the `programme-daily` lease (the `sync_lease` table, as sync/background.py) generates each site whose
local day has turned since its last run. The day is checked and recorded in `programme_days` inside the
generation's own write transaction, so two runners (threads, processes, a lease that lapsed mid-run) still generate
a site's day once. A device paired with a hub never generates: the hub does, and the rows come down with the sync.
Missed stays a person's decision (docs/PROGRAMME.md, "States"): a day turning makes an audit overdue, nothing more.
"""
import logging
import os
import threading
from datetime import datetime

from .. import config as configuration
from .. import db as dbm
from .. import ids, leases, settings
from . import generate, schedule

LEASE = "programme-daily"
CHECK_MINUTES = 15
log = logging.getLogger(__name__)


def acquire(db, holder: str, now: datetime, seconds: float) -> bool:
    """Take or renew the daily lease until `now` + `seconds`; False while another holder's has not lapsed."""
    return leases.acquire(db, LEASE, holder, seconds, now)


def release(db, holder: str) -> None:
    """Give the daily lease up (on stop)."""
    leases.release(db, LEASE, holder)


def run_due(db, now: datetime, holder: str = "cli") -> list[dict]:
    """Generate every active site whose local day at `now` has not been generated yet; what ran, per site."""
    if settings.hub_paired(db):
        return []  # the hub generates; its rows arrive with the sync
    ran = []
    for site in dbm.query(db, "SELECT id, code, timezone FROM sites WHERE active = 1 ORDER BY code"):
        today = schedule.local_today(site["timezone"], now).isoformat()
        with dbm.transaction(db):  # the write lock from here: the check and the generation are one step
            last = dbm.scalar(db, "SELECT day FROM programme_days WHERE site_id = ?", (site["id"],))
            if last is not None and last >= today:
                continue
            created = generate.generate(db, now, [site["id"]])
            dbm.execute(db, "INSERT INTO programme_days (site_id, day, created, ran_at, holder) VALUES (?, ?, ?, ?, ?)"
                            " ON CONFLICT (site_id) DO UPDATE SET day = excluded.day, created = excluded.created,"
                            " ran_at = excluded.ran_at, holder = excluded.holder",
                        (site["id"], today, created, ids.iso(now), holder))
        ran.append({"site_id": site["id"], "code": site["code"], "day": today, "created": created})
    return ran


class Runner:
    """A daemon thread running `run_due` every `interval` seconds while it holds the lease."""

    def __init__(self, target, interval: float = CHECK_MINUTES * 60, *, clock=ids.utc_now):
        """Run on the database `target` (a path or a PostgreSQL URL); `clock` gives the instant (tests move it)."""
        self.target, self.interval, self.clock = target, interval, clock
        self.holder = ids.new_id()
        self.stopped = threading.Event()
        self.turns, self.ran = 0, []
        self.thread = threading.Thread(target=self._loop, name="programme-daily", daemon=True)

    def start(self) -> "Runner":
        """Start the thread; the first turn runs at once."""
        self.thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stop after the turn in progress and give up the lease."""
        self.stopped.set()
        self.thread.join(timeout)

    def turn(self, db) -> list[dict]:
        """One turn: generate what is due if this runner holds (or takes) the lease."""
        now = self.clock()
        if settings.hub_paired(db) or not acquire(db, self.holder, now, self.interval + 120):
            return []
        return run_due(db, now, self.holder)

    def _loop(self) -> None:
        db = dbm.connect(self.target)
        try:
            while not self.stopped.is_set():
                try:
                    self.ran += self.turn(db)
                except Exception:  # noqa: BLE001 - one bad day must not stop the next; the log has the trace
                    log.exception("daily programme generation failed")
                self.turns += 1
                self.stopped.wait(self.interval)
            release(db, self.holder)
        finally:
            dbm.close(db)


def wanted(app_config) -> bool:
    """Whether `fieldaudit serve` runs it: unless switched off (PROGRAMME_DAILY=0) or under a test run. A paired
    device starts it too and it stands aside on every turn, so pairing or unpairing needs no restart."""
    chosen = app_config.get("PROGRAMME_DAILY")
    return bool(chosen) if chosen is not None else "PYTEST_CURRENT_TEST" not in os.environ


def start(app_config) -> Runner | None:
    """Start the runner for this server's database when `wanted`; `fieldaudit serve` calls this."""
    if not wanted(app_config):
        return None
    return Runner(configuration.database_target(app_config)).start()

