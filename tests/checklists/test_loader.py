"""The YAML loader and validator: every problem named by path, line and fix, all at once, never a traceback."""
import copy
import json
from pathlib import Path

import pytest
import yaml

from fieldaudit.checklists import (QUESTION_TYPES, Checklist, ChecklistError, FindingRule, Problem, build_checklist,
                                   load_checklist, parse_checklist, validate_command, validate_files)

BASE = {
    "id": "demo",
    "version": 1,
    "title": "Demo",
    "sections": [
        {"title": "Main", "questions": [
            {"id": "guard", "text": "Guard fitted?", "type": "yes_no"},
            {"id": "torque", "text": "Torque", "type": "numeric", "unit": "Nm", "min": 22, "max": 26},
            {"id": "colour", "text": "Colour", "type": "single_choice", "options": ["red", "blue"]},
        ]},
        {"title": "Second", "questions": [
            {"id": "rate", "text": "Rate it", "type": "rating"},
        ]},
    ],
}


def problems_for(data):
    """The problems build_checklist reports for data (none if it is valid)."""
    try:
        build_checklist(data, "f.yaml")
    except ChecklistError as exc:
        return exc.problems
    return []


def with_question(**fields):
    """BASE with one more question at sections[0].questions[3]."""
    data = copy.deepcopy(BASE)
    data["sections"][0]["questions"].append({"id": "extra", "text": "Extra", **fields})
    return data


def changed(path, value):
    """BASE with the value at a dotted path (list indexes as numbers) replaced, or deleted when value is DELETE."""
    data = copy.deepcopy(BASE)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = data
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return data


DELETE = object()
Q = "sections[0].questions[3]"

