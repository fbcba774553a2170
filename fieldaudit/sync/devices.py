"""The hub's device registry: an admin makes a single-use pairing code; a device trades it for a token.

Tokens are 256 random bits; the hub keeps only their SHA-256 (a leaked database cannot sync as a device), and a
revoked token is refused at once with a message that says what to do. Codes are short enough to type from the screen,
used once (claimed with a conditional UPDATE, so two devices racing for one code cannot both win) and expire in
minutes, so their smaller space is fine.
"""
import hashlib
import json
import secrets
from datetime import timedelta

from .. import db as dbm
from .. import ids, settings
from ..refusal import Refusal

CODE_MINUTES = 10
TOUCH_EVERY = 60  # seconds: last_seen_at is exact to this, as sessions' last_seen_at is
CLOCK_SLACK_MS = 1000
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off a screen and typed on a tablet


class NotPaired(Refusal):
    """The sync API's answer to a missing, unknown or revoked token (401)."""

    status = 401


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalize_code(code: str) -> str:
    """The code as stored: upper case, without the dashes and spaces people type."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def make_code(db, site_ids: list[str], *, by: str, minutes: int = CODE_MINUTES) -> str:
    """A new pairing code for these sites, shown once (formatted XXXX-XXXX-XXXX); only its hash is kept."""
    if not site_ids:
        raise Refusal("Choose at least one site for the device.", 422)
    known = {r["id"] for r in dbm.query(db, f"SELECT id FROM sites WHERE id IN ({','.join('?' * len(site_ids))})",
                                        tuple(site_ids))}
    missing = [s for s in site_ids if s not in known]
    if missing:
        raise Refusal(f"Unknown site {missing[0]}.", 422)
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    now = ids.utc_now()
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO sync_pairing_codes (code_hash, site_ids, created_by, created_at, expires_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                    (_digest(raw), json.dumps(sorted(site_ids)), by, ids.iso(now),
                     ids.iso(now + timedelta(minutes=minutes))))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def pair(db, code: str, *, installation_id: str, name: str, app_version: str = "",
         protocol_version: str = "") -> tuple[dict, str]:
    """Trade a pairing code for a new device and its token (returned once, never stored in clear)."""
    if not installation_id or not name:
        raise Refusal("A device pairs with its installation id and a name.", 422)
    now = ids.iso(ids.utc_now())
    token = secrets.token_urlsafe(32)
    with dbm.transaction(db):
        row = dbm.query_one(db, "SELECT * FROM sync_pairing_codes WHERE code_hash = ?",
                            (_digest(normalize_code(code)),))
        if row is None:
            raise NotPaired("This pairing code is not known to the hub. Check it, or ask the hub's admin for a "
                            "new one.")
        if row["used_at"] is not None:
            raise NotPaired("This pairing code was already used. Ask the hub's admin for a new one.")
        if row["expires_at"] <= now:
            raise NotPaired("This pairing code has expired. Ask the hub's admin for a new one.")
        device = {"id": ids.new_id(), "installation_id": installation_id, "name": name[:120],
                  "site_ids": row["site_ids"], "token_hash": _digest(token), "paired_at": now,
                  "paired_by": row["created_by"], "app_version": app_version[:40],
                  "protocol_version": protocol_version[:10], "created_at": now, "updated_at": now,
                  "origin": settings.device_id(db)}
        claimed = dbm.execute(db, "UPDATE sync_pairing_codes SET used_at = ?, device_id = ?"
                                  " WHERE code_hash = ? AND used_at IS NULL", (now, device["id"], row["code_hash"]))
        if claimed != 1:
            raise NotPaired("This pairing code was already used. Ask the hub's admin for a new one.")
        db["sync_devices"].insert(device)
    return _public(device), token


def authenticate(db, token: str | None) -> dict:
    """The device a bearer token belongs to; NotPaired (401) for a missing, unknown or revoked token."""
    if not token:
        raise NotPaired("This request carries no device token. Pair the device with the hub first.")
    row = dbm.query_one(db, "SELECT * FROM sync_devices WHERE token_hash = ?", (_digest(token),))
    if row is None:
        raise NotPaired("The hub does not know this device's token. Pair the device again (its waiting changes "
                        "are kept and go up after pairing).")
    if row["revoked_at"] is not None:
        raise NotPaired(f"This device was revoked on the hub at {row['revoked_at']}. Pair it again to sync "
                        "(its waiting changes are kept and go up after pairing).")
    return _public(row)


def touch(db, device_id: str, *, app_version: str = "", protocol_version: str = "",
          clock_offset_ms: int | None = None) -> None:
    """Record that a device called, with the facts the fleet view shows (at most once a minute if none changed)."""
    # A write costs an fsync, and a device calls many times a minute while it syncs; a new version or a clock that
    # moved by over a second is written at once.
    now = ids.utc_now()
    row = dbm.query_one(db, "SELECT last_seen_at, app_version, protocol_version, clock_offset_ms FROM sync_devices"
                            " WHERE id = ?", (device_id,))
    if row is not None and row["last_seen_at"] and \
            now - ids.parse_iso(row["last_seen_at"]) < timedelta(seconds=TOUCH_EVERY) and \
            app_version[:40] in ("", row["app_version"]) and protocol_version[:10] in ("", row["protocol_version"]) \
            and (clock_offset_ms is None or row["clock_offset_ms"] is not None
                 and abs(clock_offset_ms - row["clock_offset_ms"]) <= CLOCK_SLACK_MS):
        return
    stamp = ids.iso(now)
    with dbm.transaction(db, parallel=True):  # one row, one statement: no need to wait for other writers
        dbm.execute(db, "UPDATE sync_devices SET last_seen_at = ?, updated_at = ?,"
                        " app_version = COALESCE(NULLIF(?, ''), app_version),"
                        " protocol_version = COALESCE(NULLIF(?, ''), protocol_version),"
                        " clock_offset_ms = COALESCE(?, clock_offset_ms) WHERE id = ?",
                    (stamp, stamp, app_version[:40], protocol_version[:10], clock_offset_ms, device_id))


def revoke(db, device_id: str, *, by: str) -> dict:
    """Revoke a device: its token stops working at its next call; what it has not sent stays on the device."""
    now = ids.iso(ids.utc_now())
    with dbm.transaction(db):
        row = dbm.query_one(db, "SELECT * FROM sync_devices WHERE id = ?", (device_id,))
        if row is None:
            raise Refusal("No such device.", 404)
        if row["revoked_at"] is None:
            dbm.execute(db, "UPDATE sync_devices SET revoked_at = ?, revoked_by = ?, updated_at = ?"
                            " WHERE id = ? AND revoked_at IS NULL", (now, by, now, device_id))
        row = dbm.query_one(db, "SELECT * FROM sync_devices WHERE id = ?", (device_id,))
    return _public(row)


def get(db, device_id: str) -> dict | None:
    """One device (without its token hash)."""
    row = dbm.query_one(db, "SELECT * FROM sync_devices WHERE id = ?", (device_id,))
    return _public(row) if row else None


def list_devices(db) -> list[dict]:
    """Every device ever paired, the active ones first, most recently seen first."""
    rows = dbm.query(db, "SELECT * FROM sync_devices ORDER BY revoked_at IS NOT NULL,"
                         " COALESCE(last_seen_at, paired_at) DESC")
    return [_public(r) for r in rows]


def _public(row: dict) -> dict:
    device = {k: v for k, v in row.items() if k != "token_hash"}
    if isinstance(device.get("site_ids"), str):
        device["site_ids"] = json.loads(device["site_ids"])
    return device
