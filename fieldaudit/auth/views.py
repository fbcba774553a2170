"""Sign in, sign out and the user's own account page."""
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from .. import forms
from ..appdb import get_db
from ..security import csrf_token
from . import esign, password_attempt, safe_next, sessions, throttle, users
from .access import User
from .roles import ROLE_LABELS

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; on success a fresh session replaces whatever the browser had."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url or url_for("home.index"))
        return render_template("auth/login.html", next=next_url)

    db = get_db()
    cfg = current_app.config
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    user = users.get_user_by_username(db, username) if username else None
    try:
        # A disabled account answers exactly like a wrong password, so a guess cannot be confirmed on it.
        known = throttle.check(db, password_attempt(username), lambda: users.verify_password(
            user, password, hash_method=cfg["PASSWORD_HASH_METHOD"]) and bool(user["active"]))
    except throttle.Locked as exc:
        return render_template("auth/login.html", next=next_url, username=username,
                               error=f"Too many failed sign-ins. Wait {exc.retry_after} seconds, then try again.",
                               retry_after=exc.retry_after), 429, {"Retry-After": str(exc.retry_after)}
    if not known:
        return render_template("auth/login.html", next=next_url, username=username,
                               error="Unknown username or wrong password, or the account is disabled "
                                     "(ask your administrator)."), 401
    remember = request.form.get("remember") == "on"
    absolute = (timedelta(days=int(cfg["REMEMBER_DAYS"])) if remember
                else timedelta(hours=int(cfg["SESSION_ABSOLUTE_HOURS"])))
    # A new session and a new CSRF token at every sign-in: nothing chosen before login survives it.
    sessions.end_by_token(db, session.get("sid"), "logout")
    session.clear()
    token = sessions.start(db, user["id"], remember=remember, absolute=absolute,
                           user_agent=request.user_agent.string, remote_addr=request.remote_addr or "")
    session["sid"] = token
    session.permanent = remember
    csrf_token()
    login_user(User(user, users.memberships(db, user["id"])), remember=False)
    return redirect(next_url or url_for("home.index"), 303)


@bp.post("/logout")
def logout():
    """End the session on the server, not only in the browser."""
    sessions.end_by_token(get_db(), session.get("sid"), "logout")
    logout_user()
    session.clear()
    flash(sessions.END_MESSAGES["logout"], "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account", methods=["GET", "POST"])
def account():
    """The signed-in user's roles, sessions and password change."""
    db = get_db()
    if request.method == "POST":
        forms.rerender_on_refusal(lambda error: _account_page(db, error), (422, 429))
        new = request.form.get("new_password", "")
        esign.verify_signature(db, current_user.id, request.form.get("current_password", ""),
                               "Your current password is not correct.", attempt=password_attempt())
        if new != request.form.get("confirm_password", ""):
            raise users.UserError("The two new passwords differ.")
        users.set_password(db, current_user.id, new, hash_method=current_app.config["PASSWORD_HASH_METHOD"])
        flash("Password changed. Sign in with the new one.", "success")
        session.clear()
        return redirect(url_for("auth.login"), 303)
    return _account_page(db, None)


def _account_page(db, error: str | None):
    return render_template("auth/account.html", memberships=users.memberships(db, current_user.id),
                           sessions=sessions.active_for_user(db, current_user.id), role_labels=ROLE_LABELS,
                           error=error)
