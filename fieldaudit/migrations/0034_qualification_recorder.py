"""Training records travel to every device of a site where the person has a role (0030), but whoever recorded one
may have no role there, so that person is not on the device: qualifications.recorded_by loses its foreign key (the
table rebuilt, rows kept) and its logging triggers are made again."""
from fieldaudit.db import run_script
from fieldaudit.sync import outbox

COLUMNS = ("id, user_id, checklist_id, standard, trained_on, expires_on, evidence, recorded_by, created_at,"
           " updated_at, origin")

SQL = f"""
CREATE TABLE qualifications_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    checklist_id TEXT REFERENCES checklists(id),
    standard TEXT,
    trained_on TEXT NOT NULL,
    expires_on TEXT,
    evidence TEXT NOT NULL DEFAULT '',
    recorded_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    CHECK ((checklist_id IS NULL) <> (standard IS NULL))
);
INSERT INTO qualifications_new ({COLUMNS}) SELECT {COLUMNS} FROM qualifications;
DROP TABLE qualifications;
ALTER TABLE qualifications_new RENAME TO qualifications;
CREATE INDEX qualifications_user ON qualifications(user_id);
"""


def upgrade(db):
    """Rebuild qualifications without the recorder's foreign key; remake its logging triggers."""
    run_script(db, SQL)
    outbox.install_triggers(db, "qualifications")
