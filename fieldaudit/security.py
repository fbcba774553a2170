"""CSRF protection, security headers and the session cookie's Secure flag."""
import hmac
import secrets

from flask import abort, g, request, session
from flask.sessions import SecureCookieSessionInterface

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def csrf_token() -> str:
    """This session's CSRF token; it lives as long as the session, so a long audit never outlives it."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


# Blueprints whose callers authenticate with a bearer token on every request and never with the session cookie:
# a forged cross-site request carries no token, so CSRF does not apply (and login is theirs to check).
TOKEN_BLUEPRINTS = frozenset({"sync_api"})


def check_csrf() -> None:
    """Refuse a state-changing request whose token (form field or htmx header) does not match the session's."""
    if request.method in SAFE_METHODS or request.blueprint in TOKEN_BLUEPRINTS:
        return
    expected = session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    # Compared as bytes: compare_digest refuses non-ASCII str with a TypeError, and a forged token must be a 400.
    if not expected or not sent or not hmac.compare_digest(str(expected).encode(), str(sent).encode()):
        g.csrf_failed = True
        abort(400, description="This form's security token is missing or no longer valid (the page may be "
                               "from an earlier session). Reload the page and try again; nothing was saved.")


# Content-hashed static files: the only responses any cache may keep (everything else is someone's data).
PUBLIC_ENDPOINTS = frozenset({"static", "assets.asset"})
PRIVATE = "private, no-store"


def set_headers(response):
    """Security headers on every response; nothing but static files is cached, by a shared cache or on a tablet."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint not in PUBLIC_ENDPOINTS:
        # Set here for every response, whatever a view or send_file chose (photos, drawings, report files): a
        # stored copy would outlive the site check and the session that allowed it.
        headers["Cache-Control"] = PRIVATE
        headers.pop("Expires", None)
    return response


class SessionInterface(SecureCookieSessionInterface):
    """The cookie session, marked Secure whenever the request came over HTTPS (directly or via the proxy)."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("HTTPS")) or (bool(request) and request.is_secure)
