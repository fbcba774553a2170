"""Each repeat-finding hit knows its previous hit (same clause, same place), so repeats are an indexed range read.

`kpi_nc_hits` (0024) gets the previous hit's instant, audit and number, and `gap`: the fewest calendar months
(counted as the repeat window counts them, UTC, the day clamped to the month's end) that reach back to the previous
hit; a hit is a repeat within N months when `gap <= N`. A trigger on the hits keeps both the new hit's link and its
successor's: an audit arriving late by sync slots in between two hits already there.
"""
from fieldaudit.db import run_script

_KEY = ("site_id = NEW.site_id AND workstation_id = NEW.workstation_id AND area_id = NEW.area_id"
        " AND clause = NEW.clause")


def _month_index(column: str) -> str:
    return f"(CAST(substr({column}, 1, 4) AS INTEGER) * 12 + CAST(substr({column}, 6, 2) AS INTEGER))"


def _months_before(column: str, months: str) -> str:
    """The instant `months` (an SQL integer) calendar months before `column`, the day clamped to the month's end:
    the repeat window's own rule (kpi.findings), with a count computed per row."""
    minus = f"'-' || ({months}) || ' months'"
    shifted = f"strftime('%Y-%m-%dT%H:%M:%fZ', {column}, {minus})"
    clamped = (f"strftime('%Y-%m-%d', {column}, 'start of month', {minus}, '+1 month', '-1 day')"
               f" || strftime('T%H:%M:%fZ', {column})")
    return (f"(CASE WHEN strftime('%d', {column}, {minus}) = strftime('%d', {column}) THEN {shifted}"
            f" ELSE {clamped} END)")


def gap_sql(at: str, previous: str) -> str:
    """The window (months) a hit at `at` needs to reach `previous`: the months between them, or one more where the
    day and time of `at` are later in the month than those of `previous`."""
    months = f"({_month_index(at)} - {_month_index(previous)})"
    return (f"(CASE WHEN {previous} IS NULL THEN NULL WHEN {previous} >= {_months_before(at, months)}"
            f" THEN {months} ELSE {months} + 1 END)")



def _previous(h: str) -> str:
    """The hit before row `h` (a table name, or NEW) at its place and clause, as (instant, audit, number)."""
    return (f"(SELECT p.submitted_at, p.audit_id, p.number FROM kpi_nc_hits p WHERE p.site_id = {h}.site_id"
            f" AND p.workstation_id = {h}.workstation_id AND p.area_id = {h}.area_id AND p.clause = {h}.clause"
            f" AND (p.submitted_at < {h}.submitted_at OR (p.submitted_at = {h}.submitted_at"
            f" AND p.audit_id < {h}.audit_id)) ORDER BY p.submitted_at DESC, p.audit_id DESC LIMIT 1)")


SQL = f"""
ALTER TABLE kpi_nc_hits ADD COLUMN previous_at TEXT;
ALTER TABLE kpi_nc_hits ADD COLUMN previous_id TEXT;
ALTER TABLE kpi_nc_hits ADD COLUMN previous_number TEXT;
ALTER TABLE kpi_nc_hits ADD COLUMN gap INTEGER;

-- The period's hits of a site with their window and count, without a table lookup (per-month repeat counts).
CREATE INDEX kpi_nc_hits_repeats ON kpi_nc_hits(site_id, submitted_at, gap, findings);

UPDATE kpi_nc_hits SET (previous_at, previous_id, previous_number) = {_previous("kpi_nc_hits")};
UPDATE kpi_nc_hits SET gap = {gap_sql("submitted_at", "previous_at")};

-- The hit after NEW (the one whose previous is before NEW: every later one's is at or after that one) now follows
-- NEW; then NEW gets its own previous.
CREATE TRIGGER kpi_nc_hits_link AFTER INSERT ON kpi_nc_hits
BEGIN
    UPDATE kpi_nc_hits SET previous_at = NEW.submitted_at, previous_id = NEW.audit_id,
        previous_number = NEW.number, gap = {gap_sql("kpi_nc_hits.submitted_at", "NEW.submitted_at")}
    WHERE {_KEY}
    AND (submitted_at > NEW.submitted_at OR (submitted_at = NEW.submitted_at AND audit_id > NEW.audit_id))
    AND (previous_at IS NULL OR previous_at < NEW.submitted_at
         OR (previous_at = NEW.submitted_at AND previous_id < NEW.audit_id));
    UPDATE kpi_nc_hits SET (previous_at, previous_id, previous_number) = {_previous("NEW")}
    WHERE {_KEY} AND submitted_at = NEW.submitted_at AND audit_id = NEW.audit_id;
    UPDATE kpi_nc_hits SET gap = {gap_sql("submitted_at", "previous_at")}
    WHERE {_KEY} AND submitted_at = NEW.submitted_at AND audit_id = NEW.audit_id;
END;
"""


def upgrade(db):
    """Link every hit to its previous one and keep the links by trigger."""
    run_script(db, SQL)
