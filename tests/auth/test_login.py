"""Sign-in, sign-out, throttling and server-side sessions."""
from datetime import timedelta

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.auth import users
from tests.factories import make_site, make_user


@pytest.fixture
def alice(db):
    site = make_site(db)
    return make_user(db, "alice", "auditor", site)


def test_login_page_is_public_and_sets_no_user(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Sign in" in response.get_data(as_text=True)


def test_login_success_reaches_home(auth, alice):
    response = auth.login("alice")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    home = auth.client.get("/")
    assert home.status_code == 200
    assert "Hello, Alice" in home.get_data(as_text=True)


@pytest.mark.parametrize("username,password", [("alice", "wrong-password-1"), ("nobody", "whatever-pass")])
def test_wrong_password_and_unknown_user_get_the_same_401(auth, alice, username, password):
    response = auth.login(username, password)
    assert response.status_code == 401
    assert "Unknown username or wrong password, or the account is disabled" in response.get_data(as_text=True)
    assert auth.client.get("/").status_code == 302


def test_throttle_locks_after_five_failures_even_for_the_right_password(auth, alice, db):
    for _ in range(5):
        assert auth.login("alice", "wrong-password-1").status_code == 401
    locked = auth.login("alice")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) > 0
    assert dbm.scalar(db, "SELECT COUNT(*) FROM auth_sessions") == 0


def test_throttle_lifts_after_the_back_off(auth, alice, monkeypatch):
    for _ in range(5):
        auth.login("alice", "wrong-password-1")
    later = ids.utc_now() + timedelta(seconds=31)
    monkeypatch.setattr(ids, "utc_now", lambda: later)
    assert auth.login("alice").status_code == 303


def test_back_off_doubles(auth, alice, db, monkeypatch):
    for _ in range(5):
        auth.login("alice", "wrong-password-1")
    later = ids.utc_now() + timedelta(seconds=31)
    monkeypatch.setattr(ids, "utc_now", lambda: later)
    assert auth.login("alice", "wrong-password-1").status_code == 401
    row = dbm.query_one(db, "SELECT * FROM login_throttle WHERE key = 'user:alice'")
    wait = ids.parse_iso(row["locked_until"]) - ids.parse_iso(row["last_failure_at"])
    assert wait == timedelta(seconds=60)


def test_disabled_user_cannot_sign_in_and_the_answer_does_not_confirm_the_password(auth, alice, db):
    # Right and wrong passwords get the same answer, so a disabled account is no oracle for password guesses.
    users.set_active(db, alice["id"], False)
    right, wrong = auth.login("alice"), auth.login("alice", password="not-her-password")
    assert right.status_code == wrong.status_code == 401
    assert right.get_data(as_text=True) == wrong.get_data(as_text=True)
    assert "disabled" in right.get_data(as_text=True)


def test_an_unknown_user_costs_the_same_hashing_as_a_real_one(app, monkeypatch):
    # Timing must not tell who exists: the hash checked for an unknown user uses the configured method.
    seen = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda h, p: seen.append(h.split("$")[0]) or real(h, p))
    users.verify_password(None, "guess", hash_method="scrypt")
    users.verify_password(None, "guess", hash_method="pbkdf2:sha256:1000")
    assert seen[0].startswith("scrypt:") and seen[1] == "pbkdf2:sha256:1000"


def test_sign_in_checks_unknown_users_with_the_configured_method(auth, plant, monkeypatch, app):
    seen = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda h, p: seen.append(h.split("$")[0]) or real(h, p))
    auth.login("nobody-here")
    assert seen == [app.config["PASSWORD_HASH_METHOD"]]


def test_session_is_renewed_at_login(auth, alice, client):
    client.get("/login")
    with client.session_transaction() as sess:
        before = dict(sess)
    auth.login("alice")
    with client.session_transaction() as sess:
        assert sess["sid"] and sess.get("csrf") != before.get("csrf")


def test_logout_ends_the_session_on_the_server(auth, alice, client, db):
    auth.login("alice")
    with client.session_transaction() as sess:
        stolen = dict(sess)
    response = auth.logout()
    assert response.status_code == 303
    assert "You signed out." in client.get("/login").get_data(as_text=True)
    # Replaying the old cookie contents must not bring the session back.
    with client.session_transaction() as sess:
        sess.update(stolen)
    assert client.get("/").status_code == 302
    assert dbm.scalar(db, "SELECT end_reason FROM auth_sessions") == "logout"


def test_logout_needs_post(auth, alice):
    auth.login("alice")
    assert auth.client.get("/logout").status_code == 405
    assert auth.client.get("/").status_code == 200


