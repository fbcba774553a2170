"""Hybrid logical clock: one integer per change, wall-clock milliseconds × 65536 + a counter (no Flask).

The outbox triggers compute it in SQL (`SQL_NEXT`), so any connection that writes stamps its changes alike: the
next stamp is the larger of now, the newest stamp in the outbox + 1 and the floor a received change raised. The
counter keeps order when the wall clock stands still or steps back; the floor carries a peer's time forward, so a
change made after receiving one always sorts after it. The hub caps a stamp that runs ahead of its own clock.
"""
import time
from datetime import datetime, timezone

SHIFT = 16
COUNTER = (1 << SHIFT) - 1
MAX_AHEAD_MS = 5 * 60 * 1000  # a device clock further ahead than this is capped by the hub and flagged

NOW_MS_SQL = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
SQL_NEXT = (f"MAX({NOW_MS_SQL} << {SHIFT}, COALESCE((SELECT MAX(hlc) FROM changes), 0) + 1,"
            " COALESCE((SELECT floor FROM sync_clock), 0) + 1)")


def now_ms() -> int:
    """Wall-clock milliseconds since the epoch."""
    return int(time.time() * 1000)


def pack(ms: int, counter: int = 0) -> int:
    """The stamp of a wall-clock instant and counter."""
    return (ms << SHIFT) | (counter & COUNTER)


def wall_ms(stamp: int) -> int:
    """The wall-clock part of a stamp."""
    return stamp >> SHIFT


def clamp(stamp: int, hub_now_ms: int | None = None) -> tuple[int, bool]:
    """(stamp, capped): a stamp more than MAX_AHEAD_MS ahead of the hub's clock is capped there, so a device
    whose clock runs a year ahead cannot win every merge."""
    limit = pack((hub_now_ms if hub_now_ms is not None else now_ms()) + MAX_AHEAD_MS, COUNTER)
    return (limit, True) if stamp > limit else (stamp, False)


def show(stamp: int) -> str:
    """A stamp for people: the instant in UTC and the counter."""
    at = datetime.fromtimestamp(wall_ms(stamp) / 1000, tz=timezone.utc)
    return f"{at.strftime('%Y-%m-%dT%H:%M:%S.')}{at.microsecond // 1000:03d}Z/{stamp & COUNTER}"


def receive(db, stamp: int) -> None:
    """Raise this database's clock floor to a received stamp (inside the caller's transaction)."""
    db.conn.execute("UPDATE sync_clock SET floor = ? WHERE floor < ?", (stamp, stamp))
