"""A checklist's rules in the form the browser's evaluator reads (static/js/rules.js): show_if and finding rules.

One rule language, two evaluators: `checklists/rules.py` on the server and rules.js on a tablet without it. Both
replay the conformance vectors in tests/offline/rules-vectors.json, so they cannot drift apart unnoticed.
"""
from typing import Any

from ..checklists.model import SEVERITIES, Checklist


def compile_rules(checklist: Checklist) -> dict[str, Any]:
    """Every question in checklist order with its section, type, show_if, finding rules and limits."""
    questions = []
    for section in checklist.sections:
        for q in section.questions:
            questions.append({
                "id": q.id, "section": section.id, "type": q.kind.name, "list": q.kind.list_input,
                "show_if": {"question": q.show_if.question, "values": list(q.show_if.values)} if q.show_if else None,
                "finding": [{"severity": r.severity, "when": list(r.when), "out_of_limits": r.out_of_limits}
                            for r in q.finding],
                "limits": q.kind.limits(q)})
    return {"severities": list(SEVERITIES), "questions": questions}
