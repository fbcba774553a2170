"""The programme blueprint and what its views share: the sites a quality manager plans for, today there."""
from flask import Blueprint

from .. import ids
from ..auth.access import sites_with
from . import schedule

bp = Blueprint("programme", __name__, url_prefix="/programme")

MANAGE = "manage_programme"


def managed_sites() -> list[str] | None:
    """Sites whose programme the current user manages (None: every site); 403 when none."""
    return sites_with(MANAGE, message="The audit programme is kept by the site's quality manager.")


def site_today(site: dict) -> str:
    """The site's local date now (the request clock: ids.utc_now, which tests can freeze)."""
    return schedule.local_today(site["timezone"], ids.utc_now()).isoformat()
