"""Two tabs on one document draft: a stale save of a text someone else changed is a 409 with both texts."""
import re

from fieldaudit.documents import data as documents

SEEN = re.compile(r'<input type="hidden" name="(seen_\w+)" value="([^"]*)">')


def tab(auth, url: str) -> dict:
    """The tokens one open page of the form will send back."""
    return dict(SEEN.findall(auth.client.get(url).get_data(as_text=True)))


def test_draft_older_tab_is_a_conflict(auth, db, plant, doc):
    vid = documents.versions_of(db, doc["id"])[0]["id"]
    url = f"/documents/{doc['id']}/versions/{vid}/edit"
    auth.login("qm.a")
    first, second = tab(auth, url), tab(auth, url)
    assert set(first) == {"seen_title", "seen_body", "seen_change_summary"}
    sent = {"title": "Torque tightening", "change_summary": "First issue."}
    assert auth.post(url, {**first, **sent, "body": "Tab one's text"}).status_code == 303
    response = auth.post(url, {**second, **sent, "body": "Tab two's text", "change_summary": "Second issue."})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Tab one&#39;s text" in body and "Tab two&#39;s text" in body
    now = documents.get_version(db, vid)
    assert (now["body"], now["change_summary"]) == ("Tab one's text", "Second issue.")


def test_a_form_without_tokens_saves_as_before(db, plant, doc):
    vid = documents.versions_of(db, doc["id"])[0]["id"]
    saved = documents.save_draft(db, vid, title="T", body="B", change_summary="", by=plant["qm"]["id"])
    assert saved["body"] == "B" and saved["conflicts"] == []
