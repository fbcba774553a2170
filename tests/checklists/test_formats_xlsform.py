"""XLSForm import: real forms written as ODK's docs write them, mapped question by question; the rest listed."""
import pytest

from fieldaudit.checklists import ChecklistError, build_checklist
from fieldaudit.checklists.formats import read_any, read_with_notes

from .xlsform_fixtures import HOUSEHOLD, INSPECTION, PIZZA, xlsform


def imported(form):
    """(checklist, notes as text) of a fixture form."""
    result = read_with_notes(xlsform(**form), "form.xlsx")
    assert result.kind == "xlsform"
    return build_checklist(result.data), [str(n) for n in result.notes]


def test_pizza_form_maps_selects_hint_required_and_relevant():
    checklist, notes = imported(PIZZA)
    assert (checklist.id, checklist.title, checklist.version) == ("pizza-survey", "Pizza survey", 1)
    likes, toppings, why = checklist.all_questions()
    assert (likes.id, likes.type, likes.required) == ("likes_pizza", "single_choice", True)
    assert [(o.value, o.label) for o in likes.options] == [("yes", "Yes"), ("no", "No")]
    assert toppings.type == "multi_choice" and not toppings.required
    assert [o.value for o in toppings.options] == ["cheese", "pepperoni", "sausage"]
    assert (toppings.show_if.question, toppings.show_if.values) == ("likes_pizza", ("yes",))
    assert (why.type, why.guidance, why.show_if.values) == ("text", "Be honest", ("no",))
    assert notes == []


def test_inspection_form_maps_groups_constraints_photos_dates_notes_and_languages():
    checklist, notes = imported(INSPECTION)
    assert checklist.id == "safety-inspection" and checklist.title == "Safety inspection"
    assert [(s.id, s.title) for s in checklist.sections] == [("site", "Site"), ("checks", "Checks")]
    q = {q.id: q for q in checklist.all_questions()}
    assert list(q) == ["visit_date", "area", "ppe_worn", "people_without", "noise", "photo", "hazards",
                       "hazard_detail"]
    assert (q["visit_date"].type, q["visit_date"].required) == ("date", True)
    assert [o.label for o in q["area"].options] == ["Assembly", "Press shop"]  # the default language
    assert q["ppe_worn"].guidance == "Look at every person in the area\nHelmet, glasses, shoes"  # note + hint
    people = q["people_without"]
    assert (people.type, people.min, people.max, people.decimals) == ("numeric", 0, 50, 0)
    assert (people.show_if.question, people.show_if.values) == ("ppe_worn", ("no",))
    assert (q["noise"].min, q["noise"].max, q["noise"].decimals) == (60, 85, None)
    assert q["photo"].type == "photo"
    assert q["hazards"].type == "multi_choice"
    assert q["hazard_detail"].show_if.values == ("spill", "blocked_exit")  # selected() or selected()
    assert notes == [
        "survey row 2, site: appearance 'field-list' of the group not imported",
        "survey row 4, area: appearance 'minimal' not imported",
        "survey row 9, people_without: constraint_message 'Between 0 and 50' not imported",
        "settings: labels in 2 languages; imported 'English (en)'",
        "settings: form version '2024031501' not used: FieldAudit numbers the versions of a checklist itself",
    ]


def test_what_does_not_map_is_listed_question_by_question():
    checklist, notes = imported(HOUSEHOLD)
    assert [q.id for q in checklist.all_questions()] == ["members", "owns", "rooms"]
    assert checklist.question("members").min == 1  # '. > 0' of an integer is '>= 1'
    assert checklist.question("owns").show_if is None
    listed = {note.split(":")[0] for note in notes}
    assert listed == {"survey row 2, start", "survey row 3, today", "survey row 5, member",
                      "survey row 6, member_name", "survey row 7, member_age", "survey row 9, adults",
                      "survey row 10, location", "survey row 11, owns", "survey row 12, rooms",
                      "survey row 13, thanks"}
    text = "\n".join(notes)
    assert "calculations have no FieldAudit equivalent" in text
    assert "member_age: integer inside repeat 'member': not imported" in text
    assert "type 'geopoint' has no FieldAudit equivalent" in text
    assert "relevant '${members} > 2 and ${members} < 9' not kept" in text
    assert "constraint '. != 0' not kept" in text


def test_read_any_gives_the_same_data_without_the_notes():
    assert read_any(xlsform(**HOUSEHOLD), "h.xlsx") == read_with_notes(xlsform(**HOUSEHOLD), "h.xlsx").data


def test_relevant_on_a_later_or_a_numeric_question_is_listed_not_guessed():
    form = xlsform([("type", "name", "label", "relevant"),
                    ("text", "early", "Early", "${late} = 'x'"),
                    ("select_one yn", "late", "Late", ""),
                    ("integer", "count", "Count", ""),
                    ("text", "more", "More", "${count} = 3")],
                   [("list_name", "name", "label"), ("yn", "x", "X"), ("yn", "y", "Y")])
    result = read_with_notes(form, "f.xlsx")
    assert all("show_if" not in q for q in result.data["sections"][0]["questions"])
    text = "\n".join(map(str, result.notes))
    assert "survey row 2, early: relevant \"${late} = 'x'\" not kept (it refers to 'late', which is not an " \
           "earlier imported question)" in text
    assert "survey row 5, more: relevant '${count} = 3' not kept (it refers to 'count', a numeric question" in text


def test_a_form_pyxform_rejects_gives_pyxforms_message_at_its_row_and_nothing_imported():
    form = xlsform([("type", "name", "label"), ("text", "a", "A"), ("select_one missing", "b", "B")],
                   [("list_name", "name", "label"), ("yn", "yes", "Yes")])
    with pytest.raises(ChecklistError) as caught:
        read_any(form, "bad.xlsx")
    problem = caught.value.problems[0]
    assert (problem.sheet, problem.row) == ("survey", 3)
    assert problem.message.startswith("pyxform rejects the form:") and "missing" in problem.message


def test_an_unclosed_group_is_rejected_by_pyxform():
    form = xlsform([("type", "name", "label"), ("begin_group", "g", "G"), ("text", "a", "A")])
    with pytest.raises(ChecklistError) as caught:
        read_any(form, "bad.xlsx")
    assert "pyxform rejects the form" in str(caught.value) and "group" in str(caught.value).lower()


def test_a_form_whose_questions_all_fail_to_map_is_refused_with_the_reason():
    form = xlsform([("type", "name", "label", "calculation"), ("calculate", "c", "", "1+1")])
    with pytest.raises(ChecklistError) as caught:
        read_any(form, "calc.xlsx")
    assert "no question of the form could be imported: survey row 2, c: calculations" in str(caught.value)
