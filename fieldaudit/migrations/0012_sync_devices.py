"""The hub's device registry: single-use pairing codes and the devices they paired, with hashed tokens."""
from fieldaudit.db import run_script

SQL = """
-- A code an admin makes on the hub for one or more sites; only its hash is kept, it is used once and expires.
CREATE TABLE sync_pairing_codes (
    code_hash TEXT PRIMARY KEY,
    site_ids TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    device_id TEXT
);

-- A paired installation (site server or self-serving tablet). `installation_id` is the device's own
-- settings.device_id, the `origin` of every row it makes; re-pairing the same installation adds a new row.
CREATE TABLE sync_devices (
    id TEXT PRIMARY KEY,
    installation_id TEXT NOT NULL,
    name TEXT NOT NULL,
    site_ids TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    paired_at TEXT NOT NULL,
    paired_by TEXT REFERENCES users(id),
    revoked_at TEXT,
    revoked_by TEXT REFERENCES users(id),
    last_seen_at TEXT,
    app_version TEXT NOT NULL DEFAULT '',
    protocol_version TEXT NOT NULL DEFAULT '',
    clock_offset_ms INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX sync_devices_installation ON sync_devices(installation_id);

-- A revocation is final: a revoked token never works again (pair again for a new one).
CREATE TRIGGER sync_devices_revocation_final BEFORE UPDATE OF revoked_at, token_hash ON sync_devices
WHEN OLD.revoked_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a revoked device stays revoked; pair it again'); END;
"""


def upgrade(db):
    """Create the pairing-code and device tables."""
    run_script(db, SQL)
