"""Draft checklist versions stay on the hub (migration 0023): an autosave logs nothing, publishing logs the
published row whole, a discarded draft logs nothing, and drafts logged before the migration are withdrawn."""
import json
from dataclasses import replace

from fieldaudit import db as dbm
from fieldaudit.checklists import drafts
from fieldaudit.sync import apply, outbox, tables
from tests.sync.helpers import rows

WELD = {"title": "Weld cell", "sections": [{"title": "Cell", "questions": [
    {"id": "guard", "text": "Guard closed", "type": "yes_no"}]}]}


def _logged(db):
    return dbm.query(db, "SELECT * FROM changes WHERE tbl = 'checklist_versions' ORDER BY seq")


def _as_before_0023(monkeypatch):
    """tables.py as it was when 0013–0020 landed: checklist_versions without the `local` rule."""
    old = replace(tables.BY_NAME["checklist_versions"], local=None)
    monkeypatch.setitem(tables.BY_NAME, "checklist_versions", old)


def test_an_upgraded_database_stops_logging_drafts_and_withdraws_the_ones_it_logged(tmp_path, monkeypatch):
    db = dbm.connect(tmp_path / "old.sqlite3")
    with monkeypatch.context() as before:
        _as_before_0023(before)
        dbm.migrate(db, target=22)
        draft = drafts.save_draft(db, "weld-cell", WELD, by=None)
        drafts.save_draft(db, "weld-cell", {**WELD, "title": "Weld cell 2"}, by=None)
    assert len(_logged(db)) >= 2  # the bug: every autosave went into the outbox
    before = len(_logged(db))
    assert 23 in dbm.migrate(db)
    withdrawn = _logged(db)[before:]
    assert [(c["op"], c["row_key"]) for c in withdrawn] == [("delete", draft["id"])]
    mark = len(_logged(db))
    drafts.save_draft(db, "weld-cell", {**WELD, "title": "Weld cell 3"}, by=None)  # an autosave
    other = drafts.save_draft(db, "paint-line", {**WELD, "title": "Paint line"}, by=None)
    drafts.discard_draft(db, other["id"], by=None)
    assert len(_logged(db)) == mark, "a draft's autosave or discard was logged"
    published = drafts.publish_draft(db, draft["id"], by=None)
    shared = _logged(db)[mark:]
    assert [(c["op"], c["row_key"]) for c in shared] == [("insert", draft["id"])]
    row = dbm.query_one(db, "SELECT * FROM checklist_versions WHERE id = ?", (draft["id"],))
    assert json.loads(shared[0]["data"]) == row and row["status"] == "published" and published["version"] == 1
    # A version published directly (the CLI import) is logged as it always was.
    from fieldaudit.checklists import build_checklist, store
    direct, _ = store.publish(db, build_checklist({**WELD, "id": "press", "version": 1}), by=None)
    assert [(c["op"], c["row_key"]) for c in _logged(db)[mark + 1:]] == [("insert", direct["id"])]


def test_a_device_never_gets_a_draft_and_gets_the_published_row_whole(tmp_path, monkeypatch):
    """The withdrawn and then published draft, replayed in order into a fresh database, arrives as published."""
    hub = dbm.connect(tmp_path / "hub.sqlite3")
    with monkeypatch.context() as before:
        _as_before_0023(before)
        dbm.migrate(hub, target=22)
        draft = drafts.save_draft(hub, "weld-cell", WELD, by=None)
    device = dbm.connect(tmp_path / "device.sqlite3")
    dbm.migrate(device)

    def pull(since):
        changes = [c for c in dbm.query(hub, "SELECT * FROM changes WHERE seq > ? ORDER BY seq", (since,))]
        with dbm.transaction(device), outbox.applying(device):
            for change in changes:
                apply.apply(device, outbox.row_of(change), hub=False)
        return changes[-1]["seq"] if changes else since

    cursor = pull(0)  # the device pulled the draft before the upgrade (the bug)
    assert rows(device, "checklist_versions")[0]["status"] == "draft"
    dbm.migrate(hub)
    cursor = pull(cursor)
    assert rows(device, "checklist_versions") == []  # withdrawn
    drafts.save_draft(hub, "weld-cell", {**WELD, "title": "Weld cell, final"}, by=None)
    cursor = pull(cursor)
    assert rows(device, "checklist_versions") == []  # autosaves do not travel
    drafts.publish_draft(hub, draft["id"], by=None)
    pull(cursor)
    assert rows(device, "checklist_versions") == rows(hub, "checklist_versions")
    assert rows(device, "checklist_versions")[0]["status"] == "published"
