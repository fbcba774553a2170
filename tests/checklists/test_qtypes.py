"""The question-type registry: one entry per type, and everything that lists types derives from it."""
import json
from pathlib import Path

import pytest

from fieldaudit.checklists import QUESTION_TYPES, AnswerError, ChecklistError, Problem, build_checklist, qtypes
from fieldaudit.checklists.store import PublishError
from fieldaudit.refusal import Refusal

ROOT = Path(__file__).resolve().parents[2]


def test_question_types_are_the_registry_in_order():
    assert QUESTION_TYPES == tuple(qtypes.REGISTRY)
    assert QUESTION_TYPES[:9] == ("yes_no", "pass_fail", "rating", "numeric", "text", "single_choice",
                                  "multi_choice", "photo", "date")
    assert "defects" in QUESTION_TYPES


@pytest.mark.parametrize("name", QUESTION_TYPES)
def test_every_type_has_its_partial(name):
    entry = qtypes.get(name)
    assert entry.template == f"audits/questions/{name}.html"
    assert (ROOT / "templates" / entry.template).is_file()


@pytest.mark.parametrize("name", QUESTION_TYPES)
def test_describe_is_json_and_pure(name):
    first = qtypes.describe(name)
    assert json.loads(json.dumps(first)) == first
    assert qtypes.describe(name) == first and first is not qtypes.describe(name)
    assert first["type"] == name
    assert set(first["operators"]) <= {"when", "out_of_limits"}
    assert first["finite"] == ("when" in first["operators"])


def test_describe_names_keys_choices_scoring_and_operators():
    yes_no = qtypes.describe("yes_no")
    assert yes_no["fixed_answers"] == ["yes", "no"] and yes_no["operators"] == ["when"]
    assert [k["name"] for k in yes_no["keys"]] == ["allow_na"] and yes_no["keys"][0]["default"] is False
    defects = qtypes.describe("defects")
    assert [(k["name"], k["required"]) for k in defects["keys"]] == [("samples", True), ("max_defects", False)]
    assert defects["operators"] == ["out_of_limits"] and "proportional" in defects["scoring"]
    assert qtypes.describe("photo")["photos"] is True
    assert qtypes.describe("multi_choice")["list_input"] is True
    assert [d["type"] for d in qtypes.describe_all()] == list(QUESTION_TYPES)


def test_the_docs_table_is_the_registry():
    doc = (ROOT / "docs" / "CHECKLIST_FORMAT.md").read_text(encoding="utf-8")
    assert qtypes.docs_table() in doc
    assert f"allowed: {', '.join(QUESTION_TYPES)};" in doc


def test_type_keys_come_from_the_entries():
    keys = qtypes.type_keys()
    assert keys["numeric"] == ("unit", "min", "max", "decimals")
    assert keys["defects"] == ("samples", "max_defects")
    assert qtypes.with_operator("out_of_limits") == ("numeric", "defects")


def test_a_question_reads_only_its_own_settings():
    checklist = build_checklist({"id": "d", "version": 1, "title": "D", "sections": [{"title": "S", "questions": [
        {"id": "n", "text": "N", "type": "numeric", "unit": "mm", "max": 3},
        {"id": "y", "text": "Y", "type": "yes_no"}]}]})
    numeric, yes_no = checklist.question("n"), checklist.question("y")
    assert (numeric.unit, numeric.max, numeric.min, numeric.options, numeric.allow_na) == ("mm", 3, None, (), False)
    assert yes_no.unit is None and yes_no.samples is None and yes_no.kind is qtypes.get("yes_no")
    with pytest.raises(AttributeError):
        numeric.no_such_setting  # noqa: B018


# -- checklist errors are refusals ---------------------------------------------------------------------------

def test_checklist_errors_are_refusals_with_their_status():
    assert issubclass(AnswerError, Refusal) and AnswerError("Enter a number.").status == 422
    error = ChecklistError([Problem("a.yaml", "id", "missing 'id'", 3), Problem("a.yaml", "", "bad")])
    assert isinstance(error, Refusal) and error.status == 422
    assert error.message == "a.yaml:3: id: missing 'id'\na.yaml: bad" == str(error)
    assert len(error.problems) == 2
    assert issubclass(PublishError, Refusal) and PublishError("x").status == 409
