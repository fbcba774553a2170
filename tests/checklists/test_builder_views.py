"""The builder's pages: who may use them, CSRF on its htmx edits, edits saved with messages at their fields,
stale edits refused, publishing and the version diff."""
import re

import pytest

from fieldaudit.checklists import drafts, store
from fieldaudit.auth import users
from tests.factories import make_user

SMALL = {"title": "Press walk", "sections": [{"title": "Press", "questions": [
    {"id": "guard", "text": "Guard closed", "type": "yes_no"},
    {"id": "torque", "text": "Torque", "type": "numeric", "unit": "Nm", "min": 20, "max": 24}]}]}


@pytest.fixture
def draft(db, plant):
    return drafts.save_draft(db, "press-walk", SMALL, by=plant["qm"]["id"])


def revision(html: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', html).group(1)


def edit(auth, draft_row, rev, **fields):
    return auth.post(f"/builder/drafts/{draft_row['id']}", {"revision": rev, **fields}, htmx=True)


def routes(db, draft_row, published_row):
    """Every builder route, with what a permitted request looks like."""
    return [("get", "/builder/", None), ("post", "/builder/", {"title": "New one"}),
            ("get", f"/builder/drafts/{draft_row['id']}", None),
            ("post", f"/builder/drafts/{draft_row['id']}", {"op": "add_section", "revision": 1}),
            ("post", f"/builder/drafts/{draft_row['id']}/publish", {}),
            ("post", f"/builder/drafts/{draft_row['id']}/discard", {}),
            ("post", f"/builder/versions/{published_row['id']}/draft", {}),
            ("get", f"/builder/checklists/{published_row['checklist_id']}/diff", None)]


@pytest.fixture
def published(db, checklist_version):
    return checklist_version


@pytest.mark.parametrize("who, allowed", [("qm.a", True), ("aud.a", False), ("op.a", False), ("admin.a", False),
                                          ("root", False), ("mixed", True)])
def test_only_quality_managers_use_the_builder(auth, db, plant, draft, published, who, allowed):
    if who == "mixed":  # quality manager at one site, operator at another: checklists are group-wide
        person = make_user(db, "mixed", "operator", plant["b"])
        users.add_membership(db, person["id"], plant["a"]["id"], "quality_manager")
    auth.login(who)
    for method, url, data in routes(db, draft, published):
        response = auth.client.get(url) if method == "get" else auth.post(url, data)
        if allowed:
            assert response.status_code in (200, 303, 409, 422), (url, response.status_code)
        else:
            assert response.status_code == 403, (url, response.status_code)
    if not allowed:
        assert drafts.get(db, draft["id"])[0]["revision"] == 1


@pytest.mark.both_engines(slow=True)
def test_the_page_and_the_fragment(auth, plant, draft):
    auth.login("qm.a")
    page = auth.client.get(f"/builder/drafts/{draft['id']}").get_data(as_text=True)
    fragment = auth.client.get(f"/builder/drafts/{draft['id']}", headers={"HX-Request": "true"})
    assert "<html" in page and 'id="draft-editor"' in page and re.search(r"js/builder[.\w]*\.js", page)
    assert "<html" not in fragment.get_data(as_text=True) and 'id="draft-editor"' in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_htmx_edits_need_the_csrf_token(auth, db, plant, draft, token):
    auth.login("qm.a")
    headers = {"HX-Request": "true", **({"X-CSRFToken": token} if token else {})}
    response = auth.client.post(f"/builder/drafts/{draft['id']}", data={"op": "add_section", "revision": 1},
                                headers=headers)
    assert response.status_code == 400
    assert drafts.get(db, draft["id"])[0]["revision"] == 1


def test_an_edit_saves_and_comes_back_with_messages_next_to_the_field(auth, db, plant, draft):
    auth.login("qm.a")
    response = edit(auth, draft, 1, op="question", section=0, question=1, id="torque", text="Torque", type="numeric",
                    min="abc", max="24", required_shown="1", required="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    card = html[html.index('id="q-card-0-1"'):]
    assert "&#39;min&#39; must be a number, not text &#39;abc&#39;" in card[:card.index("</li>")]
    assert drafts.get(db, draft["id"])[2]["sections"][0]["questions"][1]["min"] == "abc"
    assert revision(html) == "2"


def test_a_stale_edit_is_refused_and_the_newer_one_kept(auth, db, plant, draft):
    auth.login("qm.a")
    assert edit(auth, draft, 1, op="checklist", title="Mine").status_code == 200
    response = edit(auth, draft, 1, op="checklist", title="Theirs")
    assert response.status_code == 409
    assert drafts.get(db, draft["id"])[2]["title"] == "Mine"
    response = auth.post(f"/builder/drafts/{draft['id']}", {"op": "checklist", "title": "Blind"}, htmx=True)
    assert response.status_code == 409  # no revision: it cannot prove it saw the latest
    assert drafts.get(db, draft["id"])[2]["title"] == "Mine"


def test_structure_edits_add_move_duplicate_delete(auth, db, plant, draft):
    auth.login("qm.a")
    rev = revision(edit(auth, draft, 1, op="add_question", section=0, type="single_choice").get_data(as_text=True))
    rev = revision(edit(auth, draft, rev, op="move_question", section=0, question=2, to_section=0, to=0)
                   .get_data(as_text=True))
    rev = revision(edit(auth, draft, rev, op="duplicate_question", section=0, question=1).get_data(as_text=True))
    edit(auth, draft, rev, op="delete_question", section=0, question=3)
    ids = [q["id"] for q in drafts.get(db, draft["id"])[2]["sections"][0]["questions"]]
    assert ids == ["q", "guard", "guard-copy"]


def test_publish_refuses_a_draft_with_problems_and_shows_them(auth, db, plant, draft):
    auth.login("qm.a")
    edit(auth, draft, 1, op="add_question", section=0, type="single_choice")
    edit(auth, draft, 2, op="question", section=0, question=2, id="q", text="Pick", type="single_choice",
         options="only one")
    response = auth.post(f"/builder/drafts/{draft['id']}/publish", {"revision": 3}, htmx=True)
    assert response.status_code == 422
    assert "Not published" in response.get_data(as_text=True)
    edit(auth, draft, 3, op="question", section=0, question=2, id="q", text="Pick", type="single_choice",
         options="red\nblue")
    response = auth.post(f"/builder/drafts/{draft['id']}/publish", {"revision": 4})
    assert response.status_code == 303
    assert store.list_checklists(db)[0]["question_count"] == 3


@pytest.mark.both_engines(slow=True)
def test_the_diff_page_names_what_changed(auth, db, plant, draft):
    auth.login("qm.a")
    first = drafts.publish_draft(db, draft["id"], by=None)
    second = drafts.new_version_from(db, first["id"], by=None)
    changed = drafts.get(db, second["id"])[2]
    changed["sections"][0]["questions"][1]["max"] = 25
    changed["sections"][0]["questions"].append({"id": "oil", "text": "No oil", "type": "pass_fail"})
    drafts.save_draft(db, "press-walk", changed, by=None)
    drafts.publish_draft(db, second["id"], by=None)
    page = auth.client.get(f"/builder/checklists/{first['checklist_id']}/diff").get_data(as_text=True)
    assert "Questions added (1)" in page and "<code>oil</code>" in page
    assert "changed: max" in page
