"""Instants are stored in UTC and shown in the site's time zone."""
from zoneinfo import ZoneInfo

from . import ids


def local_time(instant: str | None, tz: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO UTC instant as local time of a zone, with the zone's abbreviation."""
    if not instant:
        return ""
    dt = ids.parse_iso(instant)
    if tz:
        dt = dt.astimezone(ZoneInfo(tz))
        return dt.strftime(fmt) + " " + (dt.tzname() or tz)
    return dt.strftime(fmt) + " UTC"


def init_app(app) -> None:
    """Register the template filter."""
    app.jinja_env.filters["local_time"] = local_time
