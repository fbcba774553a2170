"""Checklist drafts edited in the builder: one per checklist, a revision counter and who edited it last."""
from fieldaudit.db import run_script

SQL = """
-- Every save raises the revision; a save that names an older one is a conflict, never a silent overwrite.
ALTER TABLE checklist_versions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checklist_versions ADD COLUMN edited_by TEXT REFERENCES users(id);
ALTER TABLE checklist_versions ADD COLUMN edited_at TEXT;

-- A checklist has at most one draft: two managers work on the same one, never on two that race to publish.
CREATE UNIQUE INDEX checklist_versions_one_draft ON checklist_versions(checklist_id) WHERE status = 'draft';

-- A draft is never turned back from published, nor created as published behind the builder's back by an update.
CREATE TRIGGER checklist_versions_draft_numbered BEFORE UPDATE OF status ON checklist_versions
WHEN NEW.status = 'published' AND NEW.version < 1
BEGIN SELECT RAISE(ABORT, 'a published checklist version needs a version number of 1 or more'); END
"""


def upgrade(db):
    """Add the draft columns, the one-draft-per-checklist index and the numbering check."""
    run_script(db, SQL)
