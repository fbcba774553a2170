"""A monthly roll-up of submitted audits and their findings, so a dashboard reads a few hundred rows, not 20,000.

Each site's local months are stored as UTC bounds (`kpi_site_months`, made in Python: SQLite knows no time zones);
triggers add an audit and its findings to the roll-up of its site and local month when it is submitted, whoever
submits it (the screens, or sync applying a device's audit on the hub). Submitted audits and their findings are
read-only (0003's triggers), so a cell is only ever added to and cannot go stale. A site's roll-up is made (and
backfilled) by `kpi.rollup.build_site`; changing a site's time zone drops it, and the next dashboard remakes it.
`kpi_nc_hits` (for repeat findings) needs no local calendar and is complete from this migration on.
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

-- Submitted audits per site, local month and checklist version, with their score sums (scores by month, checklist
-- and site).
CREATE TABLE kpi_audit_months (
    site_id TEXT NOT NULL,
    month TEXT NOT NULL,
    checklist_version_id TEXT NOT NULL,
    audits INTEGER NOT NULL,
    scored INTEGER NOT NULL,
    score_sum REAL NOT NULL,
    score_min REAL,
    score_max REAL,
    PRIMARY KEY (site_id, month, checklist_version_id)
) WITHOUT ROWID;

-- The same per place: the audit's own area and workstation ('' for none); a workstation's area is joined when
-- read, as the figures over the audits do.
CREATE TABLE kpi_audit_places (
    site_id TEXT NOT NULL,
    month TEXT NOT NULL,
    area_id TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    audits INTEGER NOT NULL,
    scored INTEGER NOT NULL,
    score_sum REAL NOT NULL,
    score_min REAL,
    score_max REAL,
    PRIMARY KEY (site_id, month, area_id, workstation_id)
) WITHOUT ROWID;

-- Findings of submitted audits per site, local month, severity and trimmed clause.
CREATE TABLE kpi_finding_months (
    site_id TEXT NOT NULL,
    month TEXT NOT NULL,
    severity TEXT NOT NULL,
    clause TEXT NOT NULL,
    findings INTEGER NOT NULL,
    PRIMARY KEY (site_id, month, severity, clause)
) WITHOUT ROWID;

-- ... and per place and severity.
CREATE TABLE kpi_finding_places (
    site_id TEXT NOT NULL,
    month TEXT NOT NULL,
    area_id TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    findings INTEGER NOT NULL,
    PRIMARY KEY (site_id, month, area_id, workstation_id, severity)
) WITHOUT ROWID;

-- Nonconformities citing a clause, one row per submitted audit and clause, in the order repeat findings are looked
-- for (same clause at the same place, by instant): no time zone involved, so every audit is here from the start.
CREATE TABLE kpi_nc_hits (
    site_id TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    area_id TEXT NOT NULL,
    clause TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    audit_id TEXT NOT NULL,
    number TEXT NOT NULL,          -- the audit's number, shown beside each repeat
    findings INTEGER NOT NULL,
    PRIMARY KEY (site_id, workstation_id, area_id, clause, submitted_at, audit_id)
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
    DELETE FROM kpi_audit_places WHERE site_id = NEW.id;
    DELETE FROM kpi_finding_months WHERE site_id = NEW.id;
    DELETE FROM kpi_finding_places WHERE site_id = NEW.id;
END;
"""

# The local month of NEW.submitted_at at NEW's site: the month row with the latest start not after it.
_MONTH = ("FROM kpi_site_months m WHERE m.site_id = NEW.site_id AND m.lo = (SELECT MAX(lo) FROM kpi_site_months"
          " WHERE site_id = NEW.site_id AND lo <= NEW.submitted_at) AND m.hi > NEW.submitted_at")

# Written to run unchanged on PostgreSQL too (a hub's store): no boolean as a number, no two-argument MIN/MAX,
# and the existing row named by its table (an unqualified column is ambiguous there beside `excluded`).
_SCORE = ("1, CASE WHEN NEW.score_percent IS NULL THEN 0 ELSE 1 END, COALESCE(NEW.score_percent, 0),"
          " NEW.score_percent, NEW.score_percent")


