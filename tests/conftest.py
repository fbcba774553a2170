"""Shared fixtures: a real app on a temporary data folder, a real SQLite file, and sign-in helpers."""
import re

import pytest

from fieldaudit import config, create_app
from fieldaudit import db as dbm
from fieldaudit.auth import users
from fieldaudit.stations import data as stations

# Fast hashing in tests only; production uses scrypt.
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def app(tmp_path):
    """An app with its own data folder."""
    return create_app({"DATA_DIR": str(tmp_path / "data"), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})


@pytest.fixture
def db(app):
    """A connection to the app's SQLite file."""
    conn = dbm.connect(config.database_path(app.config))
    yield conn
    conn.conn.close()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


def make_site(db, code="PLT1", **overrides):
    """A site (with defaults a test can override)."""
    fields = {"name": f"Plant {code}", "timezone": "Europe/Berlin", **overrides}
    return stations.create_site(db, code, fields["name"], fields["timezone"])


def make_user(db, username, role=None, site=None, *, all_sites=False, password=PASSWORD, **overrides):
    """A user, optionally with one role at a site (or at all sites)."""
    row = users.create_user(db, username, overrides.get("display_name", username.title()), password,
                            hash_method=FAST_HASH)
    if role:
        users.add_membership(db, row["id"], None if all_sites else site["id"], role)
    return row


def csrf_from(html: str) -> str:
    """The CSRF token a page carries."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF meta tag"
    return match.group(1)


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def login(self, username, password=PASSWORD, **extra):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": token, **extra})
        if response.status_code == 303:
            self.csrf = self.token()
        return response

    def token(self) -> str:
        """The CSRF token of the current session."""
        return csrf_from(self.client.get("/account").get_data(as_text=True))

    def post(self, url, data=None, htmx=False, **kwargs):
        """A POST with the session's CSRF token (as a form field, or as htmx sends it, a header)."""
        data = dict(data or {})
        headers = kwargs.pop("headers", {})
        if htmx:
            headers = {"HX-Request": "true", "X-CSRFToken": self.csrf, **headers}
        else:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, headers=headers, **kwargs)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf})


@pytest.fixture
def auth(client):
    """Sign-in helper bound to the test client."""
    return Auth(client)


@pytest.fixture
def plant(db):
    """Two sites with one workstation each and a user of every role at site A, plus an auditor at site B."""
    a = make_site(db, "PLTA", name="Plant A")
    b = make_site(db, "PLTB", name="Plant B", timezone="America/Chicago")
    area_a = stations.create_area(db, a["id"], "ASM", "Assembly")
    ws_a = stations.create_workstation(db, a["id"], area_a["id"], "A-01", "Station A1")
    ws_b = stations.create_workstation(db, b["id"], None, "B-01", "Station B1")
    people = {
        "operator": make_user(db, "op.a", "operator", a),
        "auditor": make_user(db, "aud.a", "auditor", a),
        "qm": make_user(db, "qm.a", "quality_manager", a),
        "admin": make_user(db, "admin.a", "admin", a),
        "auditor_b": make_user(db, "aud.b", "auditor", b),
        "group_admin": make_user(db, "root", "admin", all_sites=True),
    }
    return {"a": a, "b": b, "area_a": area_a, "ws_a": ws_a, "ws_b": ws_b, **people}
