"""Who may read or change one CAPA, through the site and owner guards (used by the CAPA and report pages)."""
from flask_login import current_user

from ..auth.access import ensure, ensure_found, ensure_owner
from . import data
from .actions import get_action, list_actions

NOT_YOURS = "You can see the CAPAs whose actions you own; ask your quality manager for others."


def readable(db, capa_id: str) -> dict:
    """A CAPA the user may read: quality people of its site (view_audits), or someone who owns one of its actions.

    No role at its site: 404; a role there without either: 403.
    """
    capa = ensure_found(data.get_capa(db, capa_id), "view_site")
    owns_one = any(a["owner_id"] == current_user.id for a in list_actions(db, capa_id))
    # An action's owner is the CAPA's reader for this purpose: the guard compares them with the current user.
    ensure_owner({**capa, "reader_id": current_user.id if owns_one else None}, "reader_id", NOT_YOURS,
                 unless="view_audits")
    return capa


def managed(db, capa_id: str) -> dict:
    """A CAPA the user may change: the site's quality manager owns the record."""
    capa = readable(db, capa_id)
    ensure("manage_capa", capa["site_id"])
    return capa


def changeable_action(db, capa: dict, action_id: str) -> dict:
    """One of the CAPA's actions the user may change: its owner, or the site's quality manager; 404 / 403 else."""
    action = get_action(db, action_id)
    # The action is judged at its CAPA's site; an action of another CAPA is not found here.
    placed = {**action, "site_id": capa["site_id"]} if action and action["capa_id"] == capa["id"] else None
    ensure_found(placed, "view_site")
    ensure_owner(placed, "owner_id", "Only the action's owner or the quality manager can change it.",
                 unless="manage_capa")
    return action
