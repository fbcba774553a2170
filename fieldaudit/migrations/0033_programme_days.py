"""The server's daily programme run (programme/daily.py): per site, the local day it last generated for, written in
the same transaction as that generation, so however many threads or processes run it each site's day runs once."""
from fieldaudit.db import run_script

SQL = """
-- Not synced: each generating server (a hub, or a site server without one) keeps its own.
CREATE TABLE programme_days (
    site_id TEXT PRIMARY KEY REFERENCES sites(id),
    day TEXT NOT NULL,
    created INTEGER NOT NULL DEFAULT 0,
    ran_at TEXT NOT NULL,
    holder TEXT NOT NULL
);
"""


def upgrade(db):
    """Create programme_days."""
    run_script(db, SQL)
