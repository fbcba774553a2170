"""Checklist drafts: one per checklist, saved with a revision check, published through the CLI's validator."""
import json

import pytest

from fieldaudit import db as dbm
from fieldaudit import settings
from fieldaudit.checklists import ChecklistError, drafts, store

SMALL = {"title": "Press walk", "sections": [{"title": "Press", "questions": [
    {"id": "guard", "text": "Guard closed", "type": "yes_no"},
    {"id": "why", "text": "Why open?", "type": "text", "show_if": {"question": "guard", "equals": "no"}}]}]}


@pytest.fixture
def draft(db, plant):
    return drafts.save_draft(db, "press-walk", SMALL, by=plant["qm"]["id"])


def test_a_draft_may_be_invalid_and_is_kept_as_written(db, plant):
    row = drafts.save_draft(db, "wip", {"title": "WIP", "sections": [{"title": "A", "questions": [
        {"id": "Bad Id", "type": "nope"}]}]}, by=plant["qm"]["id"])
    _, head, data = drafts.get(db, row["id"])
    assert head["key"] == "wip" and data["sections"][0]["questions"][0]["type"] == "nope"
    assert {p.path for p in drafts.problems(db, row["id"])} >= {"sections[0].questions[0].id",
                                                                "sections[0].questions[0].type"}
    assert store.list_checklists(db, active_only=False) == []  # a draft is not offered to auditors


def test_publish_validates_with_the_cli_validator_and_keeps_the_draft_on_failure(db, plant, draft):
    drafts.save_draft(db, "press-walk", {**SMALL, "sections": [{"title": "Press", "questions": [
        {"id": "why", "text": "Why?", "type": "text", "show_if": {"question": "guard", "equals": "no"}},
        {"id": "guard", "text": "Guard", "type": "yes_no"}]}]}, by=None)
    with pytest.raises(ChecklistError) as error:
        drafts.publish_draft(db, draft["id"], by=plant["qm"]["id"])
    assert "comes later" in str(error.value)
    assert drafts.get(db, draft["id"])[0]["status"] == "draft"


def test_publish_makes_the_next_version_sealed_in_the_trail(db, plant, draft):
    row = drafts.publish_draft(db, draft["id"], by=plant["qm"]["id"])
    assert (row["version"], row["status"]) == (1, "published")
    assert store.load_version(db, row["id"]).question("why").show_if.question == "guard"
    again = drafts.new_version_from(db, row["id"], by=plant["qm"]["id"])
    assert json.loads(again["definition"])["version"] == 2
    assert drafts.publish_draft(db, again["id"], by=None)["version"] == 2
    from fieldaudit import integrity
    assert integrity._checklists(db) == []


def test_a_version_imported_while_a_draft_is_open_does_not_collide(db, plant, draft):
    from fieldaudit.checklists import build_checklist
    store.publish(db, build_checklist({**SMALL, "id": "press-walk", "version": 1}), by=None)
    assert drafts.publish_draft(db, draft["id"], by=None)["version"] == 2


@pytest.mark.both_engines
def test_published_versions_stay_immutable(db, plant, draft):
    row = drafts.publish_draft(db, draft["id"], by=None)
    for sql in ("UPDATE checklist_versions SET definition = '{}' WHERE id = ?",
                "UPDATE checklist_versions SET status = 'draft' WHERE id = ?",
                "DELETE FROM checklist_versions WHERE id = ?"):
        with pytest.raises(dbm.IntegrityError, match="immutable"):
            db.conn.execute(sql, (row["id"],))
    with pytest.raises(Exception, match="no longer exists"):
        drafts.save_draft(db, "press-walk", SMALL, by=None) and drafts.publish_draft(db, row["id"], by=None)


@pytest.mark.both_engines
def test_one_draft_per_checklist(db, plant, draft):
    row = drafts.publish_draft(db, draft["id"], by=None)
    drafts.new_version_from(db, row["id"], by=None)
    with pytest.raises(Exception, match="already has a draft"):
        drafts.new_version_from(db, row["id"], by=None)
    with pytest.raises(dbm.IntegrityError, match="UNIQUE|unique"):
        db.conn.execute("INSERT INTO checklist_versions (id, checklist_id, version, title, definition, content_hash,"
                        " question_count, status, created_at, updated_at, origin) VALUES ('x', ?, 7, 't', '{}', '',"
                        " 0, 'draft', 'n', 'n', 'o')", (row["checklist_id"],))


def test_a_save_from_a_stale_revision_is_refused_not_merged(db, plant, draft):
    first = drafts.save_draft(db, "press-walk", {**SMALL, "title": "Mine"}, by=plant["qm"]["id"],
                              revision=draft["revision"])
    with pytest.raises(drafts.DraftConflict, match="Qm.A changed this draft") as error:
        drafts.save_draft(db, "press-walk", {**SMALL, "title": "Theirs"}, by=None, revision=draft["revision"])
    assert error.value.status == 409
    assert drafts.get(db, draft["id"])[2]["title"] == "Mine"
    assert drafts.save_draft(db, "press-walk", SMALL, by=None, revision=first["revision"])["revision"] == 3
    with pytest.raises(drafts.DraftConflict):
        drafts.publish_draft(db, draft["id"], by=None, revision=first["revision"])


def test_discarding_a_never_published_draft_removes_the_checklist(db, plant, draft):
    drafts.discard_draft(db, draft["id"], by=None)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM checklists") == 0


def test_new_checklist_refuses_a_taken_id(db, plant, draft):
    with pytest.raises(Exception, match="already exists"):
        drafts.new_checklist(db, "press-walk", "Again", by=None)
    assert drafts.new_checklist(db, "", "Forklift check", by=None)["title"] == "Forklift check"
    assert store.get_checklist(db, drafts.list_drafts(db)[0]["checklist_id"])["key"] in ("forklift-check",
                                                                                        "press-walk")


def test_drafts_are_read_only_while_paired_with_a_hub(db, plant, draft):
    settings.put(db, "hub_url", "https://hub.example")
    with pytest.raises(store.PublishError, match="paired with a hub"):
        drafts.save_draft(db, "press-walk", SMALL, by=None)
    with pytest.raises(store.PublishError):
        drafts.publish_draft(db, draft["id"], by=None)
    with pytest.raises(store.PublishError):
        drafts.discard_draft(db, draft["id"], by=None)


def test_the_migration_upgrades_a_database_with_published_versions(tmp_path):
    from fieldaudit.checklists import build_checklist
    db = dbm.connect(tmp_path / "old.sqlite3")
    dbm.migrate(db, target=11)
    row, _ = store.publish(db, build_checklist({**SMALL, "id": "old", "version": 1}), by=None)
    dbm.migrate(db)
    assert dbm.query_one(db, "SELECT revision, edited_by FROM checklist_versions WHERE id = ?", (row["id"],)) \
        == {"revision": 0, "edited_by": None}
    assert drafts.new_version_from(db, row["id"], by=None)["revision"] == 1