CASES = [
    # (data, path, message fragments)
    (["a list"], "", ["the top level must be a mapping with id, version, title and sections, not a list"]),
    (changed("title", DELETE), "title", ["missing 'title'; give a non-empty text"]),
    (changed("title", "  "), "title", ["'title' is empty"]),
    (changed("title", ["x"]), "title", ["'title' must be text, not a list"]),
    (changed("id", DELETE), "id", ["missing 'id'"]),
    (changed("id", "ISO 9001"), "id",
     ["'ISO 9001' is not a valid checklist id", "lowercase letters", "e.g. 'iso-9001'"]),
    (changed("version", 0), "version", ["'version' must be a positive whole number (1, 2, ...), not the number 0"]),
    (changed("version", "2"), "version", ["positive whole number", "not text '2'"]),
    (changed("version", True), "version", ["positive whole number", "not true"]),
    (changed("version", 1.5), "version", ["positive whole number"]),
    (changed("version", DELETE), "version", ["missing 'version'; give a positive whole number, e.g. version: 1"]),
    (changed("titel", "x"), "titel", ["unknown key 'titel' in a checklist", "did you mean 'title'?"]),
    (changed("sections", DELETE), "sections", ["missing 'sections'"]),
    (changed("sections", []), "sections", ["'sections' is empty; give at least one section"]),
    (changed("sections", {"a": 1}), "sections", ["must be a list of sections", "not a mapping"]),
    (changed("sections.1", "Second"), "sections[1]", ["each section must be a mapping", "not text 'Second'"]),
    (changed("sections.1.title", DELETE), "sections[1].title", ["missing 'title'"]),
    (changed("sections.1.id", "Second Part"), "sections[1].id", ["not a valid section id", "'second-part'"]),
    (changed("sections.1.questions", []), "sections[1].questions", ["'questions' is empty"]),
    (changed("sections.1.questions", DELETE), "sections[1].questions", ["missing 'questions'"]),
    (changed("sections.1.qestions", []), "sections[1].qestions",
     ["unknown key 'qestions'", "did you mean 'questions'?"]),
    (changed("sections.1.title", "Main"), "sections[1].id",
     ["duplicate section id 'main' (derived from the title", "also used at sections[0]"]),
    (changed("sections.0.questions.0", "guard"), "sections[0].questions[0]", ["each question must be a mapping"]),
    (changed("sections.0.questions.0.id", DELETE), "sections[0].questions[0].id", ["missing 'id'"]),
    (changed("sections.0.questions.0.id", "Guard!"), "sections[0].questions[0].id",
     ["not a valid question id", "'guard'"]),
    (changed("sections.0.questions.0.text", DELETE), "sections[0].questions[0].text", ["missing 'text'"]),
    (changed("sections.0.questions.0.type", DELETE), "sections[0].questions[0].type",
     ["missing 'type'; allowed: yes_no, pass_fail, rating"]),
    (changed("sections.0.questions.0.type", "yesno"), "sections[0].questions[0].type",
     [f"unknown question type 'yesno'; allowed: {', '.join(QUESTION_TYPES)}; did you mean 'yes_no'?",
      "allowed: yes_no, pass_fail, rating, numeric, text, single_choice, multi_choice, photo, date, defects;"]),
    (changed("sections.1.questions.0.id", "guard"), "sections[1].questions[0].id",
     ["duplicate question id 'guard': also used at sections[0].questions[0]", "unique in the whole checklist"]),
    (with_question(type="yes_no", gudance="x"), f"{Q}.gudance",
     ["unknown key 'gudance' in yes_no questions", "did you mean 'guidance'?"]),
    (with_question(type="yes_no", unit="mm"), f"{Q}.unit",
     ["'unit' does not apply to yes_no questions; it is for numeric questions"]),
    (with_question(type="text", options=["a", "b"]), f"{Q}.options", ["it is for single_choice, multi_choice"]),
    (with_question(type="yes_no", required="yes"), f"{Q}.required",
     ["'required' must be true or false, not text 'yes'"]),
    (with_question(type="yes_no", allow_na="sometimes"), f"{Q}.allow_na", ["must be true or false"]),
    (with_question(type="yes_no", weight=-1), f"{Q}.weight", ["'weight' must be at least 0, not -1"]),
    (with_question(type="yes_no", weight="heavy"), f"{Q}.weight", ["'weight' must be a number, not text 'heavy'"]),
    (with_question(type="yes_no", clause=["8.5"]), f"{Q}.clause", ["'clause' must be text, not a list"]),
    (with_question(type="yes_no", procedure="WI ASM 12"), f"{Q}.procedure",
     ["'WI ASM 12' is not a document code", "e.g. 'WI-ASM-012'"]),
    (with_question(type="rating", scale={"min": 5, "max": 1}), f"{Q}.scale",
     ["the scale's min (5) must be below its max (1)"]),
    (with_question(type="rating", scale={"min": 3, "max": 3}), f"{Q}.scale", ["must be below its max"]),
    (with_question(type="rating", scale={"min": 0, "max": 20}), f"{Q}.scale", ["21 steps is too long; use at most 11"]),
    (with_question(type="rating", scale=5), f"{Q}.scale", ["'scale' must be a mapping like {min: 1, max: 5}"]),
    (with_question(type="rating", scale={"min": 1.5, "max": 5}), f"{Q}.scale.min", ["must be a whole number"]),
    (with_question(type="rating", scale={"lo": 1, "max": 5}), f"{Q}.scale.lo",
     ["unknown key 'lo'", "allowed: min, max"]),
    (with_question(type="rating", labels=["Only"]), f"{Q}.labels", ["a list of 2 to 11 texts", "not 1 item(s)"]),
    (with_question(type="rating", labels=["Bad", "bad"]), f"{Q}.labels[1]", ["duplicate label 'bad'"]),
    (with_question(type="rating", labels=["Bad", "Good"], scale={"min": 1, "max": 2}), f"{Q}.labels",
     ["either 'scale' or 'labels', not both"]),
    (with_question(type="numeric", min=10, max=2), f"{Q}.min", ["min (10) is greater than max (2); swap them"]),
    (with_question(type="numeric", min="low"), f"{Q}.min", ["'min' must be a number, not text 'low'"]),
    (with_question(type="numeric", decimals=9), f"{Q}.decimals", ["between 0 and 6, not 9"]),
    (with_question(type="numeric", decimals=-1), f"{Q}.decimals", ["at least 0, not -1"]),
    (with_question(type="numeric", unit=5.5), None, []),  # numbers are fine as text: unit '5.5'
    (with_question(type="single_choice"), f"{Q}.options",
     ["single_choice questions need 'options': a list of at least two choices"]),
    (with_question(type="multi_choice", options=["only"]), f"{Q}.options", ["at least two choices, not 1"]),
    (with_question(type="single_choice", options=["a", "b", "a"]), f"{Q}.options[2]",
     ["duplicate option value 'a': also at sections[0].questions[3].options[0]"]),
    (with_question(type="single_choice", options=["a", {"label": "B"}]), f"{Q}.options[1].value", ["missing 'value'"]),
    (with_question(type="single_choice", options=["a", {"value": "b", "points": 1}]), f"{Q}.options[1].points",
     ["unknown key 'points' in an option", "allowed: value, label, score"]),
    (with_question(type="single_choice", options=["a", {"value": "b", "score": 2}]), f"{Q}.options[1].score",
     ["the fraction of the weight earned, from 0 to 1, not 2"]),
    (with_question(type="multi_choice", options=["a", {"value": "b", "score": 1}]), f"{Q}.options[1].score",
     ["only count for single_choice"]),
    (with_question(type="single_choice", options=["a", True]), f"{Q}.options[1]",
     ["an option must be a text or a mapping", "not true", "quote yes/no"]),
    (with_question(type="photo", min_photos=0), f"{Q}.min_photos",
     ["'min_photos' must be at least 1, not 0; to make photos optional write required: false"]),
    (with_question(type="photo", min_photos="two"), f"{Q}.min_photos", ["must be a whole number"]),
    (with_question(type="yes_no", show_if={"question": "nope", "equals": "yes"}), f"{Q}.show_if.question",
     ["show_if refers to unknown question 'nope'"]),
    (with_question(type="yes_no", show_if={"question": "gaurd", "equals": "yes"}), f"{Q}.show_if.question",
     ["unknown question 'gaurd'; did you mean 'guard'?"]),
    (with_question(type="yes_no", show_if={"question": "rate", "equals": 1}), f"{Q}.show_if.question",
     ["show_if refers to 'rate', which comes later (at sections[1].questions[0])", "earlier one"]),
    (with_question(type="yes_no", show_if={"question": "extra", "equals": "yes"}), f"{Q}.show_if.question",
     ["a question cannot depend on itself"]),
    (with_question(type="yes_no", show_if={"question": "torque", "equals": 3}), f"{Q}.show_if.question",
     ["show_if can only depend on a yes_no, pass_fail, rating, single_choice, multi_choice question; "
      "'torque' is numeric"]),
    (with_question(type="yes_no", show_if={"question": "guard", "equals": "maybe"}), f"{Q}.show_if.equals",
     ["'maybe' is not a possible answer of question 'guard' (yes_no); allowed: yes, no"]),
    (with_question(type="yes_no", show_if={"question": "guard", "equals": "na"}), f"{Q}.show_if.equals",
     ["'na' is not a possible answer", "allowed: yes, no"]),
    (with_question(type="yes_no", show_if={"question": "colour", "in": ["red", "green"]}), f"{Q}.show_if.in[1]",
     ["'green' is not a possible answer of question 'colour' (single_choice); allowed: red, blue"]),
    (with_question(type="yes_no", show_if={"question": "guard", "equals": "yes", "in": ["no"]}), f"{Q}.show_if",
     ["give exactly one of 'equals: VALUE' or 'in: [VALUES]'"]),
    (with_question(type="yes_no", show_if={"question": "guard"}), f"{Q}.show_if", ["exactly one of"]),
    (with_question(type="yes_no", show_if={"question": "guard", "in": "yes"}), f"{Q}.show_if.in",
     ["'in' must be a list of answers"]),
    (with_question(type="yes_no", show_if={"question": "guard", "equals": ["yes"]}), f"{Q}.show_if.equals",
     ["'equals' takes one answer; for several write 'in: [A, B]'"]),
    (with_question(type="yes_no", show_if={"question": "guard", "in": []}), f"{Q}.show_if.in", ["missing 'in'"]),
    (with_question(type="yes_no", show_if="guard"), f"{Q}.show_if", ["must be a mapping like {question: ID"]),
    (with_question(type="yes_no", show_if={"question": "guard", "equal": "yes"}), f"{Q}.show_if.equal",
     ["unknown key 'equal' in show_if", "did you mean 'equals'?"]),
    (with_question(type="yes_no", show_if={"equals": "yes"}), f"{Q}.show_if.question", ["missing 'question'"]),
    (with_question(type="yes_no", finding={"when": "no", "severity": "critical"}), f"{Q}.finding.severity",
     ["unknown severity 'critical'; allowed: major, minor, observation, ofi"]),
    (with_question(type="yes_no", finding={"when": "no", "severity": "majr"}), f"{Q}.finding.severity",
     ["did you mean 'major'?"]),
    (with_question(type="yes_no", finding={"when": "no"}), f"{Q}.finding.severity", ["missing severity"]),
    (with_question(type="yes_no", finding={"severity": "minor"}), f"{Q}.finding.when",
     ["missing 'when'; name the answer(s), allowed: yes, no"]),
    (with_question(type="yes_no", finding={"when": "maybe", "severity": "minor"}), f"{Q}.finding.when",
     ["'maybe' is not a possible answer of question 'extra' (yes_no); allowed: yes, no"]),
    (with_question(type="rating", finding={"when": [0, 1], "severity": "major"}), f"{Q}.finding.when[0]",
     ["'0' is not a possible answer", "allowed: 1-5"]),
    (with_question(type="rating", labels=["Bad", "Good"], finding={"when": ["Awful"], "severity": "major"}),
     f"{Q}.finding.when[0]", ["allowed: 1 (Bad), 2 (Good)"]),
    (with_question(type="single_choice", options=["a", "b"], finding={"when": "c", "severity": "minor"}),
     f"{Q}.finding.when", ["allowed: a, b"]),
    (with_question(type="text", finding={"when": "x", "severity": "minor"}), f"{Q}.finding",
     ["text questions cannot propose findings; remove 'finding'"]),
    (with_question(type="numeric", max=5, finding={"when": 7, "severity": "minor"}), f"{Q}.finding",
     ["numeric questions propose findings with {out_of_limits: SEVERITY}"]),
    (with_question(type="numeric", finding={"out_of_limits": "major"}), f"{Q}.finding",
     ["out_of_limits needs a limit; give the question 'min' and/or 'max'"]),
    (with_question(type="numeric", max=5, finding={"out_of_limits": "huge"}), f"{Q}.finding.out_of_limits",
     ["unknown severity 'huge'"]),
    (with_question(type="yes_no", finding={"out_of_limits": "major"}), f"{Q}.finding.out_of_limits",
     ["out_of_limits is only for numeric and defects questions"]),
    (with_question(type="yes_no", finding="minor"), f"{Q}.finding",
     ["'finding' must be a rule such as {when: \"no\", severity: minor}, a list of rules, or false"]),
    (with_question(type="yes_no", finding=["minor"]), f"{Q}.finding[0]", ["a finding rule must be a mapping"]),
    (with_question(type="yes_no", finding={"when": "no", "severity": "minor", "sev": 1}), f"{Q}.finding.sev",
     ["unknown key 'sev' in a finding rule"]),
    (with_question(type="rating", finding=[{"when": [1, 2], "severity": "major"}, {"when": 2, "severity": "minor"}]),
     f"{Q}.finding[1].when", ["answer 2 already has a rule at sections[0].questions[3].finding[0]"]),
]


