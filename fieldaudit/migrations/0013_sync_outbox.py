"""The sync outbox and its bookkeeping, and the triggers that log every write to a syncable table.

`changes` is the outbox on a device and the numbered change log on the hub (seq is the hub's sequence: one
writer at a time on SQLite, so commit order is seq order and a reader never skips a change committed later with
a lower number). See sync/PROTOCOL.md.
"""
from fieldaudit import db as dbm
from fieldaudit.sync import outbox, tables

SCHEMA = """
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tbl TEXT NOT NULL,
    row_key TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    data TEXT,
    base TEXT,
    hlc INTEGER NOT NULL,
    site_id TEXT,
    source TEXT,
    pushed_at TEXT,
    snapshot INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX changes_hlc ON changes (hlc);
CREATE INDEX changes_unpushed ON changes (seq) WHERE pushed_at IS NULL AND source IS NULL;
CREATE TABLE sync_apply (flag INTEGER NOT NULL);
CREATE TABLE sync_clock (floor INTEGER NOT NULL);
INSERT INTO sync_clock (floor) VALUES (0);
CREATE TABLE sync_fields (
    tbl TEXT NOT NULL, row_key TEXT NOT NULL, field TEXT NOT NULL, hlc INTEGER NOT NULL, origin TEXT,
    PRIMARY KEY (tbl, row_key, field)
);
CREATE TABLE sync_set_aside (
    change_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, tbl TEXT NOT NULL, row_key TEXT NOT NULL, op TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT NOT NULL, set_aside_at TEXT NOT NULL, resolved_at TEXT, resolved_by TEXT
);
CREATE TABLE sync_received (
    change_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, digest TEXT NOT NULL, status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '', hub_seq INTEGER, received_at TEXT NOT NULL
);
CREATE TABLE sync_conflicts (
    id TEXT PRIMARY KEY, change_id TEXT NOT NULL, device_id TEXT, tbl TEXT NOT NULL, row_key TEXT NOT NULL,
    field TEXT, kept TEXT, lost TEXT, reason TEXT NOT NULL, at TEXT NOT NULL
);
CREATE TABLE sync_anchors (
    device_id TEXT NOT NULL, writer TEXT NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (device_id, writer)
);
"""


def upgrade(db):
    """Create the outbox tables and one set of logging triggers per syncable table."""
    dbm.run_script(db, SCHEMA)
    for table in tables.TABLES:
        outbox.install_triggers(db, table.name)
