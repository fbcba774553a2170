"""How many photos the whole server decodes at once: one gate per process, sized by PHOTO_DECODE_SLOTS.

Decoding is where a photo costs memory (a 24 MP PNG is ~100 MB of pixels, several times that while it is
flattened and converted) and seconds of CPU; without a bound, a few hostile uploads at once exhaust the server.
"""
import threading
from contextlib import contextmanager

from ..refusal import Refusal
from .limits import DEFAULT

# A decode takes at most a few seconds within the pixel budgets, so a queue this long means a burst to refuse.
WAIT_SECONDS = 60.0

_gate = threading.BoundedSemaphore(DEFAULT.decode_slots)


def configure(slots: int) -> None:
    """Size the gate (at start; a decode already running keeps the gate it entered)."""
    global _gate
    _gate = threading.BoundedSemaphore(max(1, int(slots)))


@contextmanager
def slot(wait: float = WAIT_SECONDS):
    """Hold one of the decode slots, waiting up to `wait` seconds for one."""
    gate = _gate
    if not gate.acquire(timeout=wait):
        raise Refusal("The server is busy processing other photos. Send this one again in a minute.", 503)
    try:
        yield
    finally:
        gate.release()