@pytest.mark.parametrize("data, path, fragments", CASES)
def test_each_problem_names_path_and_fix(data, path, fragments):
    problems = problems_for(data)
    if path is None:
        assert problems == []
        return
    matching = [p for p in problems if p.path == path]
    assert matching, f"no problem at {path!r}; got {[str(p) for p in problems]}"
    for fragment in fragments:
        assert any(fragment in p.message for p in matching), (fragment, [p.message for p in matching])


def test_base_is_valid():
    checklist = build_checklist(copy.deepcopy(BASE))
    assert [s.id for s in checklist.sections] == ["main", "second"]
    assert [q.id for q in checklist.all_questions()] == ["guard", "torque", "colour", "rate"]


def test_every_problem_is_reported_at_once():
    data = copy.deepcopy(BASE)
    data["version"] = 0
    data["sections"][0]["questions"][0]["type"] = "yesno"
    data["sections"][0]["questions"][1]["min"] = 99
    data["sections"][0]["questions"][2]["options"] = ["red"]
    data["sections"][1]["questions"][0]["id"] = "guard"
    data["sections"][1]["questions"][0]["weight"] = -2
    paths = {p.path for p in problems_for(data)}
    assert paths == {"version", "sections[0].questions[0].type", "sections[0].questions[1].min",
                     "sections[0].questions[2].options", "sections[1].questions[0].id",
                     "sections[1].questions[0].weight"}


