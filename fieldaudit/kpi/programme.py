"""Programme adherence and LPA completion in SQL, over the scheduled audits of the audit programme.

A scheduled audit belongs to the month of its due date (a local date at its site). It is decided once it is done
(its linked audit submitted: done_on, a local date), marked missed, or its window has ended before today at the
site; one still inside its window (or not yet due) is open and left out of the rates. Done on time: done_on on or
before window_end.
"""
from .. import db as dbm
from .capas import today_cte
from .scope import Scope

_COUNTS = (
    " SUM(CASE WHEN s.done_on IS NOT NULL AND s.done_on <= s.window_end THEN 1 ELSE 0 END) AS on_time,"
    " SUM(CASE WHEN s.done_on IS NOT NULL AND s.done_on > s.window_end THEN 1 ELSE 0 END) AS late,"
    " SUM(CASE WHEN s.done_on IS NULL AND s.missed_reason IS NOT NULL THEN 1 ELSE 0 END) AS missed,"
    " SUM(CASE WHEN s.done_on IS NULL AND s.missed_reason IS NULL AND s.window_end < t.day THEN 1 ELSE 0 END)"
    " AS overdue,"
    " SUM(CASE WHEN s.done_on IS NULL AND s.missed_reason IS NULL AND s.window_end >= t.day THEN 1 ELSE 0 END)"
    " AS open, COUNT(*) AS scheduled"
    " FROM today t JOIN scheduled_audits s ON s.site_id = t.site_id WHERE s.due_date >= ? AND s.due_date <= ?")


def _rates(row: dict) -> dict:
    """planned (decided), adherence (on time ÷ planned) and completion (done at all ÷ planned), in %."""
    planned = row["scheduled"] - row["open"]
    done = row["on_time"] + row["late"]
    return row | {"planned": planned, "done": done,
                  "adherence": 100.0 * row["on_time"] / planned if planned else None,
                  "completion": 100.0 * done / planned if planned else None}


def adherence(db, scope: Scope) -> list[dict]:
    """(month, planned, on_time, late, missed, overdue, open, adherence, …) for every month of the period."""
    cte, params = today_cte(scope)
    rows = dbm.query(db, f"WITH {cte} SELECT SUBSTR(s.due_date, 1, 7) AS month," + _COUNTS +
                     " GROUP BY SUBSTR(s.due_date, 1, 7)", [*params, scope.start.isoformat(), scope.end.isoformat()])
    found = {r["month"]: r for r in rows}
    zero = {"on_time": 0, "late": 0, "missed": 0, "overdue": 0, "open": 0, "scheduled": 0}
    return [_rates(found.get(month) or {"month": month, **zero}) for month in scope.months]


def total(rows: list[dict]) -> dict:
    """The period's sums and rates, from `adherence` (or `lpa`) rows."""
    keys = ("on_time", "late", "missed", "overdue", "open", "scheduled")
    return _rates({k: sum(r[k] for r in rows) for k in keys})


def lpa(db, scope: Scope, by: str = "layer") -> list[dict]:
    """LPA completion of the period's layered scheduled audits, per layer (its name at the site) or per person."""
    cte, params = today_cte(scope)
    if by == "layer":
        key, label, join = "s.layer", "COALESCE(l.name, s.layer)", \
            " LEFT JOIN lpa_layers l ON l.site_id = s.site_id AND l.key = s.layer"
    elif by == "person":
        key, label, join = "COALESCE(s.auditor_id, '')", "COALESCE(u.display_name, 'Unassigned')", \
            " LEFT JOIN users u ON u.id = s.auditor_id"
    else:
        raise ValueError("LPA completion is per layer or per person")
    sql = (f"WITH {cte} SELECT {key} AS key, {label} AS label," + _COUNTS.replace(
        " WHERE s.due_date", join + " WHERE s.layer IS NOT NULL AND s.due_date") +
           f" GROUP BY {key}, {label} ORDER BY {label}")
    return [_rates(r) for r in dbm.query(db, sql, [*params, scope.start.isoformat(), scope.end.isoformat()])]
