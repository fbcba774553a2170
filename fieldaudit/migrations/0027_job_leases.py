"""Jobs on a hub of several processes: progress and a lease live in the row, so any process can show a job's
progress and tell a running job (lease renewed) from one whose process died (lease run out)."""
from fieldaudit.db import run_script

SQL = """
ALTER TABLE jobs ADD COLUMN progress_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN progress_total INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN progress_message TEXT NOT NULL DEFAULT 'starting';
-- The process running the job (host:pid:random) and until when it has promised to renew; NULL on rows made before
-- this migration, which therefore read as interrupted if they were still 'running'.
ALTER TABLE jobs ADD COLUMN runner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
"""


def upgrade(db):
    """Add the progress and lease columns to jobs."""
    run_script(db, SQL)
