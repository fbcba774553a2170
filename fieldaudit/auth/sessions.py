"""Server-side sessions: the cookie carries a random token, the database decides whether it is still valid."""
import hashlib
import secrets
from datetime import timedelta

from .. import db as dbm
from .. import ids

# last_seen_at is refreshed at most this often, so an autosave burst does not turn every request into a write.
TOUCH_EVERY = timedelta(seconds=60)

END_MESSAGES = {
    "logout": "You signed out.",
    "idle": "You were signed out after a period of inactivity. Sign in again to continue where you were.",
    "expired": "Your session reached its maximum length. Sign in again to continue.",
    "disabled": "Your account has been disabled. Ask your administrator.",
    "password_changed": "Your password was changed, so you were signed out everywhere. Sign in again.",
    "revoked": "Your session was ended by an administrator.",
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db, user_id: str, *, remember: bool, absolute: timedelta, user_agent: str = "",
          remote_addr: str = "") -> str:
    """Record a new session and return its token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = ids.utc_now()
    with dbm.transaction(db):
        db["auth_sessions"].insert({
            "id": ids.new_id(), "token_hash": _hash(token), "user_id": user_id,
            "created_at": ids.iso(now), "last_seen_at": ids.iso(now), "expires_at": ids.iso(now + absolute),
            "remember": int(remember), "ended_at": None, "end_reason": None,
            "user_agent": user_agent[:300], "remote_addr": remote_addr[:64],
        })
        dbm.execute(db, "UPDATE users SET last_login_at = ? WHERE id = ?", (ids.iso(now), user_id))
    return token


def check(db, token: str | None, *, idle: timedelta) -> tuple[dict | None, str | None]:
    """The session's user if the token is valid now; else (None, reason the session ended)."""
    if not token:
        return None, None
    row = dbm.query_one(
        db, "SELECT s.*, u.active AS user_active FROM auth_sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.token_hash = ?", (_hash(token),))
    if row is None:
        return None, "revoked"
    if row["ended_at"]:
        return None, row["end_reason"]
    now = ids.utc_now()
    reason = None
    if not row["user_active"]:
        reason = "disabled"
    elif now >= ids.parse_iso(row["expires_at"]):
        reason = "expired"
    elif not row["remember"] and now - ids.parse_iso(row["last_seen_at"]) > idle:
        reason = "idle"
    if reason:
        end(db, row["id"], reason)
        return None, reason
    # A short idle limit is refreshed more often, or someone active every 15 s is signed out after a minute.
    if now - ids.parse_iso(row["last_seen_at"]) > min(TOUCH_EVERY, idle / 4):
        with dbm.transaction(db):
            dbm.execute(db, "UPDATE auth_sessions SET last_seen_at = ? WHERE id = ?", (ids.iso(now), row["id"]))
    return row, None


def end(db, session_id: str, reason: str) -> None:
    """End one session (logout, timeout, revocation)."""
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE auth_sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL",
                    (ids.now_iso(), reason, session_id))


def end_by_token(db, token: str | None, reason: str) -> None:
    """End the session a cookie token names, if any."""
    if token:
        with dbm.transaction(db):
            dbm.execute(db, "UPDATE auth_sessions SET ended_at = ?, end_reason = ?"
                            " WHERE token_hash = ? AND ended_at IS NULL", (ids.now_iso(), reason, _hash(token)))


def active_for_user(db, user_id: str) -> list[dict]:
    """A user's sessions that have not ended."""
    return dbm.query(db, "SELECT * FROM auth_sessions WHERE user_id = ? AND ended_at IS NULL"
                         " ORDER BY last_seen_at DESC", (user_id,))