def test_a_question_with_a_broken_id_does_not_cascade():
    data = with_question(type="yes_no", show_if={"question": "guard", "equals": "yes"})
    data["sections"][0]["questions"][0]["weight"] = -1
    assert [p.path for p in problems_for(data)] == ["sections[0].questions[0].weight"]


YAML_OK = """\
id: demo
version: 1
title: Demo
sections:
  - title: Main
    questions:
      - id: guard
        text: Guard fitted?
        type: yes_no
      - id: follow
        text: Who was told?
        type: text
        show_if: {question: guard, equals: no}
"""


def test_yaml_answers_yes_and_no_stay_text():
    # YAML 1.1 would read a bare `no` as false; the format uses YAML 1.2 booleans (true/false only).
    checklist = parse_checklist(YAML_OK, "demo.yaml")
    assert checklist.question("follow").show_if.values == ("no",)


def test_problem_lines_point_at_the_key():
    text = YAML_OK.replace("        type: text\n", "        type: txt\n")
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(text, "demo.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (12, "sections[0].questions[1].type")
    assert str(problem).startswith("demo.yaml:12: sections[0].questions[1].type: unknown question type 'txt'")


def test_missing_key_points_at_its_parent():
    text = YAML_OK.replace("        text: Who was told?\n", "")
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(text, "demo.yaml")
    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == ("sections[0].questions[1].text", 10)


@pytest.mark.parametrize("text, line, fragment", [
    ("id: demo\nversion: 1\ntitle: Demo\nsections:\n  - title: A\n\tquestions: []\n", 6,
     "indent with spaces, not tabs"),
    ("id: demo\nversion: 1\ntitle: Demo: the sequel\n", 3, "quote a text that contains ': '"),
    ("id: demo\nversion: 1\n  title: Demo\n", 3, "mapping values are not allowed"),
    ("id: demo\nsections:\n  - title: [unclosed\n", 4, "invalid YAML"),
    ("id: a\n---\nid: b\n", 2, "keep one checklist per file"),
    ("id: demo\nx: *missing\n", 2, "define the &anchor before using *alias"),
])
def test_bad_yaml_reports_its_line(text, line, fragment):
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(text, "bad.yaml")
    (problem,) = caught.value.problems
    assert problem.line == line
    assert fragment in problem.message
    assert str(problem).startswith(f"bad.yaml:{line}: invalid YAML")


def test_duplicate_yaml_keys_are_reported_not_silently_dropped():
    text = YAML_OK.replace("        type: yes_no\n", "        type: yes_no\n        text: Again?\n")
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(text, "demo.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "sections[0].questions[0].text"
    assert problem.line == 10
    assert "duplicate key 'text' (first on line 8); YAML keeps only the last one" in problem.message


GARBAGE = [
    ("", "the file is empty"),
    ("# only a comment\n", "the file is empty"),
    ("- a\n- b\n", "the top level must be a mapping"),
    ("42\n", "not the number 42"),
    ("{{{{", "invalid YAML"),
    ("!!python/object/apply:os.system ['echo hi']\n", "invalid YAML"),
    ("id: x\n\x00\x01", "invalid YAML: character 0x0000 is not allowed"),
    ("[" * 5000, "invalid YAML: nested too deeply"),
    ("a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n", "unknown key 'a'"),
]


@pytest.mark.parametrize("text, fragment", GARBAGE, ids=[f"garbage{i}" for i in range(len(GARBAGE))])
def test_garbage_gives_problems_not_tracebacks(text, fragment):
    with pytest.raises(ChecklistError) as caught:
        parse_checklist(text, "junk.yaml")
    assert any(fragment in p.message for p in caught.value.problems), [str(p) for p in caught.value.problems]


def test_numbers_written_as_clauses_keep_their_spelling():
    text = YAML_OK.replace("        type: yes_no\n", "        type: yes_no\n        clause: 8.10\n")
    assert parse_checklist(text).question("guard").clause == "8.10"


def test_defaults_are_written_out():
    checklist = build_checklist(with_question(type="photo"))
    guard, torque, colour = checklist.sections[0].questions[:3]
    assert (guard.required, guard.weight, guard.allow_na) == (True, 1, False)
    assert guard.finding == (FindingRule("minor", ("no",)),)
    assert torque.finding == (FindingRule("minor", out_of_limits=True),)
    assert colour.finding == ()
    assert [(o.value, o.label, o.score) for o in colour.options] == [("red", "red", None), ("blue", "blue", None)]
    rate = checklist.question("rate")
    assert (rate.scale_min, rate.scale_max, rate.labels) == (1, 5, ())
    assert checklist.question("extra").min_photos == 1


def test_finding_false_disables_the_default():
    checklist = build_checklist(with_question(type="pass_fail", finding=False))
    assert checklist.question("extra").finding == ()


def test_rating_labels_number_the_scale_and_rules_may_name_labels():
    checklist = build_checklist(with_question(type="rating", labels=["Poor", "Fair", "Good"],
                                              finding={"when": ["poor", 2], "severity": "minor"}))
    question = checklist.question("extra")
    assert (question.scale_min, question.scale_max) == (1, 3)
    assert question.finding == (FindingRule("minor", (1, 2)),)


def test_derived_section_ids_are_slugs_of_the_title():
    data = changed("sections.1.title", "Sécurité & Santé")
    assert build_checklist(data).sections[1].id == "securite-sante"


def test_model_round_trips_through_json():
    checklist = build_checklist(with_question(type="yes_no", show_if={"question": "colour", "in": ["red", "blue"]},
                                              clause="8.5.1", procedure="WI-ASM-012", guidance="Look.", weight=2.5))
    data = json.loads(json.dumps(checklist.to_dict()))
    assert Checklist.from_dict(data) == checklist
    assert build_checklist(data) == checklist
    assert data["sections"][0]["questions"][3]["show_if"] == {"question": "colour", "in": ["red", "blue"]}


def test_content_hash_ignores_layout_but_not_content():
    compact = YAML_OK
    spelled_out = YAML_OK.replace("        type: yes_no\n", "        type: yes_no\n        required: true\n"
                                  "        weight: 1.0\n        # a comment\n")
    assert parse_checklist(compact).content_hash() == parse_checklist(spelled_out).content_hash()
    assert len(parse_checklist(compact).content_hash()) == 64
    reworded = YAML_OK.replace("Guard fitted?", "Guard fitted and closed?")
    assert parse_checklist(compact).content_hash() != parse_checklist(reworded).content_hash()


def test_problem_str_is_one_line():
    assert str(Problem("a.yaml", "sections[2].questions[5].type", "bad", 7)) == \
        "a.yaml:7: sections[2].questions[5].type: bad"
    assert str(Problem("a.yaml", "", "the file is empty")) == "a.yaml: the file is empty"
    assert str(Problem("a.yaml", "title", "missing")) == "a.yaml: title: missing"


def test_load_checklist_reads_files(tmp_path):
    good = tmp_path / "demo.yaml"
    good.write_text(YAML_OK, encoding="utf-8")
    assert load_checklist(good).id == "demo"
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + YAML_OK.encode())
    assert load_checklist(bom).title == "Demo"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(YAML_OK.replace("Demo", "D\xe9mo").encode("latin-1"))
    with pytest.raises(ChecklistError, match=r"latin.yaml:3: the file is not UTF-8 text \(byte 0xe9\)"):
        load_checklist(latin)
    with pytest.raises(ChecklistError, match="no such file"):
        load_checklist(tmp_path / "nope.yaml")


def test_validate_files_and_command(tmp_path):
    (tmp_path / "good.yaml").write_text(YAML_OK, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(YAML_OK.replace("version: 1", "version: 0"), encoding="utf-8")
    problems = validate_files([tmp_path / "good.yaml", tmp_path / "bad.yaml", tmp_path / "missing.yaml"])
    assert [(p.file.rsplit("/", 1)[-1], p.path, p.line) for p in problems] == [
        ("bad.yaml", "version", 2), ("missing.yaml", "", None)]

    code, lines = validate_command([str(tmp_path / "good.yaml")])
    assert code == 0
    assert lines == [f'{tmp_path / "good.yaml"}: ok: demo v1 "Demo", 1 section, 2 questions', "all 1 file(s) valid"]

    code, lines = validate_command([str(tmp_path)])
    assert code == 2
    assert lines[0] == f"{tmp_path / 'bad.yaml'}:2: version: 'version' must be a positive whole number (1, 2, ...), " \
                       "not the number 0"
    assert lines[1] == f'{tmp_path / "good.yaml"}: ok: demo v1 "Demo", 1 section, 2 questions'
    assert lines[-1] == "1 problem(s) in 1 of 2 file(s)"

    assert validate_command([]) == (2, ["no checklist files given; name one or more .yaml files or a folder of them"])
    empty = tmp_path / "empty"
    empty.mkdir()
    assert validate_command([empty])[1][0] == f"{empty}: no .yaml files in this folder"


def test_two_files_with_the_same_id_and_version_clash(tmp_path):
    (tmp_path / "a.yaml").write_text(YAML_OK, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(YAML_OK, encoding="utf-8")
    (problem,) = validate_files([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    assert (problem.path, problem.line) == ("id", 1)
    assert f"checklist 'demo' version 1 is also defined in {tmp_path / 'a.yaml'}" in problem.message


def _leaf_paths(value, prefix=()):
    """Every path to a value inside nested dicts and lists."""
    yield prefix
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from _leaf_paths(child, prefix + (key,))


@pytest.mark.parametrize("weird", [None, True, False, 0, -1, 2.5, float("nan"), "", "x", "na", [], ["a"], {},
                                   {"a": 1}, {"question": "guard", "equals": "no"}],
                         ids=repr)
def test_any_value_anywhere_gives_problems_not_tracebacks(weird):
    source = yaml.safe_load((Path(__file__).resolve().parents[2] / "checklists" / "lpa-assembly.yaml").read_text())
    for path in _leaf_paths(source):
        data = copy.deepcopy(source)
        if not path:
            data = copy.deepcopy(weird)
        else:
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = copy.deepcopy(weird)
        try:
            build_checklist(data)
        except ChecklistError as exc:
            assert all(p.message for p in exc.problems)
