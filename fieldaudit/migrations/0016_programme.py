"""The audit programme: plans, scheduled audits, home areas, auditor qualifications and LPA layers and pools."""
from fieldaudit.db import run_script

SQL = """
-- A plan: which checklist, where, by whom, how often. `rule` (JSON) says which days the frequency means
-- (docs/PROGRAMME.md); `risk` (JSON) the quality manager's rule that steps the frequency up or down.
CREATE TABLE audit_plans (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    area_id TEXT REFERENCES areas(id),
    workstation_id TEXT REFERENCES workstations(id),
    auditor_id TEXT REFERENCES users(id),
    pool TEXT NOT NULL DEFAULT '[]',
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly', 'quarterly', 'semiannual',
                                                 'annual')),
    rule TEXT NOT NULL DEFAULT '{}',
    window_days INTEGER NOT NULL DEFAULT 0 CHECK (window_days >= 0),
    layer TEXT,
    requires_qualification INTEGER NOT NULL DEFAULT 0,
    risk TEXT NOT NULL DEFAULT '{}',
    starts_on TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX audit_plans_site ON audit_plans(site_id, active);

-- One occurrence of a plan. due_date and window_end are site-local dates (YYYY-MM-DD); done_on is the local date
-- the linked audit was submitted (done on time: done_on <= window_end). frequency is the one in force (risk).
CREATE TABLE scheduled_audits (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES audit_plans(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    area_id TEXT REFERENCES areas(id),
    workstation_id TEXT REFERENCES workstations(id),
    auditor_id TEXT REFERENCES users(id),
    layer TEXT,
    frequency TEXT NOT NULL,
    due_date TEXT NOT NULL,
    window_end TEXT NOT NULL,
    audit_id TEXT REFERENCES audits(id),
    done_on TEXT,
    missed_reason TEXT,
    missed_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (plan_id, due_date)
);
CREATE UNIQUE INDEX scheduled_audits_audit ON scheduled_audits(audit_id) WHERE audit_id IS NOT NULL;
CREATE INDEX scheduled_audits_site_due ON scheduled_audits(site_id, due_date);
CREATE INDEX scheduled_audits_auditor_due ON scheduled_audits(auditor_id, due_date);
CREATE INDEX scheduled_audits_workstation ON scheduled_audits(workstation_id, due_date);

-- A person's own area per site (ISO 19011 impartiality: nobody is scheduled to audit it).
CREATE TABLE home_areas (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    area_id TEXT NOT NULL REFERENCES areas(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (user_id, site_id)
);

-- A training record: for one checklist, or for a standard (checklists.standard); expires_on NULL never expires.
CREATE TABLE qualifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    checklist_id TEXT REFERENCES checklists(id),
    standard TEXT,
    trained_on TEXT NOT NULL,
    expires_on TEXT,
    evidence TEXT NOT NULL DEFAULT '',
    recorded_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    CHECK ((checklist_id IS NULL) <> (standard IS NULL))
);
CREATE INDEX qualifications_user ON qualifications(user_id);

-- LPA layers per site: who audits how often (team leader daily, supervisor weekly, plant manager monthly).
CREATE TABLE lpa_layers (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    frequency TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (site_id, key)
);

-- An LPA checklist's question pool: each audit draws draw_count questions, always the must_ask ones (JSON list of
-- question ids), plus those that failed at the station within recheck_days.
CREATE TABLE lpa_pools (
    checklist_id TEXT PRIMARY KEY REFERENCES checklists(id),
    draw_count INTEGER NOT NULL CHECK (draw_count > 0),
    must_ask TEXT NOT NULL DEFAULT '[]',
    recheck_days INTEGER NOT NULL DEFAULT 30,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
)
"""


def upgrade(db):
    """Create the programme tables."""
    run_script(db, SQL)
