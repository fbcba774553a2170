"""What a dashboard covers: some sites and a period of calendar dates at each site, cut into local months.

Instants are stored in UTC and SQLite cannot change time zones, so the local calendar is brought to the SQL as
data: for every site and month of the period, the UTC instants where that month starts and ends at the site
(`bounds`). A query joins its rows to those bounds (`instant >= lo AND instant < hi`), which keeps the index on
the instant usable and gives each site its own calendar on a dashboard across sites.
"""
from __future__ import annotations

import bisect

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .. import ids

DEFAULT_MONTHS = 12


def month_start(day: date) -> date:
    """The first day of the month of `day`."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> list[str]:
    """Every month (YYYY-MM) from the month of `start` to the month of `end`, both included."""
    out, cursor = [], month_start(start)
    while cursor <= end:
        out.append(cursor.strftime("%Y-%m"))
        cursor = add_months(cursor, 1)
    return out


def local_today(tz: str) -> date:
    """Today's calendar date at a site."""
    return ids.utc_now().astimezone(ZoneInfo(tz)).date()


def utc_of(day: date, tz: str) -> str:
    """The UTC instant (as stored) where the local calendar date `day` begins at a site."""
    return ids.iso(datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)))


def default_period(tz: str, months: int = DEFAULT_MONTHS) -> tuple[date, date]:
    """The last `months` local months, the current one included (up to today)."""
    today = local_today(tz)
    return add_months(today, -(months - 1)), today


@dataclass(frozen=True)
class Scope:
    """Sites (rows with id, code, name, timezone) and a period start..end of local dates, both included."""

    sites: tuple
    start: date
    end: date
    today: dict = field(default_factory=dict)  # site id -> local date "today" (defaults to the site's clock)
    rollup: bool = True  # read whole months from the monthly roll-up (0024); False: from the audits only

    @property
    def site_ids(self) -> list[str]:
        return [s["id"] for s in self.sites]

    @property
    def months(self) -> list[str]:
        return months_between(self.start, self.end)

    def today_at(self, site: dict) -> date:
        """'Today' at a site: the one used for overdue and ageing."""
        return self.today.get(site["id"]) or local_today(site["timezone"])

    def bounds(self) -> list[tuple[str, str, str, str]]:
        """(site id, month, lo, hi) for every site and month: the UTC instants of the month's part of the period
        (worked out once per scope: every query of a dashboard uses them)."""
        if "_bounds" in self.__dict__:
            return self.__dict__["_bounds"]
        rows = []
        for site in self.sites:
            tz = site["timezone"]
            for month in self.months:
                first = date.fromisoformat(month + "-01")
                lo = max(first, self.start)
                hi = min(add_months(first, 1), self.end + timedelta(days=1))
                rows.append((site["id"], month, utc_of(lo, tz), utc_of(hi, tz)))
        object.__setattr__(self, "_bounds", rows)  # a frozen dataclass may still cache what it derives
        return rows


def make_scope(sites, start: date | None = None, end: date | None = None, today: dict | None = None,
               rollup: bool = True) -> Scope:
    """A scope over sites; the period defaults to the last 12 months of the first site's calendar."""
    sites = tuple(sites)
    if start is None or end is None:
        default_start, default_end = default_period(sites[0]["timezone"]) if sites else (date.today(),) * 2
        start, end = start or default_start, end or default_end
    return Scope(sites, start, end, dict(today or {}), rollup)


def month_finder(scope: Scope):
    """`month_of(site_id, instant)`: the local month of the period an instant (UTC, as stored) falls in at a site,
    or None outside the period; for rows read over the whole period at once rather than joined to every month."""
    starts, ends = {}, {}
    for site_id, month, lo, hi in scope.bounds():
        starts.setdefault(site_id, ([], []))
        starts[site_id][0].append(lo)
        starts[site_id][1].append(month)
        ends[site_id] = hi

    def month_of(site_id: str, instant: str) -> str | None:
        los, months = starts.get(site_id, ((), ()))
        i = bisect.bisect_right(los, instant) - 1
        return months[i] if i >= 0 and instant < ends[site_id] else None
    return month_of


def bounds_cte(scope: Scope, name: str = "months") -> tuple[str, list]:
    """`WITH months(site_id, month, lo, hi) AS (VALUES …)` and its parameters (an empty scope gives no rows)."""
    rows = scope.bounds() or [("", "", "", "")]
    values = ", ".join("(?, ?, ?, ?)" for _ in rows)
    params = [value for row in rows for value in row]
    return f"WITH {name}(site_id, month, lo, hi) AS (VALUES {values})", params


def marks(values) -> str:
    """One `?` per value, for an `IN (…)` list."""
    return ", ".join("?" for _ in values)
