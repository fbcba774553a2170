"""User administration: accounts and role memberships (group admins everywhere, site admins at their sites)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import forms, settings
from ..appdb import get_db
from ..stations import data as stations
from . import sessions, users
from .access import ensure, ensure_found, ensure_sites, sites_with
from .roles import ROLE_LABELS, ROLES

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _managed_site_ids() -> list[str] | None:
    """Sites whose memberships this admin may change (None: all)."""
    return sites_with("manage_users")


def _target(user_id: str) -> tuple[dict, list[dict]]:
    """A user this admin may manage: group admins any; site admins those whose roles all lie in their sites."""
    db = get_db()
    row = users.get_user(db, user_id)
    if row is None:
        abort(404)
    roles = users.memberships(db, user_id)
    if _managed_site_ids() is not None:
        # A person is "of" every site they hold a role at (None: all sites, which no site admin administers):
        # beyond this admin's sites they are invisible (404), partly beyond them untouchable (403).
        ensure_sites("manage_users", [m["site_id"] for m in roles], every=True,
                     message="This person also works at sites you do not administer; "
                             "ask a group administrator to change their account.")
    return row, roles


def _role_site(db, site_id: str | None) -> None:
    """The site a role is given at (None: all sites) must be one this admin administers."""
    message = "You can only give roles at sites you administer."
    if site_id is None:
        ensure("manage_users", None, message)
    else:
        ensure_found(stations.get_site(db, site_id), "manage_users", site_key="id", message=message)


def _editable(db) -> bool:
    return not settings.hub_paired(db)


@bp.get("/")
def index():
    """Everyone this admin manages, with their roles."""
    db = get_db()
    managed = _managed_site_ids()
    people = users.list_users(db, managed)
    roles = {p["id"]: users.memberships(db, p["id"]) for p in people}
    return render_template("users/index.html", people=people, roles=roles, role_labels=ROLE_LABELS,
                           editable=_editable(db))


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Create an account with a first role; the generated password is shown once."""
    db = get_db()
    managed = _managed_site_ids()
    sites = stations.list_sites(db, managed)
    form = request.form
    if request.method == "POST":
        if not _editable(db):
            abort(409, description="Users are managed at the hub while this site server is paired.")
        site_id = form.get("site_id") or None
        role = form.get("role", "")
        _role_site(db, site_id)
        forms.rerender_on_refusal(lambda error: render_template(
            "users/form.html", sites=sites, form=form, error=error, roles=ROLES, role_labels=ROLE_LABELS,
            group_allowed=managed is None))
        if role not in ROLES:
            raise users.UserError(f"Choose a role: {', '.join(ROLE_LABELS.values())}.")
        password = form.get("password") or users.generate_password()
        row = users.create_user(db, form.get("username", ""), form.get("display_name", ""), password,
                                email=form.get("email", ""), hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        users.add_membership(db, row["id"], site_id, role)
        return render_template("users/created.html", person=row, password=password,
                               generated=not form.get("password"))
    return render_template("users/form.html", sites=sites, form={}, error=None, roles=ROLES,
                           role_labels=ROLE_LABELS, group_allowed=managed is None)


@bp.get("/<user_id>")
def show(user_id):
    """One person: profile, roles, sessions."""
    row, roles = _target(user_id)
    return _person_page(row, roles, None)


def _person_page(row: dict, roles: list[dict], error: str | None):
    db = get_db()
    return render_template("users/show.html", person=row, memberships=roles, role_labels=ROLE_LABELS,
                           roles=ROLES, sites=stations.list_sites(db, _managed_site_ids()),
                           group_allowed=_managed_site_ids() is None, editable=_editable(db),
                           sessions=sessions.active_for_user(db, row["id"]), error=error)


def _mutate(user_id: str):
    """Common guard of the state-changing user routes; a refused change shows the person's page with the reason."""
    row, roles = _target(user_id)
    if not _editable(get_db()):
        abort(409, description="Users are managed at the hub while this site server is paired.")
    forms.rerender_on_refusal(lambda error: _person_page(row, roles, error))
    return row, roles


@bp.post("/<user_id>/profile")
def update(user_id):
    """Change name or e-mail."""
    _mutate(user_id)
    users.update_profile(get_db(), user_id, request.form.get("display_name", ""), request.form.get("email", ""))
    flash("Saved.", "success")
    return redirect(url_for("users.show", user_id=user_id), 303)


@bp.post("/<user_id>/active")
def set_active(user_id):
    """Disable (ending their sessions at once) or re-enable an account."""
    _mutate(user_id)
    active = request.form.get("active") == "1"
    if not active and user_id == current_user.id:
        abort(400, description="You cannot disable your own account.")
    users.set_active(get_db(), user_id, active)
    flash("Account enabled." if active else "Account disabled; their sessions have ended.", "success")
    return redirect(url_for("users.show", user_id=user_id), 303)


@bp.post("/<user_id>/password")
def reset_password(user_id):
    """Set a new generated password, shown once, and end the person's sessions."""
    row, _ = _mutate(user_id)
    password = users.generate_password()
    users.set_password(get_db(), user_id, password, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
    return render_template("users/created.html", person=row, password=password, generated=True, reset=True)


@bp.post("/<user_id>/memberships")
def add_membership(user_id):
    """Give a role at a site (or all sites, for group administrators only)."""
    _mutate(user_id)
    db = get_db()
    site_id = request.form.get("site_id") or None
    _role_site(db, site_id)
    users.add_membership(db, user_id, site_id, request.form.get("role", ""))
    flash("Role added.", "success")
    return redirect(url_for("users.show", user_id=user_id), 303)


@bp.post("/<user_id>/memberships/<membership_id>/delete")
def remove_membership(user_id, membership_id):
    """Take a role away."""
    _, roles = _mutate(user_id)
    membership = next((m for m in roles if m["id"] == membership_id), None)
    if membership is None:
        abort(404)
    ensure("manage_users", membership["site_id"])
    if user_id == current_user.id and membership["role"] == "admin":
        abort(400, description="You cannot remove your own administrator role; ask another administrator.")
    users.remove_membership(get_db(), membership_id)
    flash("Role removed.", "success")
    return redirect(url_for("users.show", user_id=user_id), 303)
