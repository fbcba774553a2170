"""The builder's edits on a draft definition, and the validator's problem paths mapped back to builder fields."""
import pytest
from werkzeug.datastructures import MultiDict

from fieldaudit.checklists import editing
from fieldaudit.checklists.loader import Problem

DATA = {"title": "T", "sections": [
    {"title": "A", "questions": [{"id": "guard", "text": "Guard", "type": "yes_no", "allow_na": True},
                                 {"id": "why", "text": "Why", "type": "text"}]},
    {"title": "B", "questions": [{"id": "shift", "text": "Shift", "type": "single_choice",
                                  "options": ["early", {"value": "late", "label": "Late", "score": 0.5}]}]}]}


def ids(data):
    return [[q["id"] for q in s["questions"]] for s in data["sections"]]


def test_structure_edits_leave_the_original_alone():
    moved = editing.apply(DATA, "move_question", {"section": "0", "question": "1", "to_section": "1", "to": "0"})
    assert ids(moved) == [["guard"], ["why", "shift"]] and ids(DATA) == [["guard", "why"], ["shift"]]
    copied = editing.apply(DATA, "duplicate_question", {"section": "0", "question": "0"})
    assert ids(copied) == [["guard", "guard-copy", "why"], ["shift"]]
    assert ids(editing.apply(copied, "duplicate_question", {"section": "0", "question": "0"}))[0][1] == "guard-copy-2"
    added = editing.apply(DATA, "add_question", {"section": "1", "type": "multi_choice"})
    assert added["sections"][1]["questions"][1] == {"id": "q", "text": "New question", "type": "multi_choice",
                                                    "options": ["first", "second"]}
    assert ids(editing.apply(DATA, "move_section", {"section": "1", "to": "0"})) == [["shift"], ["guard", "why"]]
    assert ids(editing.apply(DATA, "delete_section", {"section": "0"})) == [["shift"]]
    with pytest.raises(IndexError):
        editing.apply(DATA, "delete_question", {"section": "0", "question": "5"})
    with pytest.raises(ValueError):
        editing.apply(DATA, "add_question", {"section": "0", "type": "yesno"})


def test_a_question_form_is_written_as_the_yaml_holds_it():
    form = MultiDict({"id": "shift", "text": " Shift ", "type": "single_choice", "required_shown": "1",
                      "weight": "2,5", "clause": "8.10", "options": "early\nlate | Late | 0.5\n\n",
                      "show_if_question": "guard", "finding_mode": "custom", "finding_when_late": "minor"})
    form.add("show_if_values", "no")
    form.add("show_if_values", "na")
    q = editing.question_from_form({"type": "single_choice"}, form)
    assert q == {"id": "shift", "text": "Shift", "type": "single_choice", "clause": "8.10", "required": False,
                 "weight": 2.5, "options": ["early", {"value": "late", "label": "Late", "score": 0.5}],
                 "show_if": {"question": "guard", "in": ["no", "na"]},
                 "finding": [{"when": ["late"], "severity": "minor"}]}
    assert editing.options_text(q) == "early\nlate | Late | 0.5"


def test_changing_the_type_drops_the_old_types_keys_and_rules():
    old = {"id": "t", "text": "T", "type": "numeric", "min": 1, "finding": {"out_of_limits": "major"}}
    q = editing.question_from_form(old, MultiDict({"id": "t", "text": "T", "type": "yes_no", "min": "1",
                                                   "finding_mode": "custom"}))
    assert q == {"id": "t", "text": "T", "type": "yes_no"}


def test_a_value_that_is_not_a_number_is_kept_for_the_validator():
    q = editing.question_from_form({"type": "numeric"}, MultiDict({"id": "n", "text": "N", "type": "numeric",
                                                                   "min": "abc", "max": "12"}))
    assert (q["min"], q["max"]) == ("abc", 12)


def test_answers_and_earlier_controllers():
    assert editing.answers_of(DATA["sections"][0]["questions"][0]) == ["yes", "no", "na"]
    assert editing.answers_of({"type": "rating", "labels": ["bad", "ok", "good"]}) == ["1", "2", "3"]
    assert editing.answers_of({"type": "rating", "scale": {"min": 0, "max": 3}}) == ["0", "1", "2", "3"]
    assert editing.answers_of(DATA["sections"][1]["questions"][0]) == ["early", "late"]
    assert editing.answers_of({"type": "text"}) == []
    assert [q["id"] for q in editing.earlier_controllers(DATA, 1, 0)] == ["guard"]
    assert editing.earlier_controllers(DATA, 0, 0) == []


def test_problem_paths_map_to_the_builder_field():
    problems = [Problem("f", "sections[1].questions[0].options[1].score", "bad score"),
                Problem("f", "sections[0].questions[1].show_if.equals", "bad answer"),
                Problem("f", "sections[0].title", "missing"), Problem("f", "sections[2]", "not a mapping"),
                Problem("f", "title", "missing title"), Problem("f", "", "empty")]
    assert editing.problem_places(problems) == {
        ("question", 1, 0, "options"): ["bad score"], ("question", 0, 1, "show_if"): ["bad answer"],
        ("section", 0, "title"): ["missing"], ("section", 2, ""): ["not a mapping"],
        ("checklist", "title"): ["missing title"], ("checklist", ""): ["empty"]}


def test_a_finding_rules_reason_is_written_changed_and_cleared_from_the_form():
    old = {"id": "g", "text": "Guard", "type": "yes_no",
           "finding": [{"when": ["no"], "severity": "major", "reason": "Guard missing"}]}
    base = {"id": "g", "text": "Guard", "type": "yes_no", "finding_mode": "custom", "finding_when_no": "major"}
    assert editing.finding_reasons(old) == {"major": "Guard missing"}
    kept = editing.question_from_form(old, MultiDict(base))
    assert kept["finding"] == [{"when": ["no"], "severity": "major", "reason": "Guard missing"}]
    changed = editing.question_from_form(old, MultiDict({**base, "finding_reason_major": " Guard off the press "}))
    assert changed["finding"] == [{"when": ["no"], "severity": "major", "reason": "Guard off the press"}]
    cleared = editing.question_from_form(old, MultiDict({**base, "finding_reason_major": ""}))
    assert cleared["finding"] == [{"when": ["no"], "severity": "major"}]
    limits = editing.question_from_form({"type": "numeric", "finding": {"out_of_limits": "minor"}}, MultiDict(
        {"id": "t", "text": "T", "type": "numeric", "finding_mode": "custom", "finding_out_of_limits": "minor",
         "finding_reason_minor": "Torque out of range"}))
    assert limits["finding"] == {"out_of_limits": "minor", "reason": "Torque out of range"}
