"""The builder's demo: a checklist with two published versions that differ, and a draft with one problem."""
from fieldaudit import demo, integrity
from fieldaudit.checklists import diff, drafts, store
from fieldaudit.demo import builder as demo_builder
from tests.factories import FAST_HASH


def test_demo_builder_content(db):
    demo.seed(db, hash_method=FAST_HASH)
    assert demo_builder.seed_builder(db) == 2
    assert demo_builder.seed_builder(db) == 0
    forklift = store.find_checklist(db, "forklift-check")
    new, old = store.list_versions(db, forklift["id"])
    changes = diff.compare(store.load_version(db, old["id"]), store.load_version(db, new["id"]))
    assert changes.added == [("battery", "Battery charge at start of shift")]
    assert {qid for qid, _, _ in changes.changed} == {"horn", "tyres"}
    [draft] = drafts.list_drafts(db)
    assert draft["key"] == "weld-cell-start" and draft["edited_by_name"] == "Łukasz Nowak"
    assert [p.path for p in drafts.problems(db, draft["id"])] == ["sections[0].questions[1].options"]
    assert integrity._checklists(db) == []
