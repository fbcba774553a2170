"""The site guards of the station routes for a person with different roles at two sites.

Each route family is tried at site A (the stronger role), site B (a weaker role: 403 where it matters) and site C
(no role: 404, or the friendly unknown-station page for a scanned code).
"""
import pytest

from fieldaudit.stations import data
from tests.factories import add_role, make_user


@pytest.fixture
def sites(plant, site_c):
    return {"a": plant["a"], "b": plant["b"], "c": site_c}


@pytest.fixture
def station_of(plant, site_c):
    return {"a": plant["ws_a"], "b": plant["ws_b"], "c": site_c["ws"]}


@pytest.fixture
def site_admin_and_operator(db, plant):
    """Administrator at A, operator at B."""
    return add_role(db, make_user(db, "adm.op", "admin", plant["a"]), "operator", plant["b"])


@pytest.fixture
def qm_and_operator(db, plant):
    """Quality manager at A, operator at B."""
    return add_role(db, make_user(db, "qm.op", "quality_manager", plant["a"]), "operator", plant["b"])


@pytest.mark.parametrize("key,status", [("a", 200), ("b", 403), ("c", 404)])
def test_site_and_workstation_forms_need_manage_site_there(auth, db, sites, station_of, site_admin_and_operator,
                                                           key, status):
    auth.login("adm.op")
    site, ws = sites[key], station_of[key]
    assert auth.client.get(f"/sites/{site['id']}/edit").status_code == status
    assert auth.client.get(f"/workstations/{ws['id']}/edit").status_code == status
    added = auth.post(f"/sites/{site['id']}/areas", {"code": "NEW", "name": "New area"})
    assert added.status_code == (303 if status == 200 else status)
    assert any(a["code"] == "NEW" for a in data.list_areas(db, site["id"])) == (status == 200)
    renamed = auth.post(f"/workstations/{ws['id']}/edit", {"name": "Renamed", "active": "on"})
    assert renamed.status_code == (303 if status == 200 else status)
    assert (data.get_workstation(db, ws["id"])["name"] == "Renamed") == (status == 200)


@pytest.mark.parametrize("key,status,can_audit", [("a", 200, True), ("b", 200, False), ("c", 404, False)])
def test_scan_page_shows_what_the_role_at_that_site_allows(auth, station_of, qm_and_operator, key, status,
                                                           can_audit):
    auth.login("qm.op")
    ws = station_of[key]
    response = auth.client.get(f"/w/{ws['code']}")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert (ws["name"] in page) == (status == 200)
    assert ("Start audit here" in page) == can_audit
    if status == 404:
        assert "Unknown station" in page  # another site's station is as unknown as a missing one


@pytest.mark.parametrize("key,status", [("a", 200), ("b", 200), ("c", 404)])
def test_qr_codes_and_label_sheets_need_a_role_at_the_site(auth, sites, station_of, qm_and_operator, key, status):
    auth.login("qm.op")
    site, ws = sites[key], station_of[key]
    assert auth.client.get(f"/w/{ws['code']}/qr.svg").status_code == status
    assert auth.client.get(f"/sites/{site['id']}/labels").status_code == status
    pdf = auth.client.get(f"/sites/{site['id']}/labels.pdf")
    assert pdf.status_code == status
    assert pdf.get_data().startswith(b"%PDF") == (status == 200)
