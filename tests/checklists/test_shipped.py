"""The checklists that ship with the product: valid, complete, and together exercising every feature."""
import json
import re
from pathlib import Path

import pytest
import yaml

from fieldaudit.checklists import (QUESTION_TYPES, Checklist, build_checklist, load_checklist,
                                   shipped_checklist_paths, validate_command, validate_files)

FOLDER = Path(__file__).resolve().parents[2] / "checklists"
FILES = sorted(FOLDER.glob("*.yaml"))
EXPECTED = {"iso9001-internal", "5s-workplace", "lpa-assembly", "safety-walk", "supplier-audit"}


def load(name):
    """A shipped checklist by id."""
    return load_checklist(FOLDER / f"{name}.yaml")


def every_question():
    """(checklist, question) for every shipped question."""
    for path in FILES:
        checklist = load_checklist(path)
        for q in checklist.all_questions():
            yield checklist, q


def test_the_expected_files_ship():
    assert {p.stem for p in FILES} == EXPECTED
    assert shipped_checklist_paths() == FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_validates_and_is_named_by_its_id(path):
    assert validate_files([path]) == []
    checklist = load_checklist(path)
    assert checklist.id == path.stem
    assert checklist.version >= 1
    assert checklist.description


def test_validate_command_over_the_folder_succeeds():
    code, lines = validate_command([FOLDER])
    assert code == 0
    assert lines[-1] == f"all {len(FILES)} file(s) valid"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_model_round_trips_and_hash_is_stable(path):
    checklist = load_checklist(path)
    stored = json.loads(checklist.to_json())
    assert Checklist.from_dict(stored) == checklist
    assert build_checklist(stored) == checklist  # the stored form is itself valid input
    assert Checklist.from_dict(stored).content_hash() == checklist.content_hash()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_plain_yaml_readers_see_the_same_checklist(path):
    # Other tools read the files as YAML 1.1 (where a bare no is false): shipped files quote such answers.
    assert build_checklist(yaml.safe_load(path.read_text(encoding="utf-8"))) == load_checklist(path)


def test_together_they_cover_every_question_type():
    assert {q.type for _, q in every_question()} == set(QUESTION_TYPES)


@pytest.mark.parametrize("feature", [
    "allow_na", "labels", "scale", "option scores", "unit", "decimals", "min_photos>1", "optional", "weighted",
    "procedure", "show_if equals", "show_if in", "show_if on multi_choice", "show_if chain", "finding disabled",
    "finding list", "finding out_of_limits", "finding reason", "finding major", "finding ofi", "finding observation",
])
def test_together_they_exercise_every_feature(feature):
    questions = [q for _, q in every_question()]
    by_id = {q.id: q for q in questions}
    has = {
        "allow_na": lambda q: q.allow_na,
        "labels": lambda q: bool(q.labels),
        "scale": lambda q: q.type == "rating" and not q.labels,
        "option scores": lambda q: any(o.score is not None for o in q.options),
        "unit": lambda q: q.unit is not None,
        "decimals": lambda q: q.decimals is not None,
        "min_photos>1": lambda q: (q.min_photos or 0) > 1,
        "optional": lambda q: not q.required,
        "weighted": lambda q: q.weight != 1,
        "procedure": lambda q: q.procedure is not None,
        "show_if equals": lambda q: q.show_if is not None and len(q.show_if.values) == 1,
        "show_if in": lambda q: q.show_if is not None and len(q.show_if.values) > 1,
        "show_if on multi_choice": lambda q: q.show_if is not None and by_id[q.show_if.question].type == "multi_choice",
        "show_if chain": lambda q: q.show_if is not None and by_id[q.show_if.question].show_if is not None,
        "finding disabled": lambda q: q.type in ("yes_no", "pass_fail") and not q.finding,
        "finding list": lambda q: len(q.finding) > 1,
        "finding out_of_limits": lambda q: any(r.out_of_limits for r in q.finding),
        "finding reason": lambda q: any(r.reason for r in q.finding),
        "finding major": lambda q: any(r.severity == "major" for r in q.finding),
        "finding ofi": lambda q: any(r.severity == "ofi" for r in q.finding),
        "finding observation": lambda q: any(r.severity == "observation" for r in q.finding),
    }[feature]
    assert any(has(q) for q in questions)


def test_procedure_codes_look_like_document_codes():
    codes = {q.procedure for _, q in every_question() if q.procedure}
    assert {"WI-ASM-012", "SOP-QA-003"} <= codes
    assert all(re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", c) for c in codes), codes


def test_question_texts_are_unique_within_each_checklist():
    for path in FILES:
        texts = [q.text for q in load_checklist(path).all_questions()]
        assert len(texts) == len(set(texts)), path.name


def test_iso9001_internal_covers_clauses_4_to_10_with_guidance():
    checklist = load("iso9001-internal")
    questions = list(checklist.all_questions())
    assert checklist.standard == "ISO 9001:2015"
    assert len(questions) >= 45
    for q in questions:
        assert q.clause and re.fullmatch(r"(4|5|6|7|8|9|10)(\.\d+){1,3}", q.clause), (q.id, q.clause)
        assert q.guidance and len(q.guidance) >= 30, q.id
    assert {q.clause.split(".")[0] for q in questions} == {str(n) for n in range(4, 11)}
    # every main sub-clause a site is audited against has at least one question
    subclauses = {".".join(q.clause.split(".")[:2]) for q in questions}
    assert {"4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1", "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "7.5",
            "8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.7", "9.1", "9.2", "9.3", "10.1", "10.2", "10.3"} <= subclauses
    assert checklist.question("op-nc-segregation").finding[0].severity == "major"


def test_5s_has_the_five_s_with_ratings_and_photos():
    checklist = load("5s-workplace")
    assert [s.title for s in checklist.sections] == ["Sort", "Set in order", "Shine", "Standardise", "Sustain"]
    for section in checklist.sections:
        assert any(q.type == "rating" for q in section.questions), section.title
    assert sum(q.type == "photo" for q in checklist.all_questions()) >= 3
    assert checklist.question("sort-overview-photo").required


def test_lpa_has_pass_fail_torque_limits_and_follow_ups():
    checklist = load("lpa-assembly")
    types = {q.type for q in checklist.all_questions()}
    assert {"pass_fail", "numeric"} <= types
    torque = checklist.question("torque-value")
    assert (torque.unit, torque.min, torque.max) == ("Nm", 22, 26)
    assert torque.finding[0].out_of_limits and torque.finding[0].severity == "major"
    follow_ups = [q for q in checklist.all_questions() if q.show_if]
    assert len(follow_ups) >= 3
    assert any(checklist.question(q.show_if.question).type == "pass_fail" for q in follow_ups)


def test_safety_walk_has_na_photo_and_show_if():
    checklist = load("safety-walk")
    questions = list(checklist.all_questions())
    assert any(q.type == "yes_no" and q.allow_na for q in questions)
    photo = checklist.question("hazard-photos")
    assert photo.type == "photo" and photo.show_if.question == "hazard-found"


def test_supplier_audit_focuses_on_8_4_with_choices_and_a_date():
    checklist = load("supplier-audit")
    questions = list(checklist.all_questions())
    assert sum(1 for q in questions if q.clause and q.clause.startswith("8.4")) >= 8
    assert {"single_choice", "multi_choice", "date"} <= {q.type for q in questions}
    assert checklist.question("certificate-date").type == "date"
