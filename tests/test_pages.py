"""Every main page renders for the people who use it: 200, a clean <title>, one header, no inline code."""
import re

import pytest


def _check(html: str, url: str) -> None:
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and "<" not in title.group(1) and "\n" not in title.group(1).strip(), url
    assert html.count("<header") == 1, url
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
    assert " style=" not in html and "<style" not in html, url


@pytest.mark.parametrize("who", ["qm.a", "aud.a", "root", "op.a"])
def test_main_pages_render(auth, plant, db, submitted, who):  # noqa: F811
    from fieldaudit.capa import data
    capa = data.create_capa(db, site=plant["a"], title="Smoke", by=plant["qm"]["id"])
    auth.login(who)
    urls = ["/", "/sites", f"/sites/{plant['a']['id']}", f"/workstations/{plant['ws_a']['id']}", "/account",
            "/audits/", f"/audits/{submitted['id']}", f"/audits/{submitted['id']}/findings", "/checklists/",
            "/capa/", "/capa/my-actions", f"/capa/{capa['id']}", "/capa/triage", "/capa/new", "/audits/new",
            "/admin/users/"]
    rendered = 0
    for url in urls:
        response = auth.client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        if response.status_code == 200:
            _check(response.get_data(as_text=True), url)
            rendered += 1
    assert rendered >= 6

