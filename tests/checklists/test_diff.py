"""The diff between two checklist versions: questions added, removed, changed (with the properties), moved."""
from fieldaudit.checklists import build_checklist, diff

BASE = {"id": "walk", "version": 1, "title": "Walk", "sections": [
    {"title": "A", "questions": [
        {"id": "guard", "text": "Guard closed", "type": "yes_no"},
        {"id": "torque", "text": "Torque", "type": "numeric", "min": 20, "max": 24},
        {"id": "why", "text": "Why?", "type": "text", "show_if": {"question": "guard", "equals": "no"}}]},
    {"title": "B", "questions": [{"id": "shift", "text": "Shift", "type": "single_choice", "options": ["a", "b"]}]}]}


def version(**edits):
    data = {**BASE, "version": 2, "sections": [{**s, "questions": [dict(q) for q in s["questions"]]}
                                               for s in BASE["sections"]]}
    for change in edits.values():
        change(data)
    return build_checklist(data)


def test_the_same_content_has_no_changes():
    assert diff.compare(build_checklist(BASE), version()).empty


def test_added_removed_changed_and_moved_questions():
    def edit(data):
        a, b = data["sections"]
        a["questions"][1].update(max=25, unit="Nm")
        a["questions"][2]["show_if"] = {"question": "guard", "in": ["no", "yes"]}
        b["questions"][0] = {"id": "oil", "text": "No oil", "type": "pass_fail"}
        data["title"] = "Walk 2"
    changes = diff.compare(build_checklist(BASE), version(e=edit))
    assert changes.checklist == ["title"]
    assert changes.added == [("oil", "No oil")]
    assert changes.removed == [("shift", "Shift")]
    assert changes.changed == [("torque", "Torque", ["max", "unit"]), ("why", "Why?", ["show_if"])]
    assert not changes.moved and not changes.empty


def test_a_question_moved_to_another_section_and_sections_renamed():
    def edit(data):
        a, b = data["sections"]
        b["questions"].insert(0, a["questions"].pop(1))
    changes = diff.compare(build_checklist(BASE), version(e=edit))
    assert changes.moved == [("torque", "Torque", "A", "B")]
    assert changes.added == [] and changes.changed == []

    def rename(data):
        data["sections"][1]["title"] = "Later"  # its id is derived from the title, so it is another section
    changes = diff.compare(build_checklist(BASE), version(e=rename))
    assert changes.sections_added == ["Later"] and changes.sections_removed == ["B"]
    assert changes.moved == [("shift", "Shift", "B", "Later")]


def test_changed_properties_lists_keys_on_either_side():
    assert diff.changed_properties({"a": 1, "b": 2}, {"b": 3, "c": 4}) == ["a", "b", "c"]
