"""Trail anchoring: the hub keeps each device's chain head; `verify` on either side finds a chain cut or rewritten
after a sync (no Flask).

A device sends its chain whole (audit_trail flows up) and its head with every push; the hub answers with the head
it holds, which the device keeps (`settings.hub_anchor`). Afterwards a device whose trail lost or changed that
entry no longer matches the hub's anchor, even if its seal file was rewritten too; on the hub the anchored head
must still be in the device's chain as received.
"""
import json

from .. import db as dbm
from .. import settings


def problems(db) -> list[str]:
    """One line per anchored head that the trail here no longer holds."""
    found = []
    anchored = settings.get(db, "hub_anchor")
    if anchored:
        head = json.loads(anchored)
        found += _check(db, head["writer"], head["seq"], head["hash"], "anchored on the hub")
    if db["sync_anchors"].exists():
        for row in dbm.query(db, "SELECT * FROM sync_anchors ORDER BY device_id, writer"):
            found += _check(db, row["writer"], row["seq"], row["hash"], f"anchored from device {row['device_id']}")
    return found


def _check(db, writer, seq, digest, where) -> list[str]:
    held = dbm.scalar(db, "SELECT hash FROM audit_trail WHERE writer = ? AND seq = ?", (writer, seq))
    if held is None:
        return [f"trail of {writer}: entry #{seq} {where} at sync is missing: the chain was cut after a sync"]
    if held != digest:
        return [f"trail of {writer}: entry #{seq} no longer matches the head {where}: the chain was rewritten"]
    return []
