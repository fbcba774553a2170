"""Four eyes on document approval: whoever changes a draft is one of its authors, and no author approves it."""
import json

import pytest

from fieldaudit import db as dbm
from fieldaudit import trail
from fieldaudit.auth import users
from fieldaudit.documents import data
from fieldaudit.stations import data as stations
from tests.factories import BODY, FAST_HASH, PASSWORD, approve, make_user, submit, version_ids


@pytest.fixture
def qm3(db, plant):
    """A third quality manager at site A, who neither wrote nor changed the draft."""
    return make_user(db, "qm3.a", "quality_manager", plant["a"], display_name="Cleo Third")


def approve_form(db, doc) -> dict:
    return {"command": "approve", "expected": "in_review", "confirm": "yes", "password": PASSWORD,
            "effective_date": data.today_at(db, doc["site_ids"]).isoformat()}


def test_rewriting_a_draft_then_approving_it_is_refused(auth, db, plant, doc, qm2, qm3):
    """The review's attack: B rewrites A's draft, submits it and signs it with B's own password."""
    vid = version_ids(db, doc["id"])[1]
    base = f"/documents/{doc['id']}/versions/{vid}"
    auth.login("qm2.a")
    edited = auth.post(f"{base}/edit", {"title": "Torque tightening", "body": BODY.replace("25 Nm", "15 Nm"),
                                        "change_summary": "First issue."})
    assert edited.status_code == 303
    assert auth.post(f"{base}/transition", {"command": "submit", "expected": "draft"}).status_code == 303
    page = auth.client.get(base).get_data(as_text=True)
    assert "Sign and approve" not in page and "You wrote or changed this version" in page
    refused = auth.post(f"{base}/transition", approve_form(db, doc))
    assert refused.status_code == 403 and "You wrote or changed this version" in refused.get_data(as_text=True)
    assert data.get_version(db, vid)["status"] == "in_review" and db["signatures"].count == 0
    # The history names B's rewrite, with what it changed.
    history = auth.client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert 'Version 1 draft changed <span class="muted">(body)</span> by Quinn Second' in history
    auth.logout()
    # A wrote it, so A cannot approve it either; C, who did neither, can.
    auth.login("qm.a")
    assert auth.post(f"{base}/transition", approve_form(db, doc)).status_code == 403
    auth.logout()
    auth.login("qm3.a")
    assert auth.post(f"{base}/transition", approve_form(db, doc)).status_code == 303
    approved = data.get_version(db, vid)
    assert approved["status"] == "effective" and approved["approved_by"] == qm3["id"]
    assert [a["display_name"] for a in approved["authors"]] == ["Qm.A", "Quinn Second"]
    assert "Qm.A, Quinn Second" in auth.client.get(base).get_data(as_text=True)


def test_every_change_to_a_draft_is_in_the_trail_and_makes_an_author(db, plant, doc, qm2):
    vid = version_ids(db, doc["id"])[1]
    data.save_draft(db, vid, title="Torque tightening v1", body=BODY, change_summary="First issue.",
                    by=qm2["id"])
    entries = [e for e in trail.entries_for(db, "document_version", vid) if e["action"] == "document.draft_edited"]
    assert [e["actor_id"] for e in entries] == [plant["qm"]["id"], qm2["id"]]
    details = json.loads(entries[-1]["payload"])
    assert details["changed"] == ["title"] and details["after"] == data.get_version(db, vid)["content_hash"]
    assert {a["id"] for a in data.get_version(db, vid)["authors"]} == {plant["qm"]["id"], qm2["id"]}
    submit(db, vid, plant["qm"])
    with pytest.raises(data.DocumentError) as exc:
        approve(db, vid, qm2)
    assert exc.value.status == 403 and "changed" in exc.value.message


def test_saving_a_draft_unchanged_makes_nobody_an_author(db, plant, doc, qm2):
    vid = version_ids(db, doc["id"])[1]
    before = db["audit_trail"].count
    version = data.get_version(db, vid)
    data.save_draft(db, vid, title=version["title"], body=version["body"], change_summary=version["change_summary"],
                    by=qm2["id"])
    assert db["audit_trail"].count == before
    assert [a["id"] for a in data.get_version(db, vid)["authors"]] == [plant["qm"]["id"]]
    submit(db, vid, plant["qm"])
    assert approve(db, vid, qm2)["status"] == "effective"


