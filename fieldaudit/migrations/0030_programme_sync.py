"""The audit programme syncs (docs/PROGRAMME.md, "On a hub"): scheduled_audits loses its foreign key on audit_id
(a scheduled audit done on device A reaches device B, which never holds A's audit: audits only flow up), then the
six programme tables get their logging triggers and their existing rows enter the log once."""
from fieldaudit.db import run_script
from fieldaudit.sync import outbox, snapshot

PROGRAMME = ("audit_plans", "home_areas", "lpa_layers", "lpa_pools", "qualifications", "scheduled_audits")
COLUMNS = ("id, plan_id, site_id, checklist_id, area_id, workstation_id, auditor_id, layer, frequency, due_date,"
           " window_end, audit_id, done_on, missed_reason, missed_by, created_at, updated_at, origin")

# As 0016 made it, but audit_id is a plain column: the audit it names may be on another replica.
SQL = f"""
CREATE TABLE scheduled_audits_new (
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
    audit_id TEXT,
    done_on TEXT,
    missed_reason TEXT,
    missed_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (plan_id, due_date)
);
INSERT INTO scheduled_audits_new ({COLUMNS}) SELECT {COLUMNS} FROM scheduled_audits;
DROP TABLE scheduled_audits;
ALTER TABLE scheduled_audits_new RENAME TO scheduled_audits;
CREATE UNIQUE INDEX scheduled_audits_audit ON scheduled_audits(audit_id) WHERE audit_id IS NOT NULL;
CREATE INDEX scheduled_audits_site_due ON scheduled_audits(site_id, due_date);
CREATE INDEX scheduled_audits_auditor_due ON scheduled_audits(auditor_id, due_date);
CREATE INDEX scheduled_audits_workstation ON scheduled_audits(workstation_id, due_date);
"""


def upgrade(db):
    """Rebuild scheduled_audits without the audit foreign key (rows kept), install triggers, snapshot the rows."""
    run_script(db, SQL)
    for name in PROGRAMME:
        outbox.install_triggers(db, name)
    snapshot.take(db, only=PROGRAMME)
