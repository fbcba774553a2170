"""Password throttling, for sign-in and e-signatures alike: after N consecutive failures a key (a username, a client
address) is locked for a doubling back-off, so a stolen session cannot be used to guess its owner's password."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from .. import db as dbm
from .. import ids
from ..refusal import Refusal


@dataclass(frozen=True)
class Attempt:
    """Who is trying a password, as throttle keys, and the limits that apply."""

    keys: tuple[str, ...]
    max_failures: int = 5
    base_seconds: int = 30
    max_seconds: int = 900


class Locked(Refusal):
    """Too many wrong passwords: wait, then try again (429 with Retry-After)."""

    status = 429

    def __init__(self, seconds: int):
        super().__init__(f"Too many wrong passwords. Wait {seconds} seconds, then try again.")
        self.retry_after = seconds


def check(db, attempt: Attempt, verify: Callable[[], bool]) -> bool:
    """One password check under the throttle: Locked while a key is locked; a failure counts, a success clears."""
    wait = locked_for(db, attempt.keys)
    if wait:
        raise Locked(wait)
    if verify():
        clear(db, attempt.keys)
        return True
    record_failure(db, attempt.keys, max_failures=attempt.max_failures, base_seconds=attempt.base_seconds,
                   max_seconds=attempt.max_seconds)
    return False


def locked_for(db, keys) -> int:
    """Seconds until the longest lock among `keys` lifts (0 when none is locked)."""
    now = ids.utc_now()
    wait = 0
    for key in keys:
        until = dbm.scalar(db, "SELECT locked_until FROM login_throttle WHERE key = ?", (key,))
        if until:
            wait = max(wait, int((ids.parse_iso(until) - now).total_seconds() + 0.999))
    return max(wait, 0)


def record_failure(db, keys, *, max_failures: int, base_seconds: int, max_seconds: int) -> None:
    """Count a failed login against every key; lock those past the limit."""
    now = ids.utc_now()
    with dbm.transaction(db):
        for key in keys:
            # Counted by the database in one statement: two hub processes failing the same key at once (PostgreSQL
            # does not serialise writers as SQLite does) both count, instead of both writing the same n + 1.
            failures = dbm.scalar(db, "INSERT INTO login_throttle (key, failures, last_failure_at) VALUES (?, 1, ?)"
                                      " ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures + 1,"
                                      " last_failure_at = excluded.last_failure_at RETURNING failures",
                                  (key, ids.iso(now)))
            if failures >= max_failures:
                # 5 failures → base, 6 → 2×base, … capped: slows a guesser without locking a person out for long.
                seconds = min(base_seconds * 2 ** (failures - max_failures), max_seconds)
                dbm.execute(db, "UPDATE login_throttle SET locked_until = ? WHERE key = ?",
                            (ids.iso(now + timedelta(seconds=seconds)), key))


def clear(db, keys) -> None:
    """Forget the failures of keys after a successful login."""
    with dbm.transaction(db):
        for key in keys:
            dbm.execute(db, "DELETE FROM login_throttle WHERE key = ?", (key,))
