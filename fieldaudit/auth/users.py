"""Users, passwords and role memberships (data functions; no Flask)."""
import functools
import secrets
import string

from werkzeug.security import check_password_hash, generate_password_hash

from .. import db as dbm
from .. import ids, settings
from ..refusal import Refusal
from .roles import ROLES

MIN_PASSWORD_LENGTH = 10


class UserError(Refusal):
    """A user-facing problem with a user or membership change (input not acceptable: 422)."""

    status = 422


def generate_password(length: int = 14) -> str:
    """A random password that reads well aloud (no look-alike characters)."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")
    return "".join(secrets.choice(alphabet) for _ in range(length))


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")


def get_user(db, user_id: str) -> dict | None:
    """One user by id."""
    return dbm.query_one(db, "SELECT * FROM users WHERE id = ?", (user_id,))


def get_user_by_username(db, username: str) -> dict | None:
    """One user by username (case-insensitive)."""
    return dbm.query_one(db, "SELECT * FROM users WHERE username = ?", (username.strip().lower(),))


def list_users(db, site_ids=None) -> list[dict]:
    """All users, or those with a membership at one of `site_ids`, by display name."""
    if site_ids is None:
        return dbm.query(db, "SELECT * FROM users ORDER BY display_name")
    if not site_ids:
        return []
    marks = ", ".join("?" for _ in site_ids)
    return dbm.query(
        db, f"SELECT * FROM users WHERE id IN (SELECT user_id FROM memberships WHERE site_id IN ({marks}))"
            " ORDER BY display_name", tuple(site_ids))


def people_at(db, site_ids, *, every: bool = False) -> list[dict]:
    """Active users with a role at one of `site_ids` (at every one with every=True), by display name.

    A role at all sites counts at each: these are the people a record of those sites may be given to.
    """
    wanted = set(site_ids or ())
    if not wanted:
        return []
    marks = ", ".join("?" for _ in wanted)
    found: dict[str, dict] = {}
    for row in dbm.query(db, "SELECT u.*, m.site_id AS role_site FROM users u JOIN memberships m ON m.user_id = u.id"
                             f" WHERE u.active = 1 AND (m.site_id IS NULL OR m.site_id IN ({marks}))"
                             " ORDER BY u.display_name, u.id", tuple(wanted)):
        site = row.pop("role_site")
        person = found.setdefault(row["id"], {**row, "sites": set()})
        person["sites"] |= wanted if site is None else {site}
    return [{k: v for k, v in p.items() if k != "sites"} for p in found.values()
            if (p["sites"] >= wanted if every else p["sites"])]


def check_role_at(db, user_id: str | None, site_ids) -> dict:
    """The active user `user_id` if they have a role at every one of `site_ids`; refused (422) otherwise."""
    user = get_user(db, user_id) if user_id else None
    if user is None:
        raise UserError("That person is not a user of this server; choose someone from the list.")
    if not user["active"]:
        raise UserError(f"{user['display_name']}'s account is disabled; choose someone else.")
    have = {m["site_id"] for m in memberships(db, user["id"])}
    lacking = set() if None in have else set(site_ids) - have  # a role at all sites counts at each
    if not lacking:
        return user
    missing = [r["code"] for r in dbm.query(db, "SELECT id, code FROM sites ORDER BY code") if r["id"] in lacking]
    raise UserError(f"{user['display_name']} has no role at {', '.join(missing)}; choose someone who works there.")


def create_user(db, username: str, display_name: str, password: str, *, email: str = "",
                hash_method: str = "scrypt") -> dict:
    """Create a user with a hashed password."""
    username = username.strip().lower()
    if not username or not all(c.isalnum() or c in "._-@" for c in username):
        raise UserError("Usernames use letters, digits and . _ - @ only.")
    if not display_name.strip():
        raise UserError("Give the person's name as it should appear on audits and signatures.")
    check_password_strength(password)
    now = ids.now_iso()
    with dbm.transaction(db):
        if get_user_by_username(db, username):
            raise UserError(f"A user called {username!r} already exists.")
        row = {
            "id": ids.new_id(), "username": username, "display_name": display_name.strip(),
            "email": email.strip(), "password_hash": generate_password_hash(password, method=hash_method),
            "active": 1, "password_changed_at": now, "last_login_at": None,
            "created_at": now, "updated_at": now, "origin": settings.device_id(db),
        }
        db["users"].insert(row)
    return row


def set_password(db, user_id: str, password: str, *, hash_method: str = "scrypt") -> None:
    """Replace a user's password and end their other sessions."""
    check_password_strength(password)
    now = ids.now_iso()
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?",
                    (generate_password_hash(password, method=hash_method), now, now, user_id))
        dbm.execute(db, "UPDATE auth_sessions SET ended_at = ?, end_reason = 'password_changed'"
                        " WHERE user_id = ? AND ended_at IS NULL", (now, user_id))


def set_active(db, user_id: str, active: bool) -> None:
    """Enable or disable a user; disabling ends their sessions at once."""
    now = ids.now_iso()
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE users SET active = ?, updated_at = ? WHERE id = ?", (int(active), now, user_id))
        if not active:
            dbm.execute(db, "UPDATE auth_sessions SET ended_at = ?, end_reason = 'disabled'"
                            " WHERE user_id = ? AND ended_at IS NULL", (now, user_id))


def update_profile(db, user_id: str, display_name: str, email: str) -> None:
    """Change a user's name and e-mail."""
    if not display_name.strip():
        raise UserError("Give the person's name as it should appear on audits and signatures.")
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE users SET display_name = ?, email = ?, updated_at = ? WHERE id = ?",
                    (display_name.strip(), email.strip(), ids.now_iso(), user_id))


@functools.cache
def _dummy_hash(method: str) -> str:
    """A real hash of nothing with the method real hashes use, so checking it costs what checking theirs costs."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def verify_password(user: dict | None, password: str, *, hash_method: str = "scrypt") -> bool:
    """Whether the password matches; an unknown user costs the same hashing as a real one of `hash_method`, so a
    sign-in's timing does not tell who exists."""
    if user is None:
        check_password_hash(_dummy_hash(hash_method), password)
        return False
    return check_password_hash(user["password_hash"], password)


# -- memberships ----------------------------------------------------------------------------------------------

def memberships(db, user_id: str) -> list[dict]:
    """A user's roles, each at one site or (site_id None) at all sites."""
    return dbm.query(
        db, "SELECT m.*, s.code AS site_code, s.name AS site_name FROM memberships m"
            " LEFT JOIN sites s ON s.id = m.site_id WHERE m.user_id = ? ORDER BY s.code, m.role", (user_id,))


def add_membership(db, user_id: str, site_id: str | None, role: str) -> dict:
    """Give a user a role at a site (or all sites); adding one that exists changes nothing."""
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}; choose one of: {', '.join(ROLES)}.")
    with dbm.transaction(db):
        existing = dbm.query_one(
            db, "SELECT * FROM memberships WHERE user_id = ? AND role = ? AND "
                + ("site_id IS NULL" if site_id is None else "site_id = ?"),
            (user_id, role) if site_id is None else (user_id, role, site_id))
        if existing:
            return existing
        now = ids.now_iso()
        row = {"id": ids.new_id(), "user_id": user_id, "site_id": site_id, "role": role,
               "created_at": now, "updated_at": now, "origin": settings.device_id(db)}
        db["memberships"].insert(row)
    return row


def remove_membership(db, membership_id: str) -> None:
    """Take a role away."""
    with dbm.transaction(db):
        dbm.execute(db, "DELETE FROM memberships WHERE id = ?", (membership_id,))