@pytest.mark.both_engines
def test_the_database_refuses_approval_by_any_author_and_keeps_the_authors(db, plant, doc, qm2):
    vid = version_ids(db, doc["id"])[1]
    data.save_draft(db, vid, title="Changed by B", body=BODY, change_summary="", by=qm2["id"])
    submit(db, vid, plant["qm"])
    with pytest.raises(dbm.IntegrityError, match="one of its authors"):
        db.conn.execute("UPDATE document_versions SET status = 'approved', approved_by = ? WHERE id = ?",
                        (qm2["id"], vid))
    with pytest.raises(dbm.IntegrityError, match="kept for the record"):
        db.conn.execute("DELETE FROM document_version_authors WHERE version_id = ?", (vid,))
    with pytest.raises(dbm.IntegrityError, match="only a draft"):
        db.conn.execute("INSERT INTO document_version_authors VALUES (?, ?, 'x', 'x')", (vid, plant["admin"]["id"]))


def test_upgrade_makes_each_version_s_author_its_first_author(tmp_path):
    old = dbm.connect(tmp_path / "old.sqlite3")
    dbm.migrate(old, target=8)
    site = stations.create_site(old, "OLD", "Old plant", "Europe/Paris")
    author = users.create_user(old, "writer", "Writer", PASSWORD, hash_method=FAST_HASH)
    other = users.create_user(old, "other", "Other", PASSWORD, hash_method=FAST_HASH)
    stamp = "'2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'dev'"
    old.conn.execute(f"INSERT INTO documents (id, code, title, kind, created_at, updated_at, origin)"
                     f" VALUES ('D1', 'SOP-1', 'Old', 'procedure', {stamp})")
    old.conn.execute("INSERT INTO document_sites VALUES ('D1', ?)", (site["id"],))
    old.conn.execute(f"INSERT INTO document_versions (id, document_id, version, status, title, content_hash,"
                     f" author_id, created_at, updated_at, origin) VALUES ('V1', 'D1', 1, 'in_review', 'Old', 'h', ?,"
                     f" {stamp})", (author["id"],))
    assert dbm.migrate(old) == [n for n, _, _ in dbm.migrations() if n > 8]
    assert [a["id"] for a in data.get_version(old, "V1")["authors"]] == [author["id"]]
    with pytest.raises(dbm.IntegrityError, match="author"):
        old.conn.execute("UPDATE document_versions SET status = 'approved', approved_by = ? WHERE id = 'V1'",
                         (author["id"],))
    old.conn.execute("UPDATE document_versions SET status = 'approved', approved_by = ? WHERE id = 'V1'",
                     (other["id"],))
    old.conn.close()


def test_a_wrong_approval_password_keeps_the_page_and_the_box(auth, db, plant, doc, qm2, qm3):
    # The approval form posts to the version's own address: a refusal is shown there (a reload shows the version
    # rather than posting again), with the box still ticked and the date kept; only the password is asked again.
    vid = version_ids(db, doc["id"])[1]
    base = f"/documents/{doc['id']}/versions/{vid}"
    auth.login("qm.a")
    assert auth.post(f"{base}/transition", {"command": "submit", "expected": "draft"}).status_code == 303
    auth.logout()
    auth.login("qm3.a")
    page = auth.client.get(base).get_data(as_text=True)
    assert f'<form method="post" action="{base}" class="stack doc-command doc-command-approve">' in page
    refused = auth.post(base, {**approve_form(db, doc), "password": "not-mine"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'name="confirm" value="yes" required checked' in body
    assert f'value="{approve_form(db, doc)["effective_date"]}"' in body
    assert data.get_version(db, vid)["status"] == "in_review"
    for n in range(4):
        auth.post(base, {**approve_form(db, doc), "password": f"guess-{n}"})
    assert auth.post(base, approve_form(db, doc)).status_code == 429  # the approval signature is throttled too
