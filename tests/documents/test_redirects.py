"""Forms that return to where they came from (read-and-understood, CAPA action reports) never leave the site."""
import pytest

from fieldaudit.capa import actions, data
from tests.factories import effective_doc

OFFSITE = ["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "\\\\evil.example"]


@pytest.mark.parametrize("target", OFFSITE)
def test_acknowledgement_next_stays_on_the_site(auth, db, plant, doc, qm2, target):
    vid = effective_doc(db, doc, plant["qm"], qm2)["id"]
    auth.login("op.a")
    response = auth.post(f"/documents/{doc['id']}/versions/{vid}/ack", {"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/documents/{doc['id']}"


def test_acknowledgement_next_returns_to_a_page_of_the_site(auth, db, plant, doc, qm2):
    vid = effective_doc(db, doc, plant["qm"], qm2)["id"]
    auth.login("op.a")
    response = auth.post(f"/documents/{doc['id']}/versions/{vid}/ack", {"next": "/w/A-01"})
    assert response.headers["Location"] == "/w/A-01"


@pytest.mark.parametrize("target", OFFSITE)
def test_action_report_next_stays_on_the_site(auth, db, plant, target):
    capa = data.create_capa(db, site=plant["a"], title="Burr on housing", by=plant["qm"]["id"])
    action = actions.add_action(db, capa, kind="corrective", description="Deburr fixture", owner_id=plant["operator"]["id"],
                                due_date="2030-01-01", by=plant["qm"]["id"])
    auth.login("op.a")
    response = auth.post(f"/capa/{capa['id']}/actions/{action['id']}", {"status": "done", "done_note": "Fixture deburred", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/capa/{capa['id']}")
