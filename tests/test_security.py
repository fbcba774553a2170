"""CSRF, security headers, request limits, and the closed-by-default access rule."""
import pytest

from tests.factories import csrf_from


def test_every_route_but_the_public_ones_refuses_anonymous_users(app, client):
    public = {"auth.login", "static", "assets.asset", "health",
              "offline.service_worker", "offline.manifest", "offline.offline_page"}  # the browser fetches these bare
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public or rule.endpoint.startswith("sync_api."):
            continue  # token-authenticated: tests/sync/test_devices.py checks them
        url = rule.build({arg: "x" for arg in rule.arguments}, append_unknown=False)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code in (302, 303, 400), (rule, method, response.status_code)
            if response.status_code == 400:
                # A POST without a token is refused before anything else, which is also a refusal.
                assert method != "GET"
            else:
                assert "/login" in response.headers["Location"]
            checked += 1
    assert checked > 15


def test_anonymous_htmx_request_gets_401_with_redirect(client):
    response = client.get("/sites", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


@pytest.mark.parametrize("token", [None, "forged-token", "é", "tok\u00e9n-\u4e2d"])
def test_form_post_without_valid_csrf_is_refused(auth, plant, db, token):
    auth.login("root")
    data = {"code": "NEW", "name": "New area"}
    if token:
        data["csrf_token"] = token
    response = auth.client.post(f"/sites/{plant['a']['id']}/areas", data=data)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert db["areas"].count == 1


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_htmx_post_without_valid_csrf_header_is_refused(auth, plant, db, token):
    auth.login("root")
    headers = {"HX-Request": "true"}
    if token:
        headers["X-CSRFToken"] = token
    response = auth.client.post(f"/sites/{plant['a']['id']}/areas", data={"code": "NEW", "name": "N"},
                                headers=headers)
    assert response.status_code == 400
    assert db["areas"].count == 1


def test_non_ascii_header_token_is_refused_not_a_crash(auth, plant, db):
    # hmac.compare_digest raises TypeError on non-ASCII str; a forged header must get 400 like any forgery.
    auth.login("root")
    response = auth.client.post(f"/sites/{plant['a']['id']}/areas", data={"code": "NEW", "name": "N"},
                                headers={"HX-Request": "true", "X-CSRFToken": "\u00e9t\u00e9"})
    assert response.status_code == 400
    assert db["areas"].count == 1


@pytest.mark.parametrize("token", ["é", "x\u00ff"])
def test_anonymous_login_post_with_non_ascii_token_is_400(client, plant, token):
    client.get("/login")  # the sign-in page gives the anonymous session its token
    response = client.post("/login", data={"username": "root", "password": "x", "csrf_token": token})
    assert response.status_code == 400


def test_htmx_post_with_header_token_is_accepted(auth, plant, db):
    auth.login("root")
    response = auth.post(f"/sites/{plant['a']['id']}/areas", {"code": "NEW", "name": "New"}, htmx=True)
    assert response.status_code == 200
    assert db["areas"].count == 2


def test_login_form_itself_needs_the_token(client, plant):
    response = client.post("/login", data={"username": "root", "password": "correct-horse-battery"})
    assert response.status_code == 400


def test_csrf_token_lives_as_long_as_the_session(auth, plant):
    auth.login("root")
    first = auth.token()
    assert auth.token() == first


@pytest.mark.parametrize("path", ["/login", "/healthz", "/nope"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(auth, plant):
    auth.login("root")
    for url in ["/login", "/", "/sites", f"/sites/{plant['a']['id']}", "/admin/users/", "/account"]:
        html = auth.client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html, url
        assert "http://" not in html and "https://" not in html, url


def test_versioned_assets_are_cached_for_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    import re
    url = re.search(r'href="(/assets/css/app\.[0-9a-f]{10}\.css)"', html).group(1)
    response = client.get(url)
    response.close()
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    stale = url.replace(url.split(".")[-2], "0000000000")
    assert client.get(stale).status_code == 404


def test_htmx_vendored_version_is_2_0_11(client):
    html = client.get("/login").get_data(as_text=True)
    import re
    url = re.search(r'src="(/assets/vendor/htmx/htmx-2\.0\.11\.min\.[0-9a-f]{10}\.js)"', html).group(1)
    script = client.get(url)
    assert b'version:"2.0.11"' in script.data
    script.close()
    assert '"allowEval": false' in html and '"historyCacheSize": 0' in html
    assert '"includeIndicatorStyles": false' in html


def test_request_body_over_the_limit_gets_413(app, auth, plant):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    auth.login("root")
    response = auth.post(f"/sites/{plant['a']['id']}/areas", {"code": "X", "name": "y" * 5000})
    assert response.status_code == 413
    assert "larger than this server accepts" in response.get_data(as_text=True)


def test_unexpected_errors_show_no_traceback(app, auth, plant, monkeypatch):
    from fieldaudit.stations import data

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(data, "list_sites", boom)
    auth.login("root")
    response = auth.client.get("/sites")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "secret internals" not in body
    assert "Something went wrong" in body


def test_json_clients_get_json_errors(auth, plant):
    auth.login("aud.a")
    response = auth.client.get(f"/sites/{plant['b']['id']}", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_htmx_errors_are_fragments(auth, plant):
    auth.login("aud.a")
    response = auth.client.get(f"/sites/{plant['b']['id']}", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.get_data(as_text=True)


def test_autoescape_in_user_content(auth, plant, db):
    from fieldaudit.stations import data
    data.create_area(db, plant["a"]["id"], "XSS", "<script>alert(1)</script>")
    auth.login("root")
    html = auth.client.get(f"/sites/{plant['a']['id']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert csrf_from(html)
