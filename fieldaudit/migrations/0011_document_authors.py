"""Everyone who wrote or changed a document version: none of them may approve it (four eyes)."""
from fieldaudit.db import run_script

SQL = """
-- A draft's authors: who started it and everyone who changed its content since; the approver must be none of them.
CREATE TABLE document_version_authors (
    version_id TEXT NOT NULL REFERENCES document_versions(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    first_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (version_id, user_id)
);
CREATE INDEX document_version_authors_user ON document_version_authors(user_id);

INSERT INTO document_version_authors (version_id, user_id, first_at, origin)
    SELECT id, author_id, created_at, origin FROM document_versions;

-- Only a draft gains authors, and the list is kept as it is once the draft moves on.
CREATE TRIGGER document_version_authors_draft_only BEFORE INSERT ON document_version_authors
WHEN (SELECT status FROM document_versions WHERE id = NEW.version_id) IS NOT 'draft'
BEGIN SELECT RAISE(ABORT, 'only a draft document version gains authors'); END;

CREATE TRIGGER document_version_authors_immutable BEFORE UPDATE ON document_version_authors
BEGIN SELECT RAISE(ABORT, 'the authors of a document version are kept for the record'); END;

CREATE TRIGGER document_version_authors_kept BEFORE DELETE ON document_version_authors
WHEN (SELECT status FROM document_versions WHERE id = OLD.version_id) IS NOT 'draft'
BEGIN SELECT RAISE(ABORT, 'the authors of a document version are kept for the record'); END;

CREATE TRIGGER document_versions_no_approval_by_an_author BEFORE UPDATE ON document_versions
WHEN NEW.status = 'approved' AND OLD.status = 'in_review' AND EXISTS (
  SELECT 1 FROM document_version_authors WHERE version_id = NEW.id AND user_id = NEW.approved_by)
BEGIN SELECT RAISE(ABORT, 'a document version cannot be approved by one of its authors'); END
"""


def upgrade(db):
    """Create the authors table, fill it with each version's author and forbid approval by any author."""
    run_script(db, SQL)
