"""Every main page renders for the people who use it: 200, a clean <title>, one header, no inline code."""
import re

import pytest


def _check(html: str, url: str) -> None:
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and "<" not in title.group(1) and "\n" not in title.group(1).strip(), url
    assert html.count("<header") == 1, url
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
    assert " style=" not in html and "<style" not in html, url


URLS = ["/", "/sites", "/sites/{site_a}", "/workstations/{ws_a}", "/account", "/audits/", "/audits/{audit}",
        "/audits/{audit}/findings", "/checklists/", "/capa/", "/capa/my-actions", "/capa/{capa}", "/capa/triage",
        "/capa/new", "/audits/new", "/admin/users/", "/documents/", "/w/A-01", "/reports/audits.csv",
        "/admin/hub"]
# The status each person gets, URL by URL (same order): what their role allows at site A, 403 for what it does
# not, 404 for site A's records when they work only at site B.
EXPECTED = {
    "qm.a":    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403, 200, 200, 200, 403],
    "aud.a":   [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403, 200, 403, 200, 200, 200, 403],
    "op.a":    [200, 200, 200, 200, 200, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 200, 200, 403, 403],
    "admin.a": [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403, 403, 200, 200, 200, 200, 403],
    "root":    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403, 403, 403, 200, 200, 200, 200, 200],
    "aud.b":   [200, 200, 404, 404, 200, 200, 404, 404, 200, 200, 200, 404, 403, 403, 200, 403, 200, 404, 200, 403],
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_main_pages_answer_each_role_as_its_permissions_say(auth, plant, db, submitted, who):  # noqa: F811
    from fieldaudit.capa import data
    capa = data.create_capa(db, site=plant["a"], title="Smoke", by=plant["qm"]["id"])
    ids = {"site_a": plant["a"]["id"], "ws_a": plant["ws_a"]["id"], "audit": submitted["id"], "capa": capa["id"]}
    auth.login(who)
    got = []
    for url in URLS:
        response = auth.client.get(url.format(**ids))
        got.append(response.status_code)
        if response.status_code == 200 and response.mimetype == "text/html":
            _check(response.get_data(as_text=True), url)
    assert dict(zip(URLS, got)) == dict(zip(URLS, EXPECTED[who]))
