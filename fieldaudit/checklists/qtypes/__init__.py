"""The question-type registry: one entry per type, from which validation, answering, scoring, findings, display,
rendering, the demo and the docs all derive. To add a type, write its entry (a `QuestionType` subclass) and its
partial `templates/audits/questions/<type>.html`, and list it in REGISTRY."""
from __future__ import annotations

from typing import Any

from .. import model
from .base import Key, QuestionType
from .choices import MultiChoice, PassFail, Rating, SingleChoice, YesNo
from .defects import Defects
from .values import Date, Numeric, Photo, Text

# The order is the one messages and the docs list the types in.
REGISTRY: dict[str, QuestionType] = {t.name: t for t in (
    YesNo(), PassFail(), Rating(), Numeric(), Text(), SingleChoice(), MultiChoice(), Photo(), Date(), Defects(),
)}
QUESTION_TYPES = tuple(REGISTRY)

model.TYPES.update(REGISTRY)
for _entry in REGISTRY.values():
    for _name, _default in _entry.settings.items():
        model.SETTING_DEFAULTS.setdefault(_name, _default)


def get(name: str) -> QuestionType:
    """The entry of a type; KeyError for an unknown one."""
    return REGISTRY[name]


def display(question, value: Any) -> str:
    """An answer as a person reads it on screen, in CSV and in the PDF (labels, units, N/A; "" for none)."""
    if value is None:
        return ""
    if value == "na":
        return "N/A"
    return question.kind.text(question, value)


def type_keys() -> dict[str, tuple[str, ...]]:
    """Type name → the checklist keys only that type accepts."""
    return {name: tuple(k.name for k in entry.keys) for name, entry in REGISTRY.items()}


def with_operator(operator: str) -> tuple[str, ...]:
    """The types whose finding rules can use `operator` ("when" or "out_of_limits")."""
    return tuple(name for name, entry in REGISTRY.items() if operator in entry.operators)


def describe(name: str) -> dict[str, Any]:
    """A JSON-able description of one type: its keys, fixed answers, scoring and finding operators."""
    return REGISTRY[name].describe()


def describe_all() -> list[dict[str, Any]]:
    """Every type's description, in registry order."""
    return [entry.describe() for entry in REGISTRY.values()]


def docs_table() -> str:
    """The Markdown table of types in docs/CHECKLIST_FORMAT.md (a test keeps the doc in step with it)."""
    rows = ["| type | stored answer | extra keys | findings | scoring |", "|---|---|---|---|---|"]
    for entry in REGISTRY.values():
        keys = "; ".join(f"`{k.name}`{_default(k)}: {k.doc}" for k in entry.keys) or "–"
        rules = {"when": "`when`", "out_of_limits": "`out_of_limits`"}
        finding = ", ".join(rules[o] for o in entry.operators) or "–"
        rows.append(f"| `{entry.name}` | {entry.stored} | {keys} | {finding} | {entry.scoring} |")
    return "\n".join(rows)


def _default(key: Key) -> str:
    """' (required)' or ' (default …)' for a key in the docs table."""
    if key.required:
        return " (required)"
    if isinstance(key.default, (bool, int)):
        return f" (default {str(key.default).lower()})"
    return ""


__all__ = ["REGISTRY", "QUESTION_TYPES", "Key", "QuestionType", "get", "type_keys", "with_operator", "describe",
           "describe_all", "docs_table"]
