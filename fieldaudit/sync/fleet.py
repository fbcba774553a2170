"""The hub's fleet view (no Flask): what each device reported at its last sync, and its problems first.

A device sends what still waits on it with every call (X-FieldAudit-Backlog, -Photos-Waiting, -Set-Aside headers,
see sync/PROTOCOL.md); the hub keeps the figures of its last pull, i.e. what was left after the device had pushed.
"""
from datetime import timedelta

from .. import __version__, ids
from .. import db as dbm
from . import hlc

HEADERS = {"backlog": "X-FieldAudit-Backlog", "photos_waiting": "X-FieldAudit-Photos-Waiting",
           "set_aside": "X-FieldAudit-Set-Aside"}
STALE_AFTER = timedelta(days=1)


def parse_report(headers) -> dict:
    """The figures a device sent (whole numbers ≥ 0; anything else is left out)."""
    report = {}
    for key, name in HEADERS.items():
        value = (headers.get(name) or "").strip()
        if value.isdigit():
            report[key] = min(int(value), 2**31)
    return report


def record_report(db, device_id: str, report: dict) -> None:
    """Keep what a device reported at a completed pull, with the time of that sync."""
    now = ids.now_iso()
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE sync_devices SET backlog = COALESCE(?, backlog),"
                        " photos_waiting = COALESCE(?, photos_waiting), set_aside = COALESCE(?, set_aside),"
                        " last_sync_at = ? WHERE id = ?",
                    (report.get("backlog"), report.get("photos_waiting"), report.get("set_aside"), now, device_id))


def problems(device: dict, conflicts: int = 0, now=None) -> list[str]:
    """What an admin should look at on this device, in words (empty when all is well or the device is revoked)."""
    if device.get("revoked_at"):
        return []
    now = now or ids.utc_now()
    found = []
    if not device.get("last_sync_at"):
        found.append("never synced")
    elif ids.parse_iso(device["last_sync_at"]) < now - STALE_AFTER:
        found.append("no sync for over a day")
    if device.get("set_aside"):
        found.append(f"{device['set_aside']} set aside")
    if conflicts:
        found.append(f"{conflicts} conflict{'s' if conflicts != 1 else ''}")
    offset = device.get("clock_offset_ms")
    if offset is not None and abs(offset) > hlc.MAX_AHEAD_MS:
        found.append("clock off by more than 5 minutes")
    if device.get("app_version") and device["app_version"] != __version__:
        found.append(f"runs {device['app_version']} (hub {__version__})")
    return found


def fleet(db, rows: list[dict]) -> list[dict]:
    """The devices with their problems and conflict counts: problems first, then active, then revoked."""
    counts = {r["device_id"]: r["n"] for r in dbm.query(
        db, "SELECT device_id, COUNT(*) AS n FROM sync_conflicts WHERE device_id IS NOT NULL GROUP BY device_id")}
    shown = []
    for row in rows:
        extra = dbm.query_one(db, "SELECT backlog, photos_waiting, set_aside, last_sync_at FROM sync_devices"
                                  " WHERE id = ?", (row["id"],)) or {}
        device = {**row, **extra, "conflicts": counts.get(row["id"], 0)}
        device["problems"] = problems(device, device["conflicts"])
        shown.append(device)
    shown.sort(key=lambda d: (bool(d.get("revoked_at")), not d["problems"],
                              -(ids.parse_iso(d.get("last_sync_at") or d["paired_at"]).timestamp())))
    return shown
