"""What a device reports at each sync (backlog, photos, set-aside changes) for the hub's fleet view, and the lease
that keeps one background sync runner per data folder however many threads or processes serve it."""
from fieldaudit.db import run_script

SQL = """
ALTER TABLE sync_devices ADD COLUMN backlog INTEGER;
ALTER TABLE sync_devices ADD COLUMN photos_waiting INTEGER;
ALTER TABLE sync_devices ADD COLUMN set_aside INTEGER;
ALTER TABLE sync_devices ADD COLUMN last_sync_at TEXT;

-- One row per kind of runner; whoever holds an unexpired lease runs, the others wait for it to lapse.
CREATE TABLE sync_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""


def upgrade(db):
    """Add the fleet report's columns to sync_devices (a hub-only table, not synced) and the runner lease."""
    run_script(db, SQL)