def _score_sums(t: str) -> str:
    return (f"audits = {t}.audits + 1, scored = {t}.scored + excluded.scored,"
            f" score_sum = {t}.score_sum + excluded.score_sum,"
            f" score_min = CASE WHEN {t}.score_min IS NULL OR excluded.score_min < {t}.score_min"
            f" THEN excluded.score_min ELSE {t}.score_min END,"
            f" score_max = CASE WHEN {t}.score_max IS NULL OR excluded.score_max > {t}.score_max"
            f" THEN excluded.score_max ELSE {t}.score_max END")


_PLACE = "COALESCE(NEW.area_id, ''), COALESCE(NEW.workstation_id, '')"
_FINDINGS = _MONTH.replace("FROM kpi_site_months m", "FROM kpi_site_months m JOIN findings f ON f.audit_id = NEW.id")

ADD = f"""
    INSERT INTO kpi_audit_months (site_id, month, checklist_version_id, audits, scored, score_sum, score_min,
        score_max)
    SELECT m.site_id, m.month, NEW.checklist_version_id, {_SCORE} {_MONTH}
    ON CONFLICT (site_id, month, checklist_version_id) DO UPDATE SET {_score_sums('kpi_audit_months')};
    INSERT INTO kpi_audit_places (site_id, month, area_id, workstation_id, audits, scored, score_sum, score_min,
        score_max)
    SELECT m.site_id, m.month, {_PLACE}, {_SCORE} {_MONTH}
    ON CONFLICT (site_id, month, area_id, workstation_id) DO UPDATE SET {_score_sums('kpi_audit_places')};
    INSERT INTO kpi_finding_months (site_id, month, severity, clause, findings)
    SELECT m.site_id, m.month, f.severity, TRIM(f.clause), COUNT(*) {_FINDINGS}
    GROUP BY m.site_id, m.month, f.severity, TRIM(f.clause)
    ON CONFLICT (site_id, month, severity, clause) DO UPDATE SET
        findings = kpi_finding_months.findings + excluded.findings;
    INSERT INTO kpi_finding_places (site_id, month, area_id, workstation_id, severity, findings)
    SELECT m.site_id, m.month, {_PLACE}, f.severity, COUNT(*) {_FINDINGS}
    GROUP BY m.site_id, m.month, f.severity
    ON CONFLICT (site_id, month, area_id, workstation_id, severity) DO UPDATE SET
        findings = kpi_finding_places.findings + excluded.findings;
    INSERT OR IGNORE INTO kpi_nc_hits (site_id, workstation_id, area_id, clause, submitted_at, audit_id, number,
        findings)
    SELECT NEW.site_id, COALESCE(NEW.workstation_id, ''), COALESCE(NEW.area_id, ''), TRIM(f.clause),
        NEW.submitted_at, NEW.id, NEW.number, COUNT(*)
    FROM findings f WHERE f.audit_id = NEW.id AND f.severity IN ('major', 'minor') AND TRIM(f.clause) <> ''
    GROUP BY TRIM(f.clause);
"""

HITS = """
INSERT INTO kpi_nc_hits (site_id, workstation_id, area_id, clause, submitted_at, audit_id, number, findings)
SELECT a.site_id, COALESCE(a.workstation_id, ''), COALESCE(a.area_id, ''), TRIM(f.clause), a.submitted_at, a.id,
    a.number, COUNT(*)
FROM audits a JOIN findings f ON f.audit_id = a.id
WHERE a.status = 'submitted' AND f.severity IN ('major', 'minor') AND TRIM(f.clause) <> ''
GROUP BY a.id, TRIM(f.clause);
"""


def upgrade(db):
    """Create the roll-up with its triggers and build it for every existing site."""
    from fieldaudit.kpi import rollup  # the backfill is the same code the dashboard uses to (re)make a site's

    run_script(db, SQL.replace("{add}", ADD))
    run_script(db, HITS)
    for site in db.conn.execute("SELECT id, timezone FROM sites").fetchall():
        rollup.build_site(db, site[0], site[1])
