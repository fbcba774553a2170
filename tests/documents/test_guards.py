"""The site guards of the document routes for a person with different roles at two sites.

"mix" is quality manager at site A and operator at site B, with no role at site C: allowed where the role
allows, 403 where the role there is weaker, 404 where there is none; a document of A and B is not theirs to change.
"""
import pytest

from fieldaudit.appdb import blob_store_of
from fieldaudit.documents import data
from tests.factories import add_role, make_user, submit, version_ids

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def mix(app, db, plant, site_c):
    """Quality manager at A, operator at B, nothing at C; and a document of each scope, written by qm.a."""
    add_role(db, make_user(db, "mix", "quality_manager", plant["a"]), "operator", plant["b"])
    docs = {}
    for key, sites in {"a": [plant["a"]], "b": [plant["b"]], "ab": [plant["a"], plant["b"]], "c": [site_c]}.items():
        doc, version = data.create_document(db, code=f"SOP-{key.upper()}", title=f"Scope {key}", kind="procedure",
                                            by=plant["qm"]["id"], site_ids=[s["id"] for s in sites])
        data.save_draft(db, version["id"], title=f"Scope {key}", body="Text.", change_summary="First.",
                        by=plant["qm"]["id"], store=blob_store_of(app), attachment=PDF)
        docs[key] = {**doc, "vid": version["id"]}
    return docs


@pytest.mark.parametrize("key,status", [("a", 200), ("b", 200), ("ab", 200), ("c", 404)])
def test_reading_and_attachments_need_a_role_at_one_of_the_sites(auth, mix, key, status):
    auth.login("mix")
    doc = mix[key]
    assert auth.client.get(f"/documents/{doc['id']}").status_code == status
    assert auth.client.get(f"/documents/{doc['id']}/versions/{doc['vid']}").status_code == status
    with auth.client.get(f"/documents/{doc['id']}/versions/{doc['vid']}/attachment") as attachment:
        assert attachment.status_code == status


@pytest.mark.parametrize("key,status", [("a", 200), ("b", 403), ("ab", 403), ("c", 404)])
def test_authoring_needs_the_quality_manager_role_at_every_site(auth, mix, key, status):
    auth.login("mix")
    doc = mix[key]
    edit = auth.client.get(f"/documents/{doc['id']}/edit")
    assert edit.status_code == status
    assert auth.client.get(f"/documents/{doc['id']}/versions/{doc['vid']}/edit").status_code == status
    if key == "ab":
        assert "every site it applies to" in edit.get_data(as_text=True)


@pytest.mark.parametrize("key,status", [("a", 303), ("b", 403), ("ab", 403), ("c", 404)])
def test_approval_needs_the_quality_manager_role_at_every_site(auth, db, plant, mix, key, status):
    doc = mix[key]
    submit(db, doc["vid"], plant["qm"])
    auth.login("mix")
    response = auth.post(f"/documents/{doc['id']}/versions/{doc['vid']}/transition",
                         {"command": "approve", "expected": "in_review", "confirm": "yes",
                          "password": "correct-horse-battery",
                          "effective_date": data.today_at(db, doc["site_ids"]).isoformat()})
    assert response.status_code == status
    assert data.get_version(db, doc["vid"])["status"] == ("effective" if status == 303 else "in_review")


@pytest.mark.parametrize("sites,status", [("a", 303), ("b", 403), ("ab", 403), ("c", 404)])
def test_a_document_is_placed_only_at_sites_where_one_is_quality_manager(auth, db, plant, site_c, mix, sites,
                                                                         status):
    chosen = {"a": plant["a"], "b": plant["b"], "c": site_c}
    auth.login("mix")
    response = auth.post("/documents/new", {"code": "SOP-NEW", "title": "New", "kind": "procedure",
                                            "review_months": "12",
                                            "site_ids": [chosen[s]["id"] for s in sites]})
    assert response.status_code == status
    assert (data.get_document_by_code(db, "SOP-NEW") is not None) == (status == 303)


def test_moving_a_document_to_another_site_is_refused_like_placing_it(auth, db, plant, mix):
    doc = mix["a"]
    auth.login("mix")
    response = auth.post(f"/documents/{doc['id']}/edit", {"kind": "procedure", "review_months": "12",
                                                          "site_ids": [plant["a"]["id"], plant["b"]["id"]]})
    assert response.status_code == 403
    assert data.get_document(db, doc["id"])["site_ids"] == [plant["a"]["id"]]
    assert version_ids(db, doc["id"]) == {1: doc["vid"]}
