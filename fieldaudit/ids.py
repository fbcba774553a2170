"""ULID keys and UTC instants: made where a row is created, so devices never coordinate."""
import os
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as the ULID spec says
_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def _encode(value: int, length: int) -> str:
    """Encode an integer as fixed-width Crockford base32."""
    out = []
    for _ in range(length):
        out.append(ULID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id() -> str:
    """A new ULID: 48-bit millisecond time + 80 random bits, monotonic within one process."""
    global _last_ms, _last_rand
    with _lock:
        ms = int(time.time() * 1000)
        if ms <= _last_ms:
            # Same millisecond (or a clock step back): increment so ids made here keep sorting in creation order.
            ms = _last_ms
            rand = (_last_rand + 1) & ((1 << 80) - 1)
        else:
            rand = int.from_bytes(os.urandom(10), "big")
        _last_ms, _last_rand = ms, rand
    return _encode(ms, 10) + _encode(rand, 16)


_frozen: ContextVar[datetime | None] = ContextVar("frozen_now", default=None)


def utc_now() -> datetime:
    """The current instant, timezone-aware in UTC (or the instant set by `at`)."""
    return _frozen.get() or datetime.now(timezone.utc)


@contextmanager
def at(instant: datetime):
    """Make utc_now() answer `instant` in this context: for recording history (demo data, imports)."""
    token = _frozen.set(instant.astimezone(timezone.utc))
    try:
        yield
    finally:
        _frozen.reset(token)


def iso(dt: datetime) -> str:
    """An instant as ISO-8601 UTC with millisecond precision and a Z, so strings sort like instants."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an instant written by iso()."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now_iso() -> str:
    """The current instant as stored in the database."""
    return iso(utc_now())
