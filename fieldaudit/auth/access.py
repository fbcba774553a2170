"""The one access check every route uses: who may do what at which site.

Someone with no role at a site gets 404 for anything of that site (its existence is not disclosed); someone with
a role there but not the needed permission gets 403.
"""
from flask import abort
from flask_login import UserMixin, current_user

from .roles import permissions_for


class User(UserMixin):
    """The signed-in person with their roles per site (None = all sites)."""

    def __init__(self, row: dict, memberships: list[dict], session_id: str | None = None):
        self.id = row["id"]
        self.row = row
        self.session_id = session_id
        self.site_roles: dict[str | None, set[str]] = {}
        for m in memberships:
            self.site_roles.setdefault(m["site_id"], set()).add(m["role"])

    @property
    def display_name(self) -> str:
        return self.row["display_name"]

    @property
    def username(self) -> str:
        return self.row["username"]

    @property
    def is_active(self) -> bool:
        return bool(self.row["active"])

    @property
    def group_roles(self) -> set[str]:
        """Roles held at every site."""
        return self.site_roles.get(None, set())

    def roles_at(self, site_id: str) -> set[str]:
        """Roles at one site, group roles included."""
        return self.site_roles.get(site_id, set()) | self.group_roles

    def can(self, permission: str, site_id: str | None = None) -> bool:
        """Whether the user may do `permission` at a site (site_id None: everywhere, i.e. group-wide)."""
        roles = self.group_roles if site_id is None else self.roles_at(site_id)
        return permission in permissions_for(roles)

    def can_anywhere(self, permission: str) -> bool:
        """Whether the user may do `permission` at one site at least."""
        return any(permission in permissions_for(r | self.group_roles) for r in self.site_roles.values())

    def site_ids_with(self, permission: str) -> list[str] | None:
        """Sites where the user has `permission`; None means all sites (a group role grants it)."""
        if permission in permissions_for(self.group_roles):
            return None
        return [s for s, roles in self.site_roles.items() if s is not None and permission in permissions_for(roles)]


def ensure(permission: str, site_id: str | None, message: str | None = None) -> None:
    """Abort unless the current user may do `permission` at `site_id` (None: a group-wide action).

    No role at the site: 404 (its records are not disclosed); a role there without the permission: 403.
    """
    ensure_sites(permission, [site_id] if site_id is not None else None, message=message)


def ensure_found(row: dict | None, permission: str, site_key: str = "site_id", message: str | None = None) -> dict:
    """404 for a missing row, then the site check on the row's site; returns the row."""
    if row is None:
        abort(404)
    ensure(permission, row[site_key], message)
    return row


def ensure_sites(permission: str, site_ids: list[str] | None, every: bool = False,
                 message: str | None = None) -> list[str]:
    """The site rule for a record that belongs to one or more sites; returns those where the user works.

    404 unless the user has a role at one of them; then 403 unless the permission is held at one of them (or at
    every one of them with `every`, e.g. changing a document that applies to several sites). `None`: group-wide.
    """
    user = current_user
    if not user.is_authenticated:
        abort(401)
    if site_ids is None:
        if not user.can(permission, None):
            abort(403, description=message)
        return []
    mine = [s for s in site_ids if user.roles_at(s)]
    if not mine:
        abort(404)
    allowed = [s for s in site_ids if user.can(permission, s)]
    if not allowed or (every and len(allowed) < len(site_ids)):
        abort(403, description=message)
    return mine


def ensure_owner(row: dict, owner_key: str, message: str, unless: str | None = None,
                 site_key: str = "site_id") -> dict:
    """403 unless the current user is the row's owner (`row[owner_key]`), or holds `unless` at its site.

    Call after the site guard: this answers "is it theirs", not "may they see it".
    """
    if row[owner_key] == current_user.id:
        return row
    if unless is not None and current_user.can(unless, row[site_key]):
        return row
    abort(403, description=message)


def sites_with(*permissions: str, message: str | None = None) -> list[str] | None:
    """Sites where the user holds one of `permissions` (None: every site, through a group role); 403 if none.

    For pages across sites ("may you use this page at all"); one record's site still goes through `ensure`.
    """
    found: list[str] = []
    for permission in permissions:
        sites = current_user.site_ids_with(permission)
        if sites is None:
            return None
        found += [s for s in sites if s not in found]
    if not found:
        abort(403, description=message)
    return found
