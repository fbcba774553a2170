"""The protocol version policy: which versions the hub serves, and what it tells a device it cannot (no Flask).

The hub serves its current protocol and the one before, so devices can be upgraded one by one after the hub.
Anything else is a 426 whose message says WHICH side to upgrade; the device stops that sync and keeps its outbox,
so nothing is lost, and its changes go up after the upgrade. A device on the previous version is served, with
a header asking for the upgrade before the hub moves on again.
"""
from ..refusal import Refusal

CURRENT = "1"
FIRST = "1"  # no protocol before this one ever shipped: "0" is never the "previous" version


def accepted(current: str | None = None) -> tuple[str, ...]:
    """The versions a hub speaking `current` (default CURRENT) serves: current first, then the previous one."""
    now = int(current or CURRENT)
    return tuple(str(v) for v in (now, now - 1) if v >= int(FIRST))


def check(version: str, current: str | None = None) -> str | None:
    """None for the current version, an upgrade note for the previous one; raises the 426 Refusal otherwise."""
    current = current or CURRENT
    served = accepted(current)
    if version in served:
        return None if version == current else (
            f"This device speaks sync protocol {version}; the hub speaks {current}. It still syncs: upgrade "
            "FieldAudit on this device before the hub's next upgrade.")
    if version.isdigit() and int(version) > int(current):
        raise Refusal(f"This device speaks sync protocol {version}, newer than the hub's ({' and '.join(served)})."
                      " Upgrade FieldAudit on the hub: this device keeps its waiting changes and sends them once the"
                      " hub is upgraded.", 426)
    raise Refusal(f"This device speaks sync protocol {version or '(none)'}; the hub speaks "
                  f"{' and '.join(served)}. Upgrade FieldAudit on this device: its waiting changes are kept "
                  "and go up after the upgrade.", 426)
