"""A document's owner works at every site it applies to: the pick list, the data layer, crafted and unknown ids."""
import pytest

from fieldaudit.auth.users import UserError
from fieldaudit.documents import data
from tests.factories import add_role, make_user


@pytest.fixture
def mixed(db, plant, site_c):
    """Max: auditor at PLTB and operator at PLTC, no role at PLTA."""
    return add_role(db, make_user(db, "max", "auditor", plant["b"], display_name="Max Mixed"), "operator", site_c)


def test_owners_need_a_role_at_every_site_of_the_document(db, plant, doc, mixed):
    by = plant["qm"]["id"]
    with pytest.raises(UserError, match="Max Mixed has no role at PLTA") as exc:
        data.create_document(db, code="SOP-9", title="T", kind="procedure", by=by, site_ids=[plant["a"]["id"]],
                             owner_id=mixed["id"])
    assert exc.value.status == 422 and data.get_document_by_code(db, "SOP-9") is None
    with pytest.raises(UserError, match="no role at PLTA"):
        data.update_document(db, doc["id"], kind="procedure", by=by, site_ids=doc["site_ids"], owner_id=mixed["id"])
    with pytest.raises(UserError, match="Max Mixed has no role at PLTA"):  # a role at one of two sites is not enough
        data.create_document(db, code="SOP-10", title="T", kind="procedure", by=by, owner_id=mixed["id"],
                             site_ids=[plant["a"]["id"], plant["b"]["id"]])
    at_b = data.create_document(db, code="SOP-11", title="T", kind="procedure", by=by, owner_id=mixed["id"],
                                site_ids=[plant["b"]["id"]])[0]
    assert at_b["owner_id"] == mixed["id"]
    moved = data.update_document(db, doc["id"], kind="procedure", by=by, site_ids=doc["site_ids"],
                                 owner_id=plant["operator"]["id"])
    assert moved["owner_id"] == plant["operator"]["id"]


def test_the_owner_list_shows_only_people_of_the_document_s_sites(auth, plant, doc, mixed):
    auth.login("qm.a")
    for url in ("/documents/new", f"/documents/{doc['id']}/edit"):
        page = auth.client.get(url).get_data(as_text=True)
        assert "Op.A" in page and "Root" in page, url
        assert "Max Mixed" not in page and "Aud.B" not in page, url


@pytest.mark.parametrize("owner", ["no-such-user", "mixed"])
def test_crafted_or_unknown_owners_re_render_the_form_with_422(auth, db, plant, doc, mixed, owner):
    owner_id = mixed["id"] if owner == "mixed" else owner
    reason = "Max Mixed has no role at PLTA" if owner == "mixed" else "not a user of this server"
    auth.login("qm.a")
    created = auth.post("/documents/new", {"code": "SOP-77", "title": "Crafted", "kind": "procedure",
                                           "review_months": "12", "site_ids": plant["a"]["id"], "owner_id": owner_id})
    assert created.status_code == 422
    assert reason in created.get_data(as_text=True) and 'value="SOP-77"' in created.get_data(as_text=True)
    assert data.get_document_by_code(db, "SOP-77") is None
    edited = auth.post(f"/documents/{doc['id']}/edit", {"kind": "procedure", "review_months": "12",
                                                        "site_ids": plant["a"]["id"], "owner_id": owner_id})
    assert edited.status_code == 422 and reason in edited.get_data(as_text=True)
    assert data.get_document(db, doc["id"])["owner_id"] == plant["qm"]["id"]
