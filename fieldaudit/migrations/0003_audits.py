"""Checklists with immutable published versions, audits, answers, findings, signatures and the audit trail."""
from fieldaudit.db import run_script

SQL = """
CREATE TABLE checklists (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    standard TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);

-- The whole definition is kept as canonical JSON: an audit answers exactly the version it started with.
CREATE TABLE checklist_versions (
    id TEXT PRIMARY KEY,
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    definition TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    question_count INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    published_at TEXT,
    published_by TEXT REFERENCES users(id),
    source TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (checklist_id, version)
);

CREATE TRIGGER checklist_versions_published_immutable BEFORE UPDATE ON checklist_versions
WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'published checklist versions are immutable; publish a new version'); END;

CREATE TRIGGER checklist_versions_published_undeletable BEFORE DELETE ON checklist_versions
WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'published checklist versions are immutable; publish a new version'); END;

-- Human numbers per scope (e.g. AUD-PLT1): never keys, only labels.
CREATE TABLE counters (
    scope TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE audits (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    site_id TEXT NOT NULL REFERENCES sites(id),
    area_id TEXT REFERENCES areas(id),
    workstation_id TEXT REFERENCES workstations(id),
    checklist_version_id TEXT NOT NULL REFERENCES checklist_versions(id),
    auditor_id TEXT NOT NULL REFERENCES users(id),
    auditees TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'submitted')),
    current_section TEXT,
    started_at TEXT NOT NULL,
    submitted_at TEXT,
    score_percent REAL,
    answered_count INTEGER NOT NULL DEFAULT 0,
    visible_count INTEGER NOT NULL DEFAULT 0,
    record_hash TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX audits_site_status ON audits(site_id, status, started_at);
CREATE INDEX audits_auditor ON audits(auditor_id, status);
CREATE INDEX audits_workstation ON audits(workstation_id);

CREATE TABLE answers (
    id TEXT PRIMARY KEY,
    audit_id TEXT NOT NULL REFERENCES audits(id),
    question_id TEXT NOT NULL,
    value TEXT,
    note TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL REFERENCES users(id),
    answered_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (audit_id, question_id)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    audit_id TEXT NOT NULL REFERENCES audits(id),
    number INTEGER NOT NULL,
    question_id TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('major', 'minor', 'observation', 'ofi')),
    clause TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    requirement TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (audit_id, number)
);

-- An e-signature: printed name, time and meaning, bound to the record by its hash (21 CFR 11.50/11.70).
CREATE TABLE signatures (
    id TEXT PRIMARY KEY,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    printed_name TEXT NOT NULL,
    meaning TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    record_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX signatures_record ON signatures(record_type, record_id);

-- Append-only and hash-chained per writer (each device and the hub keeps its own chain).
CREATE TABLE audit_trail (
    id TEXT PRIMARY KEY,
    writer TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (writer, seq)
);
CREATE INDEX audit_trail_record ON audit_trail(record_type, record_id);

-- Immutability lives in the database: even a raw SQL UPDATE or DELETE on a submitted record is refused.
CREATE TRIGGER audits_submitted_immutable BEFORE UPDATE ON audits
WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER audits_submitted_undeletable BEFORE DELETE ON audits
WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER answers_insert_open_only BEFORE INSERT ON answers
WHEN (SELECT status FROM audits WHERE id = NEW.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER answers_update_open_only BEFORE UPDATE ON answers
WHEN (SELECT status FROM audits WHERE id = OLD.audit_id) = 'submitted'
  OR (SELECT status FROM audits WHERE id = NEW.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER answers_delete_open_only BEFORE DELETE ON answers
WHEN (SELECT status FROM audits WHERE id = OLD.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER findings_insert_open_only BEFORE INSERT ON findings
WHEN (SELECT status FROM audits WHERE id = NEW.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER findings_update_open_only BEFORE UPDATE ON findings
WHEN (SELECT status FROM audits WHERE id = OLD.audit_id) = 'submitted'
  OR (SELECT status FROM audits WHERE id = NEW.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER findings_delete_open_only BEFORE DELETE ON findings
WHEN (SELECT status FROM audits WHERE id = OLD.audit_id) = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted audits are read-only'); END;

CREATE TRIGGER signatures_immutable BEFORE UPDATE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are immutable'); END;

CREATE TRIGGER signatures_undeletable BEFORE DELETE ON signatures
BEGIN SELECT RAISE(ABORT, 'signatures are immutable'); END;

CREATE TRIGGER audit_trail_append_only BEFORE UPDATE ON audit_trail
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

CREATE TRIGGER audit_trail_undeletable BEFORE DELETE ON audit_trail
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
"""


def upgrade(db):
    """Create the checklist, audit and trail tables with their immutability triggers."""
    run_script(db, SQL)
