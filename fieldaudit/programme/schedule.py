"""Occurrence dates of a plan in the site's local calendar (pure: no database, no clock)."""
import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Most frequent first: a risk step "up" moves one place left.
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "semiannual", "annual")
FREQUENCY_LABELS = {"daily": "Daily", "weekly": "Weekly", "monthly": "Monthly", "quarterly": "Quarterly",
                    "semiannual": "Semi-annual", "annual": "Annual"}
MONTHS_APART = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WORKING_DAYS = (0, 1, 2, 3, 4)  # Monday to Friday; a window counts these only


def local_today(tz: str, now: datetime) -> date:
    """The site's calendar date at an aware instant (a plant in Berlin is on tomorrow from 23:00 UTC)."""
    return now.astimezone(ZoneInfo(tz)).date()


def local_date_of(instant: str | None, tz: str) -> str | None:
    """The site-local date (YYYY-MM-DD) of a stored UTC instant."""
    if not instant:
        return None
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(ZoneInfo(tz)).date().isoformat()


def add_working_days(day: date, count: int) -> date:
    """The day `count` working days (Monday to Friday) after `day`; 0 is the day itself, even a Saturday."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() in WORKING_DAYS:
            count -= 1
    return day


def nth_weekday(year: int, month: int, nth: int, weekday: int) -> date:
    """The nth (1..4, or -1 for the last) given weekday of a month, e.g. the first Monday."""
    if nth == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def day_in_month(year: int, month: int, day: int) -> date:
    """Day `day` of a month, or its last day when the month is shorter (the 31st of April is the 30th)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def normalized_rule(frequency: str, rule: dict, anchor: date) -> dict:
    """The rule with defaults a frequency needs, so a risk step to another frequency still has its days."""
    if frequency in ("daily", "weekly"):
        days = sorted({int(d) for d in rule.get("weekdays") or [] if 0 <= int(d) <= 6})
        if not days:
            days = list(WORKING_DAYS) if frequency == "daily" else [anchor.weekday()]
        return {"weekdays": days}
    out = {}
    if rule.get("nth") and rule.get("weekday") is not None:
        out = {"nth": int(rule["nth"]), "weekday": int(rule["weekday"])}
    else:
        out = {"day": int(rule.get("day") or anchor.day)}
    out["month"] = int(rule.get("month") or anchor.month)  # the first month of a quarter, half-year or year
    return out


def occurrences(frequency: str, rule: dict, start: date, end: date, anchor: date | None = None) -> list[date]:
    """Due dates of a frequency from `start` to `end` inclusive; `anchor` (the plan's start) fixes the phase of
    quarterly, semi-annual and annual plans and the defaults of a rule."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    anchor = anchor or start
    rule = normalized_rule(frequency, rule, anchor)
    if frequency in ("daily", "weekly"):
        days, out, day = set(rule["weekdays"]), [], start
        while day <= end:
            if day.weekday() in days:
                out.append(day)
            day += timedelta(days=1)
        return out
    step = MONTHS_APART[frequency]
    out = []
    year, month = start.year, start.month
    while date(year, month, 1) <= end:
        if (month - rule["month"]) % step == 0:
            if "nth" in rule:
                due = nth_weekday(year, month, rule["nth"], rule["weekday"])
            else:
                due = day_in_month(year, month, rule["day"])
            if start <= due <= end:
                out.append(due)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def stepped(frequency: str, steps: int) -> str:
    """The frequency `steps` places more frequent (negative: less), kept within daily..annual."""
    index = FREQUENCIES.index(frequency) - steps
    return FREQUENCIES[max(0, min(len(FREQUENCIES) - 1, index))]


def describe(frequency: str, rule: dict) -> str:
    """A plan's frequency in words, e.g. "Monthly, first Monday" or "Weekly on Monday, Thursday"."""
    label = FREQUENCY_LABELS.get(frequency, frequency)
    if frequency in ("daily", "weekly") and rule.get("weekdays"):
        return f"{label} on " + ", ".join(WEEKDAYS[int(d)] for d in sorted(rule["weekdays"]))
    if rule.get("nth") and rule.get("weekday") is not None:
        nth = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}.get(int(rule["nth"]), "")
        return f"{label}, {nth} {WEEKDAYS[int(rule['weekday'])]}"
    if rule.get("day"):
        return f"{label}, day {rule['day']}"
    return label
