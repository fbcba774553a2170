"""Evidence photos: metadata rows (the bytes live in the content-addressed blob folder)."""
from fieldaudit.db import run_script

SQL = """
CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    audit_id TEXT NOT NULL REFERENCES audits(id),
    question_id TEXT,
    finding_id TEXT REFERENCES findings(id),
    sha256 TEXT NOT NULL,
    thumb_sha256 TEXT NOT NULL,
    original_sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    mime_in TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    thumb_width INTEGER NOT NULL,
    thumb_height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    original_width INTEGER NOT NULL,
    original_height INTEGER NOT NULL,
    captured_at TEXT,
    caption TEXT NOT NULL DEFAULT '',
    derived_from TEXT REFERENCES evidence(id),
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX evidence_audit ON evidence(audit_id, question_id);
CREATE INDEX evidence_sha ON evidence(sha256);
CREATE INDEX evidence_original ON evidence(original_sha256);
-- The same photo sent twice to the same place (a retried upload) is one link, not two.
CREATE UNIQUE INDEX evidence_one_link ON evidence(audit_id, COALESCE(question_id, ''), COALESCE(finding_id, ''),
    original_sha256);

CREATE TRIGGER evidence_insert_open_only BEFORE INSERT ON evidence
WHEN (SELECT status FROM audits WHERE id = NEW.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER evidence_update_open_only BEFORE UPDATE ON evidence
WHEN (SELECT status FROM audits WHERE id = OLD.audit_id) = 'submitted'
  OR (SELECT status FROM audits WHERE id = NEW.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER evidence_delete_open_only BEFORE DELETE ON evidence
WHEN (SELECT status FROM audits WHERE id = OLD.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END
"""


def upgrade(db):
    """Create the evidence table with its immutability triggers."""
    run_script(db, SQL)
