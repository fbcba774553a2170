"""KPI tests build their records with direct inserts at chosen instants, so every figure can be worked out by hand."""
from fieldaudit import db as dbm
from fieldaudit import ids

ORIGIN = "test"


def add_audit(db, site, version, auditor, submitted_at, score=None, *, workstation=None, area=None,
              findings=(), status="submitted"):
    """An audit with its findings ((severity, clause) pairs), submitted at `submitted_at` (UTC) unless in progress."""
    audit_id = ids.new_id()
    started = submitted_at
    number = f"AUD-{site['code']}-{audit_id[-6:]}"
    area_id = area["id"] if area else (workstation or {}).get("area_id")
    dbm.execute(db, "INSERT INTO audits (id, number, site_id, area_id, workstation_id, checklist_version_id,"
                    " auditor_id, status, started_at, created_at, updated_at, origin)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?)",
                (audit_id, number, site["id"], area_id, workstation["id"] if workstation else None, version["id"],
                 auditor["id"], started, started, started, ORIGIN))
    for n, (severity, clause) in enumerate(findings, 1):
        dbm.execute(db, "INSERT INTO findings (id, audit_id, number, severity, clause, description, created_by,"
                        " created_at, updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ids.new_id(), audit_id, n, severity, clause, f"{severity} {clause}", auditor["id"], started,
                     started, ORIGIN))
    if status == "submitted":
        dbm.execute(db, "UPDATE audits SET status = 'submitted', submitted_at = ?, score_percent = ? WHERE id = ?",
                    (submitted_at, score, audit_id))
    return dbm.query_one(db, "SELECT * FROM audits WHERE id = ?", (audit_id,))


def add_capa(db, site, by, severity, state, raised_on, *, raised_at=None, due=None, closed_at=None):
    """A CAPA row as the workflow leaves it (state, dates), without walking the workflow."""
    capa_id = ids.new_id()
    raised_at = raised_at or f"{raised_on}T10:00:00.000Z"
    dbm.execute(db, "INSERT INTO capas (id, number, site_id, title, source, severity, state, raised_by, raised_at,"
                    " raised_on, due_date, closed_at, created_at, updated_at, origin)"
                    " VALUES (?, ?, ?, ?, 'internal', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (capa_id, f"CAPA-{capa_id[-8:]}", site["id"], f"{severity} {state}", severity, state, by["id"],
                 raised_at, raised_on, due, closed_at, raised_at, raised_at, ORIGIN))
    return dbm.query_one(db, "SELECT * FROM capas WHERE id = ?", (capa_id,))


def add_move(db, capa, old, new, at):
    """A state transition in the CAPA's history at instant `at`."""
    dbm.execute(db, "INSERT INTO capa_events (id, capa_id, at, kind, field, old_value, new_value, origin)"
                    " VALUES (?, ?, ?, 'transition', 'state', ?, ?, ?)", (ids.new_id(), capa["id"], at, old, new,
                                                                         ORIGIN))


def plan(db, site, checklist_version, layer=None):
    plan_id = ids.new_id()
    dbm.execute(db, "INSERT INTO audit_plans (id, site_id, checklist_id, frequency, layer, starts_on, created_at,"
                    " updated_at, origin) VALUES (?, ?, ?, 'weekly', ?, '2025-01-01', 'x', 'x', 'test')",
                (plan_id, site["id"], checklist_version["checklist_id"], layer))
    return plan_id


def scheduled(db, plan_id, site, checklist_version, due, window_end, *, done_on=None, missed=None, layer=None,
              auditor=None):
    dbm.execute(db, "INSERT INTO scheduled_audits (id, plan_id, site_id, checklist_id, auditor_id, layer, frequency,"
                    " due_date, window_end, done_on, missed_reason, created_at, updated_at, origin)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'weekly', ?, ?, ?, ?, 'x', 'x', 'test')",
                (ids.new_id(), plan_id, site["id"], checklist_version["checklist_id"],
                 auditor["id"] if auditor else None, layer, due, window_end, done_on, missed))
