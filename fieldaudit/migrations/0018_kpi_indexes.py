"""Indexes for the KPI dashboards: audits and CAPAs by the instants the figures count them at.

Measured with bench/bench_kpi.py (docs/PERFORMANCE.md, "KPI dashboards"): every KPI query joins its rows to the
site's month bounds by an instant, so each needs an index that starts with the site and that instant. The
indexes also carry the columns the figures read (covering): three years of a busy site are larger than SQLite's
page cache, and a table lookup per audit cost more than the rest of the query.
"""
from fieldaudit.db import run_script

SQL = """
-- Scores, findings and repeats: submitted audits of a site by submission instant, with what they are grouped by.
CREATE INDEX audits_site_submitted ON audits(site_id, status, submitted_at, score_percent, checklist_version_id,
    workstation_id, area_id);

-- Findings of an audit by severity and clause, without reading the finding's text.
CREATE INDEX findings_audit_severity ON findings(audit_id, severity, clause);

-- Median days to close: CAPAs of a site closed in a month.
CREATE INDEX capas_site_closed ON capas(site_id, state, closed_at, raised_at, severity);

-- Effectiveness pass rate: transitions out of the effectiveness check by instant, whatever the CAPA.
CREATE INDEX capa_events_from_state ON capa_events(field, old_value, at);
"""


def upgrade(db):
    """Create the KPI indexes."""
    run_script(db, SQL)