def test_idle_timeout_signs_out_with_a_message(auth, alice, client, monkeypatch):
    auth.login("alice")
    later = ids.utc_now() + timedelta(minutes=61)
    monkeypatch.setattr(ids, "utc_now", lambda: later)
    response = client.get("/sites")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/sites")
    assert "signed out after a period of inactivity" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_activity_keeps_the_session_alive(auth, alice, client, monkeypatch):
    auth.login("alice")
    start = ids.utc_now()
    for minutes in (50, 100, 150):
        now = start + timedelta(minutes=minutes)
        monkeypatch.setattr(ids, "utc_now", lambda now=now: now)
        assert client.get("/").status_code == 200


def test_a_short_idle_limit_keeps_a_person_active_every_15_seconds(app, auth, alice, client, monkeypatch):
    app.config["SESSION_IDLE_MINUTES"] = 1
    auth.login("alice")
    start = ids.utc_now()
    for seconds in range(15, 181, 15):
        now = start + timedelta(seconds=seconds)
        monkeypatch.setattr(ids, "utc_now", lambda now=now: now)
        assert client.get("/").status_code == 200, f"signed out at {seconds} s"
    later = start + timedelta(seconds=180 + 61)
    monkeypatch.setattr(ids, "utc_now", lambda: later)
    assert client.get("/").status_code == 302  # a minute without activity still ends it


def test_absolute_timeout_ends_even_an_active_session(auth, alice, client, monkeypatch):
    auth.login("alice")
    start = ids.utc_now()
    for minutes in range(50, 12 * 60 + 50, 50):
        now = start + timedelta(minutes=minutes)
        monkeypatch.setattr(ids, "utc_now", lambda now=now: now)
        status = client.get("/").status_code
    assert status == 302
    assert "maximum length" in client.get("/login").get_data(as_text=True)


def test_disabling_a_user_ends_their_open_session(auth, alice, client, db):
    auth.login("alice")
    users.set_active(db, alice["id"], False)
    assert client.get("/").status_code == 302
    assert "disabled" in client.get("/login").get_data(as_text=True)


def test_password_change_ends_sessions(auth, alice, client, db):
    auth.login("alice")
    users.set_password(db, alice["id"], "another-long-password", hash_method="pbkdf2:sha256:1000")
    assert client.get("/").status_code == 302


def test_remember_me_is_off_by_default(auth, alice, client):
    response = auth.login("alice")
    cookie = response.headers["Set-Cookie"]
    assert "Expires" not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_remember_me_makes_a_persistent_cookie(auth, alice, db):
    response = auth.login("alice", remember="on")
    assert "Expires" in response.headers["Set-Cookie"]
    assert dbm.scalar(db, "SELECT remember FROM auth_sessions") == 1


def test_secure_cookie_behind_https(app, alice):
    client = app.test_client()
    page = client.get("/login", base_url="https://fieldaudit.example")
    assert "Secure" in page.headers["Set-Cookie"]


OFFSITE = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/\t/evil.example", "/\n/evil.example",
           "/\r\n/evil.example", "\\\\evil.example", "/\\/evil.example", " //evil.example", "/ /evil.example",
           "http:/evil.example", "javascript:alert(1)", "\t//evil.example"]


@pytest.mark.parametrize("target", OFFSITE)
def test_next_never_leaves_the_site(auth, alice, target):
    response = auth.login("alice", next=target)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("query", ["/%09/evil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%0D%0A/x",
                                   "%09//evil.example"])
def test_signed_in_login_page_never_redirects_off_site(auth, alice, query):
    # The encoded forms arrive decoded in request.values; the redirect must still stay on this site.
    auth.login("alice")
    response = auth.client.get(f"/login?next={query}")
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location == "/" or (location.startswith("/") and not location.startswith("//")), location
    assert "evil" not in location and "\n" not in location


def test_next_returns_to_the_page(auth, alice, db):
    response = auth.login("alice", next="/sites")
    assert response.headers["Location"] == "/sites"


def test_htmx_request_on_expired_session_gets_401_and_hx_redirect(auth, alice, client, db):
    auth.login("alice")
    dbm.execute(db, "UPDATE auth_sessions SET ended_at = '2026-01-01T00:00:00.000Z', end_reason = 'idle'")
    response = client.post("/sites/x/areas", headers={"HX-Request": "true", "X-CSRFToken": auth.csrf,
                                                      "HX-Current-URL": "http://localhost/sites/abc?tab=1"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/sites/abc?tab%3D1"
    assert "<form" not in response.get_data(as_text=True)


def test_account_password_change(auth, alice, client):
    auth.login("alice")
    bad = auth.post("/account", {"current_password": "nope", "new_password": "x" * 12, "confirm_password": "x" * 12})
    assert bad.status_code == 422 and "Your current password is not correct." in bad.get_data(as_text=True)
    ok = auth.post("/account", {"current_password": "correct-horse-battery", "new_password": "a-new-password",
                                "confirm_password": "a-new-password"})
    assert ok.status_code == 303
    assert client.get("/").status_code == 302
    assert auth.login("alice", "a-new-password").status_code == 303
