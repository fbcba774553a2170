"""Sign-in, server-side sessions, roles and the access check."""
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_login import LoginManager, current_user

from .. import htmx
from ..security import TOKEN_BLUEPRINTS
from ..appdb import get_db
from . import sessions, throttle, users
from .access import User

login_manager = LoginManager()

# Everything else requires a signed-in user: the default is closed, so a new route cannot forget it.
PUBLIC_ENDPOINTS = {"auth.login", "static", "assets.asset", "health"}


@login_manager.user_loader
def load_user(user_id: str):
    """The user of this request if their server-side session is still valid."""
    db = get_db()
    idle = timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))
    row, reason = sessions.check(db, session.get("sid"), idle=idle)
    if row is None or row["user_id"] != user_id:
        g.signed_out_reason = reason
        return None
    user = users.get_user(db, user_id)
    return User(user, users.memberships(db, user_id), session_id=row["id"])


def safe_next(target: str | None) -> str | None:
    """A same-site path to return to (after login, after a form), or None; the one redirect check of the app."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    # Browsers drop tabs and newlines from URLs ("/<TAB>/evil" becomes "//evil") and a CR/LF cannot go in a header.
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def password_attempt(username: str | None = None) -> throttle.Attempt:
    """This request's password attempt for the throttle: the username (the signed-in user's by default) and the
    client address, with the configured limits; sign-in and every e-signature count against the same keys."""
    cfg = current_app.config
    name = (username if username is not None else current_user.username).strip().lower()
    return throttle.Attempt(keys=(f"user:{name}", f"addr:{request.remote_addr or '-'}"),
                            max_failures=int(cfg["LOGIN_MAX_FAILURES"]), base_seconds=int(cfg["LOGIN_LOCK_SECONDS"]),
                            max_seconds=int(cfg["LOGIN_LOCK_MAX_SECONDS"]))


def _return_path() -> str:
    """Where to come back after signing in again."""
    current = request.headers.get("HX-Current-URL")
    if current:
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return safe_next(urlsplit(request.referrer or "").path) or "/"


@login_manager.unauthorized_handler
def unauthorized():
    """Send people to sign in and back; htmx gets 401 + HX-Redirect so no login page lands inside a question."""
    reason = g.get("signed_out_reason")
    for key in ("sid", "_user_id", "_fresh", "_id"):
        session.pop(key, None)
    if reason in sessions.END_MESSAGES:
        flash(sessions.END_MESSAGES[reason], "warning")
    login_url = url_for("auth.login", next=_return_path())
    if request.headers.get("HX-Request") == "true":
        return htmx.redirect(login_url, 401)
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(error="Please sign in", message="Your session has ended; sign in again.", status=401)
        response.status_code = 401
        return response
    return redirect(login_url, 303 if request.method != "GET" else 302)


def require_login():
    """before_request: every endpoint but the public ones needs a signed-in user."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or request.blueprint in TOKEN_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def init_app(app) -> None:
    """Bind flask-login and the login rule to the app (its sign-in pages are registered by create_app)."""
    login_manager.init_app(app)
    # We keep sessions server-side; flask-login's own remember cookie would bypass them.
    login_manager.session_protection = None
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(seconds=0)
    app.before_request(require_login)
