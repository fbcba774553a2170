"""CAPA and action owners are people of the CAPA's site: pick lists, the data layer, crafted and unknown owner ids."""
import pytest

from fieldaudit.auth.users import UserError
from fieldaudit.capa import actions as capa_actions
from fieldaudit.capa import data
from tests.factories import add_role, make_user


@pytest.fixture
def capa(db, plant):
    return data.create_capa(db, site=plant["a"], title="Leaking hose at press 3", by=plant["qm"]["id"],
                            owner_id=plant["qm"]["id"])


@pytest.fixture
def mixed(db, plant, site_c):
    """Max: auditor at PLTB and operator at PLTC, no role at PLTA."""
    return add_role(db, make_user(db, "max", "auditor", plant["b"], display_name="Max Mixed"), "operator", site_c)


def action_of(db, plant, capa):
    return capa_actions.add_action(db, capa, kind="corrective", description="Replace hose",
                                   owner_id=plant["operator"]["id"], due_date=capa["raised_on"], by=plant["qm"]["id"])


def test_owners_must_have_a_role_at_the_capa_s_site(db, plant, capa, mixed):
    by = plant["qm"]["id"]
    with pytest.raises(UserError, match="Max Mixed has no role at PLTA") as exc:
        data.create_capa(db, site=plant["a"], title="Other", by=by, owner_id=mixed["id"])
    assert exc.value.status == 422
    with pytest.raises(UserError, match="no role at PLTA"):
        data.update_fields(db, capa, {"owner_id": mixed["id"]}, by)
    with pytest.raises(UserError, match="no role at PLTA"):
        capa_actions.add_action(db, capa, kind="corrective", description="Secret fix", owner_id=mixed["id"],
                                due_date=capa["raised_on"], by=by)
    action = action_of(db, plant, capa)
    with pytest.raises(UserError, match="no role at PLTA"):
        capa_actions.update_action(db, capa, action, {"owner_id": mixed["id"]}, by, owner_only=False)
    assert capa_actions.my_actions(db, mixed["id"]) == []
    assert data.get_capa(db, capa["id"])["owner_id"] == plant["qm"]["id"]
    # The same person owns records of a site where they work, and a role at all sites counts everywhere.
    at_b = data.create_capa(db, site=plant["b"], title="At B", by=by, owner_id=mixed["id"])
    assert at_b["owner_id"] == mixed["id"]
    assert data.update_fields(db, capa, {"owner_id": plant["group_admin"]["id"]}, by) == ["owner_id"]


def test_pick_lists_show_only_people_of_the_capa_s_site(auth, db, plant, capa, mixed):
    auth.login("qm.a")
    for url in (f"/capa/new?site_id={plant['a']['id']}", f"/capa/{capa['id']}"):
        page = auth.client.get(url).get_data(as_text=True)
        assert "Op.A" in page and "Root" in page
        assert "Max Mixed" not in page and "Aud.B" not in page


@pytest.mark.parametrize("owner", ["no-such-user", "mixed"])
def test_crafted_or_unknown_owners_re_render_the_form_with_422(auth, db, plant, capa, mixed, owner):
    owner_id = mixed["id"] if owner == "mixed" else owner
    reason = "Max Mixed has no role at PLTA" if owner == "mixed" else "not a user of this server"
    action = action_of(db, plant, capa)
    events = db["capa_events"].count
    auth.login("qm.a")
    posts = {
        "create": ("/capa/new", {"site_id": plant["a"]["id"], "title": "Crafted owner", "owner_id": owner_id}),
        "fields": (f"/capa/{capa['id']}/fields", {"containment": "Sorted", "owner_id": owner_id}),
        "add action": (f"/capa/{capa['id']}/actions", {"kind": "corrective", "description": "Secret fix",
                                                        "owner_id": owner_id, "due_date": capa["raised_on"]}),
        "update action": (f"/capa/{capa['id']}/actions/{action['id']}", {"owner_id": owner_id}),
    }
    for name, (url, form) in posts.items():
        response = auth.post(url, form)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert reason in html and "<form" in html, name
        assert name != "create" or "Crafted owner" in html
    assert db["capas"].count == 1 and db["capa_events"].count == events
    assert capa_actions.get_action(db, action["id"])["owner_id"] == plant["operator"]["id"]
    assert data.get_capa(db, capa["id"])["containment"] in ("", None)
