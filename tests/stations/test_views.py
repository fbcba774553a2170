"""Site pages and admin forms: site scoping (404 across sites), roles (403) and the htmx fragments."""
import pytest

from fieldaudit import settings
from fieldaudit.stations import data


@pytest.mark.parametrize("who", ["op.a", "aud.a", "qm.a", "admin.a"])
def test_people_of_site_a_see_site_a(auth, plant, who):
    auth.login(who)
    assert auth.client.get(f"/sites/{plant['a']['id']}").status_code == 200
    assert auth.client.get(f"/workstations/{plant['ws_a']['id']}").status_code == 200


@pytest.mark.parametrize("url", ["/sites/{b}", "/workstations/{ws_b}", "/sites/{b}/edit",
                                 "/workstations/{ws_b}/edit"])
def test_auditor_of_site_a_gets_404_for_site_b(auth, plant, url):
    auth.login("aud.a")
    response = auth.client.get(url.format(b=plant["b"]["id"], ws_b=plant["ws_b"]["id"]))
    assert response.status_code == 404
    assert "Plant B" not in response.get_data(as_text=True)


def test_site_list_shows_only_own_sites(auth, plant):
    auth.login("aud.a")
    html = auth.client.get("/sites").get_data(as_text=True)
    assert "PLTA" in html and "PLTB" not in html


def test_group_admin_sees_all_sites(auth, plant):
    auth.login("root")
    html = auth.client.get("/sites").get_data(as_text=True)
    assert "PLTA" in html and "PLTB" in html


def test_post_to_other_site_is_404_and_changes_nothing(auth, plant, db):
    auth.login("admin.a")
    response = auth.post(f"/sites/{plant['b']['id']}/areas", {"code": "X", "name": "Intruder"})
    assert response.status_code == 404
    assert data.list_areas(db, plant["b"]["id"]) == []


@pytest.mark.parametrize("who", ["op.a", "aud.a", "qm.a"])
def test_non_admins_cannot_change_the_site(auth, plant, db, who):
    auth.login(who)
    assert auth.post(f"/sites/{plant['a']['id']}/areas", {"code": "X", "name": "X"}).status_code == 403
    assert auth.client.get(f"/sites/{plant['a']['id']}/edit").status_code == 403
    assert len(data.list_areas(db, plant["a"]["id"])) == 1


def test_only_group_admins_create_sites(auth, plant, db):
    auth.login("admin.a")
    assert auth.client.get("/sites/new").status_code == 403
    auth.logout()
    auth.login("root")
    response = auth.post("/sites/new", {"code": "plt9", "name": "Hill Plant", "timezone": "Asia/Tokyo"})
    assert response.status_code == 303
    site = data.get_site_by_code(db, "PLT9")
    assert site["timezone"] == "Asia/Tokyo" and site["name"] == "Hill Plant"


@pytest.mark.parametrize("fields,message", [
    ({"code": "plt 9", "name": "X", "timezone": "Europe/Berlin"}, "codes use capital letters"),
    ({"code": "PLTA", "name": "X", "timezone": "Europe/Berlin"}, "already exists"),
    ({"code": "P9", "name": "X", "timezone": "Mars/Olympus"}, "Unknown time zone"),
    ({"code": "P9", "name": " ", "timezone": "Europe/Berlin"}, "Give the site a name"),
])
def test_site_form_errors(auth, plant, db, fields, message):
    auth.login("root")
    response = auth.post("/sites/new", fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db["sites"].count == 2


def test_add_area_with_htmx_returns_the_fragment(auth, plant, db):
    auth.login("admin.a")
    response = auth.post(f"/sites/{plant['a']['id']}/areas", {"code": "pnt", "name": "Paint shop"}, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="site-structure"' in html and "Paint shop" in html
    assert "HX-Request" in response.headers["Vary"]


def test_add_area_without_js_redirects(auth, plant):
    auth.login("admin.a")
    response = auth.post(f"/sites/{plant['a']['id']}/areas", {"code": "PNT", "name": "Paint shop"})
    assert response.status_code == 303
    assert "Paint shop" in auth.client.get(response.headers["Location"]).get_data(as_text=True)


def test_add_workstation_error_fragment_keeps_input(auth, plant):
    auth.login("admin.a")
    response = auth.post(f"/sites/{plant['a']['id']}/workstations", {"code": "B-01", "name": "Dup"}, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "already used" in html and 'value="Dup"' in html


def test_workstation_area_must_belong_to_the_site(auth, plant, db):
    other_area = data.create_area(db, plant["b"]["id"], "MLD", "Moulding")
    auth.login("admin.a")
    response = auth.post(f"/sites/{plant['a']['id']}/workstations",
                         {"code": "A-09", "name": "X", "area_id": other_area["id"]})
    assert response.status_code == 422
    assert data.get_workstation_by_code(db, "A-09") is None


def test_renaming_a_workstation_keeps_its_code(auth, plant, db):
    auth.login("admin.a")
    ws = plant["ws_a"]
    response = auth.post(f"/workstations/{ws['id']}/edit", {"name": "Renamed", "area_id": "", "active": "on"})
    assert response.status_code == 303
    row = data.get_workstation_by_code(db, "A-01")
    assert row["id"] == ws["id"] and row["name"] == "Renamed"


def test_paired_site_server_makes_reference_data_read_only(auth, plant, db):
    settings.put(db, "hub_url", "https://hub.example")
    auth.login("root")
    html = auth.client.get(f"/sites/{plant['a']['id']}").get_data(as_text=True)
    assert "Managed at the hub" in html and "Add an area" not in html
    response = auth.post(f"/sites/{plant['a']['id']}/areas", {"code": "X", "name": "X"})
    assert response.status_code == 409
    assert "paired with a hub" in response.get_data(as_text=True)
    with pytest.raises(data.StationError, match="paired with a hub"):
        data.create_area(db, plant["a"]["id"], "Y", "Y")


def test_home_lists_sites_with_roles(auth, plant):
    auth.login("aud.a")
    html = auth.client.get("/").get_data(as_text=True)
    assert "Plant A" in html and "Auditor" in html and "Plant B" not in html
