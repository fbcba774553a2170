"""The offline side's server half: the worker, the manifest, the offline page (public, holding nothing private) and
the list of an audit's addresses (guarded like the audit's own pages)."""
import json
import re

import pytest
from PIL import Image

from fieldaudit import assets, paths
from fieldaudit.audits import data as audits
from fieldaudit.db import execute
from fieldaudit.offline import STORE_HEADER, icons
from tests.factories import GUARDED


def worker_config(body: str) -> dict:
    return json.loads(re.search(r"^var CONFIG = (.*);$", body, re.M)[1])


def test_the_worker_is_served_from_the_root_never_stored(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    # Every update check must reach the server: no HTTP cache may keep the worker.
    assert "no-store" in response.headers["Cache-Control"] and "max-age" not in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    config = worker_config(response.get_data(as_text=True))
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])
    assert config["offline"] == "/offline" and config["precache"][0] == "/offline"
    # Every precached static file is under its content-hashed name and is served.
    for url in config["precache"][1:]:
        assert re.search(r"\.[0-9a-f]{10}\.[a-z0-9]+$", url), url
        response = client.get(url)
        response.close()  # a static file is sent from an open file
        assert response.status_code == 200, url
    assert not any("/fonts/" in url for url in config["precache"])  # PDF fonts are not for the tablet


def test_a_changed_static_file_changes_the_worker_and_its_cache_name(app, client):
    before = worker_config(client.get("/sw.js").get_data(as_text=True))
    saved = dict(assets._digests)
    try:
        assets._digests["js/app.js"] = "0123456789"
        app.extensions["offline"].pop("version")
        after = worker_config(client.get("/sw.js").get_data(as_text=True))
    finally:
        assets._digests.clear()
        assets._digests.update(saved)
        app.extensions["offline"].pop("version", None)
    assert after["version"] != before["version"]
    assert any("app.0123456789.js" in url for url in after["precache"])


def test_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["display"] == "standalone" and manifest["orientation"] == "any"
    assert manifest["start_url"] == manifest["scope"] == "/"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {(f"{n}x{n}", p) for n in (192, 512) for p in ("any", "maskable")}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        image.close()
        assert image.status_code == 200 and image.mimetype == "image/png"


@pytest.mark.parametrize("size", icons.SIZES)
@pytest.mark.parametrize("maskable", [False, True])
def test_committed_icons_are_the_drawn_ones(size, maskable):
    committed = paths.resource("static") / "img" / icons.filename(size, maskable)
    assert committed.read_bytes() == icons.draw(size, maskable), "run python -m fieldaudit.offline.icons"
    with Image.open(committed) as image:
        assert image.size == (size, size)
        # A maskable icon has no transparent corner for a launcher's mask to reveal.
        assert (image.convert("RGBA").getpixel((0, 0))[3] == 255) == maskable


def test_pages_link_the_manifest_and_the_offline_script(auth, plant):
    auth.login("aud.a")
    page = auth.client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'data-sw="/sw.js"' in page and f'data-user="{plant["auditor"]["id"]}"' in page
    assert 'id="on-this-tablet"' in page


def test_the_offline_page_is_public_and_holds_nothing_of_a_session(auth, plant):
    auth.login("aud.a")
    response = auth.client.get("/offline")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "You are offline; these audits are on this tablet" in body
    # It is precached for every user of the tablet: no token, no name, no user id.
    assert "csrf" not in body and plant["auditor"]["display_name"] not in body and "data-user" not in body
    assert "Set-Cookie" not in response.headers


def test_the_server_names_the_signed_in_user_to_the_worker(auth, client, plant):
    assert "X-FieldAudit-User" not in client.get("/login").headers
    auth.login("aud.a")
    assert auth.client.get("/").headers["X-FieldAudit-User"] == plant["auditor"]["id"]


