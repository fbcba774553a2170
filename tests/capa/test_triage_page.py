"""The triage page decides per finding in place; "Open one CAPA" needs a selection; several findings, one CAPA."""
import re

from fieldaudit import db as dbm
from fieldaudit.capa import data, triage


def _rows(page: str) -> dict[str, str]:
    """finding id → the HTML of its row on the triage page."""
    return dict(re.findall(r'<li class="finding[^"]*" id="finding-([^"]+)">(.*?)</li>', page, re.S))


def test_each_finding_is_decided_in_its_own_row(auth, db, plant, submitted):
    capa = data.create_capa(db, site=plant["a"], title="Labels fade", by=plant["qm"]["id"])
    auth.login("qm.a")
    rows = _rows(auth.client.get("/capa/triage").get_data(as_text=True))
    assert len(rows) == 3
    for finding_id, row in rows.items():
        assert f'/capa/triage/{finding_id}/dismiss' in row and 'name="reason"' in row
        assert f'value="{finding_id}"' in row and capa["number"] in row  # link to the open CAPA, in place
        assert f"finding_id={finding_id}" in row  # open a CAPA for this one


def test_no_capa_needed_from_the_row(auth, db, plant, submitted):
    finding = triage.pending(db, [plant["a"]["id"]])[0]
    auth.login("qm.a")
    response = auth.post(f"/capa/triage/{finding['id']}/dismiss", {"reason": ""})
    assert response.status_code == 422 and "Say why" in response.get_data(as_text=True)
    assert "Triage of nonconformities" in response.get_data(as_text=True)  # the list again, not an error page
    assert auth.post(f"/capa/triage/{finding['id']}/dismiss", {"reason": "Fixed at once"}).status_code == 303
    assert len(triage.pending(db, [plant["a"]["id"]])) == 2


def test_link_from_the_row(auth, db, plant, submitted):
    capa = data.create_capa(db, site=plant["a"], title="Labels fade", by=plant["qm"]["id"])
    finding = triage.pending(db, [plant["a"]["id"]])[0]
    auth.login("qm.a")
    assert auth.post("/capa/link", {"capa_id": capa["id"], "finding_id": finding["id"]}).status_code == 303
    assert [f["id"] for f in triage.linked_findings(db, capa["id"])] == [finding["id"]]


def test_open_one_capa_with_nothing_selected_says_so(auth, db, plant, submitted):
    auth.login("qm.a")
    response = auth.client.get("/capa/new?from=triage")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Select the findings this CAPA covers" in body and "Raise a CAPA" not in body
    assert dbm.scalar(db, "SELECT COUNT(*) FROM capas") == 0


def test_open_one_capa_for_the_selected_findings(auth, db, plant, submitted):
    minors = [f["id"] for f in triage.pending(db, [plant["a"]["id"]]) if f["severity"] == "minor"]
    auth.login("qm.a")
    page = auth.client.get("/capa/new", query_string={"from": "triage", "finding_id": minors})
    assert page.status_code == 200 and "From 2 findings" in page.get_data(as_text=True)
    assert auth.post("/capa/new", {"finding_id": minors, "title": "Labels fade"}).status_code == 303
    capa = dbm.query_one(db, "SELECT id FROM capas")
    assert [f["id"] for f in triage.linked_findings(db, capa["id"])] == minors


def test_raising_directly_still_opens_a_blank_form(auth, plant):
    auth.login("qm.a")
    response = auth.client.get("/capa/new")
    assert response.status_code == 200 and "Raise a CAPA" in response.get_data(as_text=True)
