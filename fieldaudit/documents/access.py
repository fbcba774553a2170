"""The site check for documents, which apply to one or more sites, built on the one access check."""
from flask import abort
from flask_login import current_user

from ..appdb import get_db
from ..auth.access import ensure_sites
from . import data, states

AUTHOR = "approve_documents"  # quality managers write documents and approve each other's versions


def checked(doc: dict | None, permission: str = "read_documents") -> dict:
    """404 unless the user works at one of the document's sites; reading needs the permission at one of them,
    changing it needs the permission at all of them (a site's quality manager cannot rewrite another's)."""
    if doc is None:
        abort(404)
    changing = permission != "read_documents"
    ensure_sites(permission, doc["site_ids"], every=changing,
                 message="Changing this document needs the quality manager role at every site it applies to."
                 if changing else None)
    return doc


def document(document_id: str, permission: str = "read_documents") -> dict:
    """A document the current user may see (or change)."""
    return checked(data.get_document(get_db(), document_id), permission)


def version_of(doc: dict, version_id: str) -> dict:
    """A version that belongs to the document (404 otherwise)."""
    version = data.get_version(get_db(), version_id)
    if version is None or version["document_id"] != doc["id"]:
        abort(404)
    return version


def may_author(doc: dict) -> bool:
    """Whether the user may author and approve this document's versions."""
    return all(current_user.can(AUTHOR, s) for s in doc["site_ids"])


def actor(doc: dict) -> states.Actor:
    """The current user as the state machine sees them for this document."""
    allowed = may_author(doc)
    return states.Actor(current_user.id, can_author=allowed, can_approve=allowed)


def viewer_today(doc: dict):
    """The local date that decides what is in force for this user: at the document's sites where they work."""
    mine = [s for s in doc["site_ids"] if current_user.roles_at(s)]
    return data.today_at(get_db(), mine or doc["site_ids"])
