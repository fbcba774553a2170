"""Two tabs on one finding: a stale save of a field someone else changed is a 409 with both texts; fields only one
side changed save; a field left as shown keeps the newer text."""
import re

import pytest

from fieldaudit.audits import data as audits

SEEN = re.compile(r'<input type="hidden" name="(seen_\w+)" value="([^"]*)">')


def tab(auth, url: str) -> dict:
    """The tokens one open page of the form will send back."""
    return dict(SEEN.findall(auth.client.get(url).get_data(as_text=True)))


@pytest.fixture
def finding(db, plant, audit):
    return audits.add_finding(db, audit, {"severity": "minor", "description": "Dust on the gauge"},
                              plant["auditor"]["id"])


def test_finding_older_tab_is_a_conflict(auth, db, audit, finding):
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/findings/{finding['id']}"
    first, second = tab(auth, url), tab(auth, url)
    assert first and first == second
    assert auth.post(url, {**first, "severity": "minor", "description": "Dust and oil on the gauge"}).status_code == 303
    response = auth.post(url, {**second, "severity": "minor", "description": "Gauge dirty",
                               "evidence": "Photo 3"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Dust and oil on the gauge" in body and "Gauge dirty" in body
    now = audits.get_finding(db, finding["id"])
    assert (now["description"], now["evidence"]) == ("Dust and oil on the gauge", "Photo 3")


def test_finding_field_left_as_shown_keeps_the_newer_text(auth, db, audit, finding):
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/findings/{finding['id']}"
    first, second = tab(auth, url), tab(auth, url)
    auth.post(url, {**first, "severity": "minor", "description": "Dust and oil on the gauge"})
    assert auth.post(url, {**second, "severity": "major", "description": "Dust on the gauge"}).status_code == 303
    now = audits.get_finding(db, finding["id"])
    assert (now["severity"], now["description"]) == ("major", "Dust and oil on the gauge")
