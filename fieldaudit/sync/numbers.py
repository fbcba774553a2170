"""Human numbers that never collide across devices: a paired device numbers in its own series (no Flask).

AUD-PLT1-0042 made on two site servers of one site would be one number for two audits. A paired device puts the
last five characters of the id the hub gave it into its numbers (AUD-PLT1-7K2QX-0042): chosen by the hub's own
random ULID, known the moment pairing succeeds, no round trip per number and no reserved blocks to run out of
offline. The hub and a standalone server keep the short form. Numbers stay labels, never keys.
"""
from .. import settings

SERIES_CHARS = 5


def series(db) -> str | None:
    """This installation's number series, or None when it numbers in the plain site series."""
    device = settings.get(db, "hub_device_id")
    return device[-SERIES_CHARS:].upper() if device else None


def scope(db, prefix: str) -> str:
    """The counter scope (and number prefix) for `prefix` (e.g. AUD-PLT1) on this installation."""
    mine = series(db)
    return f"{prefix}-{mine}" if mine else prefix
