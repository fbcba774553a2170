"""A monthly roll-up of submitted audits and their findings, so a dashboard reads a few hundred rows, not 20,000.

Each site's local months are stored as UTC bounds (`kpi_site_months`, made in Python: SQLite knows no time zones);
triggers add an audit and its findings to the roll-up of its site and local month when it is submitted, whoever
submits it (the screens, or sync applying a device's audit on the hub). Submitted audits and their findings are
read-only (0003's triggers), so a cell is only ever added to and cannot go stale. A site's roll-up is made (and
backfilled) by `kpi.rollup.build_site`; changing a site's time zone drops it, and the next dashboard remakes it.
"""
from fieldaudit.db import run_script

SQL = """
CREATE TABLE kpi_site_months (
    site_id TEXT NOT NULL REFERENCES sites(id),
    month TEXT NOT NULL,           -- YYYY-MM, local at the site
    lo TEXT NOT NULL,              -- the UTC instant the month begins at the site
    hi TEXT NOT NULL,              -- ... and where the next one begins
    PRIMARY KEY (site_id, month)
) WITHOUT ROWID;
CREATE UNIQUE INDEX kpi_site_months_lo ON kpi_site_months(site_id, lo);

-- Audits per site, local month, checklist version and place ('' for none), with their score sums.
CREATE TABLE kpi_audit_months (
    site_id TEXT NOT NULL,
    month TEXT NOT NULL,
    checklist_version_id TEXT NOT NULL,
    area_id TEXT NOT NULL,         -- the audit's own area ('' for none); a workstation's area is joined when read
    workstation_id TEXT NOT NULL,
    audits INTEGER NOT NULL,
    scored INTEGER NOT NULL,
    score_sum REAL NOT NULL,
    score_min REAL,
    score_max REAL,
    PRIMARY KEY (site_id, month, checklist_version_id, area_id, workstation_id)
) WITHOUT ROWID;

-- Findings of submitted audits per site, local month, place, severity and trimmed clause.
CREATE TABLE kpi_finding_months (
    site_id TEXT NOT NULL,
    month TEXT NOT NULL,
    area_id TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    clause TEXT NOT NULL,
    findings INTEGER NOT NULL,
    PRIMARY KEY (site_id, month, area_id, workstation_id, severity, clause)
) WITHOUT ROWID;

CREATE TRIGGER kpi_rollup_audit_inserted AFTER INSERT ON audits WHEN NEW.status = 'submitted'
BEGIN {add} END;

CREATE TRIGGER kpi_rollup_audit_submitted AFTER UPDATE OF status ON audits
WHEN NEW.status = 'submitted' AND OLD.status IS NOT 'submitted'
BEGIN {add} END;

CREATE TRIGGER kpi_rollup_site_timezone AFTER UPDATE OF timezone ON sites WHEN OLD.timezone IS NOT NEW.timezone
BEGIN
    DELETE FROM kpi_site_months WHERE site_id = NEW.id;
    DELETE FROM kpi_audit_months WHERE site_id = NEW.id;
    DELETE FROM kpi_finding_months WHERE site_id = NEW.id;
END;
"""

# The local month of NEW.submitted_at at NEW's site: the month row with the latest start not after it.
_MONTH = ("FROM kpi_site_months m WHERE m.site_id = NEW.site_id AND m.lo = (SELECT MAX(lo) FROM kpi_site_months"
          " WHERE site_id = NEW.site_id AND lo <= NEW.submitted_at) AND m.hi > NEW.submitted_at")

ADD = f"""
    INSERT INTO kpi_audit_months (site_id, month, checklist_version_id, area_id, workstation_id, audits, scored,
        score_sum, score_min, score_max)
    SELECT m.site_id, m.month, NEW.checklist_version_id, COALESCE(NEW.area_id, ''), COALESCE(NEW.workstation_id, ''),
        1, CASE WHEN NEW.score_percent IS NULL THEN 0 ELSE 1 END, COALESCE(NEW.score_percent, 0), NEW.score_percent, NEW.score_percent
    {_MONTH}
    ON CONFLICT (site_id, month, checklist_version_id, area_id, workstation_id) DO UPDATE SET
        audits = kpi_audit_months.audits + 1, scored = kpi_audit_months.scored + excluded.scored,
        score_sum = kpi_audit_months.score_sum + excluded.score_sum,
        score_min = CASE WHEN kpi_audit_months.score_min IS NULL OR excluded.score_min < kpi_audit_months.score_min
                         THEN excluded.score_min ELSE kpi_audit_months.score_min END,
        score_max = CASE WHEN kpi_audit_months.score_max IS NULL OR excluded.score_max > kpi_audit_months.score_max
                         THEN excluded.score_max ELSE kpi_audit_months.score_max END;
    INSERT INTO kpi_finding_months (site_id, month, area_id, workstation_id, severity, clause, findings)
    SELECT m.site_id, m.month, COALESCE(NEW.area_id, ''), COALESCE(NEW.workstation_id, ''), f.severity,
        TRIM(f.clause), COUNT(*)
    {_MONTH.replace("FROM kpi_site_months m", "FROM kpi_site_months m JOIN findings f ON f.audit_id = NEW.id")}
    GROUP BY f.severity, TRIM(f.clause)
    ON CONFLICT (site_id, month, area_id, workstation_id, severity, clause) DO UPDATE SET
        findings = kpi_finding_months.findings + excluded.findings;
"""


def upgrade(db):
    """Create the roll-up with its triggers and build it for every existing site."""
    from fieldaudit.kpi import rollup  # the backfill is the same code the dashboard uses to (re)make a site's

    run_script(db, SQL.replace("{add}", ADD))
    for site in db.conn.execute("SELECT id, timezone FROM sites").fetchall():
        rollup.build_site(db, site[0], site[1])
