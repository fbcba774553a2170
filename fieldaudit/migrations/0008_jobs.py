"""Background jobs on record: who asked for what, how it ended, and where its file is, so a restart loses none."""
from fieldaudit.db import run_script

SQL = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    title TEXT NOT NULL,
    filename TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    site_id TEXT REFERENCES sites(id),
    -- The permission at site_id that the file still needs when it is downloaded (roles can change meanwhile).
    permission TEXT,
    -- 'running' is only true while a process runs it; one that died leaves it 'running', which reads as interrupted.
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    file TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX jobs_requested_by ON jobs(requested_by, created_at);
"""


def upgrade(db):
    """Create the jobs table."""
    run_script(db, SQL)
