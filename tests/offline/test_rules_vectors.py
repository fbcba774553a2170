"""The rule language's conformance vectors against the server's evaluator (checklists/rules.py); the browser's
evaluator (static/js/rules.js) replays the same file in tests/e2e/test_rules_vectors.py."""
import json
from pathlib import Path

import pytest

from fieldaudit.checklists import parse_checklist, rules
from fieldaudit.offline.rulebook import compile_rules

VECTORS = json.loads((Path(__file__).parent / "rules-vectors.json").read_text(encoding="utf-8"))
CHECKLISTS = {name: parse_checklist(json.dumps(body), f"{name}.yaml") for name, body in VECTORS["checklists"].items()}


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[c["name"] for c in VECTORS["cases"]])
def test_the_server_evaluator_meets_each_vector(case):
    checklist = CHECKLISTS[case["checklist"]]
    excluded = case.get("excluded", [])
    visible = rules.visible_questions(checklist, case["answers"], excluded)
    assert [q.id for q in checklist.all_questions() if q.id in visible] == case["visible"]
    proposed = rules.proposed_findings(checklist, case["answers"], excluded)
    assert [[p.question_id, p.severity] for p in proposed] == case["proposed"]


def test_the_vectors_use_every_rule_form_the_browser_reads():
    book = compile_rules(CHECKLISTS["walk"])
    forms = {q["type"] for q in book["questions"] if q["finding"]}
    assert {"yes_no", "pass_fail", "rating", "single_choice", "multi_choice", "numeric", "defects"} <= forms
    assert any(len(q["show_if"]["values"]) > 1 for q in book["questions"] if q["show_if"])
    assert any(c.get("excluded") for c in VECTORS["cases"])


def test_the_rulebook_carries_limits_from_the_question_types():
    book = {q["id"]: q for q in compile_rules(CHECKLISTS["walk"])["questions"]}
    assert book["torque"]["limits"] == {"min": 10, "max": 12, "whole": False}
    assert book["defects"]["limits"] == {"min": None, "max": 1, "whole": True}
    assert book["floor"]["finding"] == [{"severity": "minor", "when": [], "out_of_limits": True}]
    assert book["cause"]["show_if"] == {"question": "guard", "values": ["no", "na"]}
