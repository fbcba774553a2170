"""Controlled documents: documents, their versions through review and approval, where they apply, read receipts."""
from fieldaudit.db import run_script

SQL = """
-- Calendar dates (next_review_date, effective_date) are local dates of the document's sites, as YYYY-MM-DD.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('procedure', 'work_instruction', 'form')),
    owner_id TEXT REFERENCES users(id),
    review_months INTEGER NOT NULL DEFAULT 12 CHECK (review_months BETWEEN 1 AND 60),
    next_review_date TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);

CREATE TABLE document_sites (
    document_id TEXT NOT NULL REFERENCES documents(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    PRIMARY KEY (document_id, site_id)
);
CREATE INDEX document_sites_site ON document_sites(site_id);

CREATE TABLE document_workstations (
    document_id TEXT NOT NULL REFERENCES documents(id),
    workstation_id TEXT NOT NULL REFERENCES workstations(id),
    PRIMARY KEY (document_id, workstation_id)
);
CREATE INDEX document_workstations_ws ON document_workstations(workstation_id);

-- The content of a version is attachment + body; content_hash binds the approval signature to exactly that.
CREATE TABLE document_versions (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'approved', 'effective', 'superseded', 'obsolete')),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    change_summary TEXT NOT NULL DEFAULT '',
    attachment_sha256 TEXT,
    attachment_mime TEXT,
    attachment_bytes INTEGER,
    content_hash TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    effective_date TEXT,
    submitted_at TEXT,
    approved_by TEXT REFERENCES users(id),
    approved_at TEXT,
    effective_at TEXT,
    ended_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (document_id, version)
);

-- Exactly one effective version per document, and one version at a time on its way there.
CREATE UNIQUE INDEX document_versions_one_effective ON document_versions(document_id) WHERE status = 'effective';
CREATE UNIQUE INDEX document_versions_one_pending ON document_versions(document_id)
    WHERE status IN ('draft', 'in_review', 'approved');

-- Read and understood: who confirmed which version when. A receipt is a record: never changed, never removed.
CREATE TABLE document_acks (
    id TEXT PRIMARY KEY,
    version_id TEXT NOT NULL REFERENCES document_versions(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    acked_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (version_id, user_id)
);
CREATE INDEX document_acks_user ON document_acks(user_id);

-- Only a draft's content may change; the rules live in the database so no code path can bypass them.
CREATE TRIGGER document_versions_content_frozen BEFORE UPDATE ON document_versions
WHEN OLD.status <> 'draft' AND (NEW.title IS NOT OLD.title OR NEW.body IS NOT OLD.body
  OR NEW.change_summary IS NOT OLD.change_summary OR NEW.attachment_sha256 IS NOT OLD.attachment_sha256
  OR NEW.attachment_mime IS NOT OLD.attachment_mime OR NEW.content_hash IS NOT OLD.content_hash
  OR NEW.author_id IS NOT OLD.author_id OR NEW.document_id IS NOT OLD.document_id OR NEW.version IS NOT OLD.version)
BEGIN SELECT RAISE(ABORT, 'only a draft document version can be edited; start a new version'); END;

CREATE TRIGGER document_versions_approval_frozen BEFORE UPDATE ON document_versions
WHEN OLD.status IN ('approved', 'effective', 'superseded', 'obsolete') AND (NEW.effective_date IS NOT OLD.effective_date
  OR NEW.approved_by IS NOT OLD.approved_by OR NEW.approved_at IS NOT OLD.approved_at)
BEGIN SELECT RAISE(ABORT, 'an approval cannot be changed; start a new version'); END;

CREATE TRIGGER document_versions_legal_status BEFORE UPDATE OF status ON document_versions
WHEN NEW.status <> OLD.status AND NOT (
     (OLD.status = 'draft' AND NEW.status IN ('in_review', 'obsolete'))
  OR (OLD.status = 'in_review' AND NEW.status IN ('draft', 'approved', 'obsolete'))
  OR (OLD.status = 'approved' AND NEW.status IN ('effective', 'obsolete'))
  OR (OLD.status = 'effective' AND NEW.status IN ('superseded', 'obsolete')))
BEGIN SELECT RAISE(ABORT, 'illegal document version state change'); END;

CREATE TRIGGER document_versions_no_self_approval BEFORE UPDATE ON document_versions
WHEN NEW.status = 'approved' AND OLD.status = 'in_review'
  AND (NEW.approved_by IS NULL OR NEW.approved_by = NEW.author_id)
BEGIN SELECT RAISE(ABORT, 'a document version cannot be approved by its author'); END;

CREATE TRIGGER document_versions_undeletable BEFORE DELETE ON document_versions
WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'document versions past draft are kept for the record'); END;

CREATE TRIGGER document_acks_immutable BEFORE UPDATE ON document_acks
BEGIN SELECT RAISE(ABORT, 'read receipts are immutable'); END;

CREATE TRIGGER document_acks_undeletable BEFORE DELETE ON document_acks
BEGIN SELECT RAISE(ABORT, 'read receipts are immutable'); END
"""


def upgrade(db):
    """Create the document tables, the single-effective-version index and the immutability triggers."""
    run_script(db, SQL)
