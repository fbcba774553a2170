"""Where the programme is authored: here, or at head office once this site server is paired with a hub (no Flask)."""
from .. import settings
from ..refusal import Refusal


def ensure_planned_here(db) -> None:
    """Refuse (409) on a site server paired with a hub: the hub plans and generates, and plans, occurrences, own
    areas, layers, pools and training records come down with the sync (made here they would stay here, or be a
    second set of occurrences under other ids)."""
    if settings.hub_paired(db):
        raise Refusal("This site server is paired with a hub: the audit programme is planned and scheduled at head "
                      "office and arrives here with the next sync.", 409)