def test_this_tablet_page(auth, plant):
    auth.login("op.a")
    body = auth.client.get("/tablet").get_data(as_text=True)
    for part in ("tablet-install", "Add to Home Screen", "seven days", "tablet-storage", "on-this-tablet"):
        assert part in body


def test_an_audits_addresses_cover_every_page_it_needs(auth, audit, plant):
    auth.login("aud.a")
    response = auth.client.get(f"/offline/audits/{audit['id']}")
    assert response.status_code == 200
    listed = response.get_json()
    assert listed["audit"]["number"] == audit["number"] and listed["audit"]["resume"] == f"/audits/{audit['id']}/run"
    assert listed["redirects"] == {f"/audits/{audit['id']}/run": f"/audits/{audit['id']}/sections/basics"}
    urls = listed["urls"]
    for path in (f"/audits/{audit['id']}/sections/basics",
                 f"/audits/{audit['id']}/sections/more", f"/audits/{audit['id']}/findings", "/w/A-01"):
        assert path in urls
    # Each listed page opens for the auditor (redirects are followed and stored by offline.js).
    for url in urls:
        assert auth.client.get(url).status_code in (200, 302), url


def test_an_audits_addresses_are_guarded_like_the_audit(auth, two_roles):
    auth.login("pat")
    for which, expected in GUARDED.items():
        response = auth.client.get(f"/offline/audits/{two_roles[which]['id']}")
        assert response.status_code == (200 if expected == "allowed" else expected), which


def test_a_submitted_audit_is_not_taken_offline(auth, db, audit):
    execute(db, "UPDATE audits SET status = 'submitted' WHERE id = ?", (audit["id"],))
    auth.login("aud.a")
    assert auth.client.get(f"/offline/audits/{audit['id']}").status_code == 409
    assert audits.get_audit(db, audit["id"])["status"] == "submitted"


def test_storing_the_pages_does_not_move_resume(auth, db, audit):
    auth.login("aud.a")
    auth.client.get(f"/audits/{audit['id']}/sections/basics")
    for url in auth.client.get(f"/offline/audits/{audit['id']}").get_json()["urls"]:
        auth.client.get(url, headers={STORE_HEADER: "1"})
    assert audits.get_audit(db, audit["id"])["current_section"] == "basics"
    # Opened by the auditor, a section is where Resume goes next.
    auth.client.get(f"/audits/{audit['id']}/sections/more")
    assert audits.get_audit(db, audit["id"])["current_section"] == "more"


def test_my_audits_are_those_i_run_in_progress_at_sites_where_i_still_run_audits(auth, db, plant, two_roles,
                                                                                 checklist_version):
    auth.login("pat")
    submitted = audits.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                                    auditor_id=two_roles["user"]["id"])
    execute(db, "UPDATE audits SET status = 'submitted' WHERE id = ?", (submitted["id"],))
    response = auth.client.get("/offline/mine")
    assert response.status_code == 200
    mine = response.get_json()["audits"]
    # Not PLTC's (operator there now), not PLTB's (no role), not another auditor's, not a submitted one.
    assert [a["id"] for a in mine] == [two_roles["own_a"]["id"]]
    assert mine[0]["list"] == f"/offline/audits/{two_roles['own_a']['id']}"
    assert auth.client.get(mine[0]["list"]).status_code == 200


def test_my_audits_are_asked_for_only_by_people_who_run_audits(auth, plant):
    auth.login("op.a")
    assert auth.client.get("/offline/mine").status_code == 403
    assert "data-mine" not in auth.client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("aud.a")
    home = auth.client.get("/").get_data(as_text=True)
    assert 'data-mine="/offline/mine" data-auto-take' in home and "Take my audits offline" in home
    # Elsewhere the button is there, but only the home screen takes them by itself.
    tablet = auth.client.get("/tablet").get_data(as_text=True)
    assert 'data-mine="/offline/mine"' in tablet and "data-auto-take" not in tablet


def test_my_audits_need_sign_in(client):
    assert client.get("/offline/mine").status_code in (302, 401)
