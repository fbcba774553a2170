"""CAPA: corrective and preventive actions, their actions, the triage of findings, commands and the event history."""
from fieldaudit.db import run_script

SQL = """
ALTER TABLE sites ADD COLUMN capa_auto_major INTEGER NOT NULL DEFAULT 0;

CREATE TABLE capas (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    site_id TEXT NOT NULL REFERENCES sites(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('audit', 'customer_complaint', 'supplier', 'internal', 'other')),
    source_ref TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL CHECK (severity IN ('major', 'minor', 'observation', 'ofi')),
    state TEXT NOT NULL CHECK (state IN ('open', 'containment', 'root_cause', 'action_plan', 'implementation',
                                         'effectiveness_check', 'closed', 'rejected', 'cancelled')),
    state_reason TEXT NOT NULL DEFAULT '',
    owner_id TEXT REFERENCES users(id),
    raised_by TEXT NOT NULL REFERENCES users(id),
    raised_at TEXT NOT NULL,
    raised_on TEXT NOT NULL,
    due_date TEXT,
    containment TEXT NOT NULL DEFAULT '',
    root_cause_category TEXT NOT NULL DEFAULT '',
    root_cause TEXT NOT NULL DEFAULT '',
    whys TEXT NOT NULL DEFAULT '[]',
    effectiveness_due TEXT,
    effectiveness_result TEXT CHECK (effectiveness_result IN ('effective', 'not_effective')),
    effectiveness_notes TEXT NOT NULL DEFAULT '',
    effectiveness_checked_at TEXT,
    effectiveness_checked_by TEXT REFERENCES users(id),
    closed_at TEXT,
    field_stamps TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX capas_site_state ON capas(site_id, state);
CREATE INDEX capas_owner ON capas(owner_id);

CREATE TABLE capa_actions (
    id TEXT PRIMARY KEY,
    capa_id TEXT NOT NULL REFERENCES capas(id),
    kind TEXT NOT NULL CHECK (kind IN ('containment', 'corrective', 'preventive')),
    description TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    due_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    done_at TEXT,
    done_note TEXT NOT NULL DEFAULT '',
    field_stamps TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX capa_actions_capa ON capa_actions(capa_id);
CREATE INDEX capa_actions_owner ON capa_actions(owner_id, status);

-- Every major or minor nonconformity of a submitted audit gets one row here: pending until the quality manager
-- links it to a CAPA or records that none is needed. One row per finding, so a retried submission adds nothing.
CREATE TABLE finding_triage (
    finding_id TEXT PRIMARY KEY REFERENCES findings(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    decision TEXT NOT NULL CHECK (decision IN ('pending', 'capa', 'no_capa')),
    capa_id TEXT REFERENCES capas(id),
    reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT REFERENCES users(id),
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX finding_triage_site ON finding_triage(site_id, decision);
CREATE INDEX finding_triage_capa ON finding_triage(capa_id);

-- State changes arrive as commands with the state they expect; the id makes a retried command harmless.
CREATE TABLE capa_commands (
    id TEXT PRIMARY KEY,
    capa_id TEXT NOT NULL REFERENCES capas(id),
    command TEXT NOT NULL,
    expected_state TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'conflict', 'refused')),
    message TEXT NOT NULL DEFAULT '',
    actor_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    origin TEXT NOT NULL
);

-- The history is the record: append-only.
CREATE TABLE capa_events (
    id TEXT PRIMARY KEY,
    capa_id TEXT NOT NULL REFERENCES capas(id),
    at TEXT NOT NULL,
    actor_id TEXT REFERENCES users(id),
    kind TEXT NOT NULL,
    field TEXT NOT NULL DEFAULT '',
    old_value TEXT,
    new_value TEXT,
    note TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL
);
CREATE INDEX capa_events_capa ON capa_events(capa_id, at);

CREATE TRIGGER capa_events_append_only BEFORE UPDATE ON capa_events
BEGIN SELECT RAISE(ABORT, 'the CAPA history is append-only'); END;

CREATE TRIGGER capa_events_undeletable BEFORE DELETE ON capa_events
BEGIN SELECT RAISE(ABORT, 'the CAPA history is append-only'); END
"""


def upgrade(db):
    """Create the CAPA tables and the site setting for automatic CAPAs on majors."""
    run_script(db, SQL)
