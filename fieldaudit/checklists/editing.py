"""The builder's edits of a draft definition (the YAML-shaped dict): pure functions, no Flask, no database.

Sections and questions are addressed by position; the draft's revision check makes sure the positions are the
ones the person saw. Form values arrive as text and are written as the YAML would hold them; a value that does not
fit (e.g. `min: abc`) is kept as typed so the validator names it next to its field.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from . import qtypes
from .model import SEVERITIES
from .typespec import slugify

TYPE_KEYS = qtypes.type_keys()
CHECKLIST_FIELDS = ("title", "standard", "description")
SECTION_FIELDS = ("title", "id")
_PATH = re.compile(r"^sections\[(\d+)\](?:\.questions\[(\d+)\])?(?:\.([A-Za-z_]+))?|^([A-Za-z_]+)")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def sections(data: dict) -> list:
    """The draft's section list (made a list when the draft holds something else)."""
    if not isinstance(data.get("sections"), list):
        data["sections"] = []
    return data["sections"]


def questions(data: dict, si: int) -> list:
    """One section's question list."""
    section = sections(data)[si]
    if not isinstance(section.get("questions"), list):
        section["questions"] = []
    return section["questions"]


def question_ids(data: dict) -> list[str]:
    """Every question id in the draft, in order."""
    return [q.get("id") for s in sections(data) if isinstance(s, dict) for q in s.get("questions") or ()
            if isinstance(q, dict) and isinstance(q.get("id"), str)]


def unique_id(data: dict, base: str) -> str:
    """`base`, or `base-2`, `base-3` … when taken."""
    taken, candidate, n = set(question_ids(data)), base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def apply(data: dict, op: str, form: dict) -> dict:
    """A copy of `data` with one builder edit applied; KeyError/IndexError/ValueError for a malformed request."""
    data = copy.deepcopy(data)
    si, qi = _int(form.get("section")), _int(form.get("question"))
    if op == "checklist":
        for key in CHECKLIST_FIELDS:
            if key in form:
                _set(data, key, form[key].strip())
    elif op == "section":
        for key in SECTION_FIELDS:
            if key in form:
                _set(sections(data)[si], key, form[key].strip())
    elif op == "add_section":
        sections(data).append({"title": f"Section {len(sections(data)) + 1}", "questions": []})
    elif op == "delete_section":
        del sections(data)[si]
    elif op == "move_section":
        _move(sections(data), si, _int(form.get("to")))
    elif op == "add_question":
        qtype = form.get("type") or "yes_no"
        if qtype not in qtypes.REGISTRY:
            raise ValueError(qtype)
        questions(data, si).append({"id": unique_id(data, "q"), "text": "New question", "type": qtype,
                                    **({"options": ["first", "second"]} if "options" in TYPE_KEYS[qtype] else {}),
                                    **({"samples": 10} if qtype == "defects" else {})})
    elif op == "duplicate_question":
        copied = copy.deepcopy(questions(data, si)[qi])
        copied["id"] = unique_id(data, f"{copied.get('id') or 'q'}-copy")
        questions(data, si).insert(qi + 1, copied)
    elif op == "delete_question":
        del questions(data, si)[qi]
    elif op == "move_question":
        moving = questions(data, si).pop(qi)
        to_si = _int(form.get("to_section"), si)
        to_qi = min(max(_int(form.get("to"), 0), 0), len(questions(data, to_si)))
        questions(data, to_si).insert(to_qi, moving)
    elif op == "question":
        questions(data, si)[qi] = question_from_form(questions(data, si)[qi], form)
    else:
        raise ValueError(op)
    return data


def question_from_form(old: dict, form: dict) -> dict:
    """A question rebuilt from its builder form; a changed type drops the old type's own keys and rules."""
    qtype = form.get("type") or old.get("type")
    q: dict[str, Any] = {}
    for key in ("id", "text", "clause", "guidance", "procedure"):
        _set(q, key, (form.get(key) or "").strip())
    q["type"] = qtype
    if "required_shown" in form and "required" not in form:
        q["required"] = False
    _set(q, "weight", number(form.get("weight", "")))
    entry = qtypes.REGISTRY.get(qtype)
    for key in entry.keys if entry else ():
        if key.kind == "boolean":
            if key.name in form:
                q[key.name] = True
        elif key.name == "scale":
            low, high = number(form.get("scale_min", "")), number(form.get("scale_max", ""))
            if low is not None or high is not None:
                q["scale"] = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        elif key.name == "options":
            _set(q, "options", [_option(line) for line in _lines(form.get("options"))])
        elif key.kind == "list":
            _set(q, key.name, _lines(form.get(key.name)))
        elif key.kind in ("number", "whole number"):
            _set(q, key.name, number(form.get(key.name, "")))
        else:
            _set(q, key.name, (form.get(key.name) or "").strip())
    target = (form.get("show_if_question") or "").strip()
    if target:
        values = [v for v in form.getlist("show_if_values")] if hasattr(form, "getlist") else \
            list(form.get("show_if_values") or [])
        q["show_if"] = {"question": target, **({"equals": values[0]} if len(values) == 1 else {"in": values})}
    same_type = qtype == old.get("type")
    mode = form.get("finding_mode", "default") if same_type else "default"
    if entry and entry.operators and mode == "none":
        q["finding"] = False
    elif entry and entry.operators and mode == "custom":
        q["finding"] = _rules(form, entry, old.get("finding"))
    return q


def finding_mode(q: dict) -> str:
    """How a question's findings are set: 'default' (the type's), 'none' or 'custom'."""
    if "finding" not in q or q["finding"] is None:
        return "default"
    return "none" if q["finding"] is False else "custom"


def finding_choices(q: dict) -> dict[str, str]:
    """Answer (as text) → severity of a question's custom `when` rules; 'out_of_limits' for a limits rule."""
    rules = q.get("finding")
    rules = [rules] if isinstance(rules, dict) else rules if isinstance(rules, list) else []
    chosen = {}
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        if "out_of_limits" in rule:
            chosen["out_of_limits"] = str(rule["out_of_limits"])
        when = rule.get("when")
        for answer in when if isinstance(when, list) else [when] if when is not None else []:
            chosen[str(answer)] = str(rule.get("severity", ""))
    return chosen


def finding_reasons(q: dict) -> dict[str, str]:
    """Severity (or 'out_of_limits') → the reason text of a question's custom finding rules."""
    rules = q.get("finding")
    rules = [rules] if isinstance(rules, dict) else rules if isinstance(rules, list) else []
    return {str(r.get("severity") or r.get("out_of_limits")): str(r["reason"])
            for r in rules if isinstance(r, dict) and r.get("reason")}


def answers_of(q: dict) -> list[str]:
    """The answers a (possibly invalid) question can give, as text, for show_if and finding pickers."""
    qtype = q.get("type")
    entry = qtypes.REGISTRY.get(qtype)
    if entry is None or not entry.finite:
        return []
    if qtype == "rating":
        labels = q.get("labels")
        if isinstance(labels, list) and labels:
            found = [str(n) for n in range(1, len(labels) + 1)]
        else:
            scale = q.get("scale") if isinstance(q.get("scale"), dict) else {}
            low, high = scale.get("min", 1), scale.get("max", 5)
            found = [str(n) for n in range(low, high + 1)] if isinstance(low, int) and isinstance(high, int) \
                and 0 <= high - low <= 10 else []
    elif "options" in TYPE_KEYS[qtype]:
        found = [str(o.get("value") if isinstance(o, dict) else o) for o in q.get("options") or ()]
    else:
        found = list(entry.fixed_answers)
    return found + (["na"] if q.get("allow_na") is True else [])


def earlier_controllers(data: dict, si: int, qi: int) -> list[dict]:
    """The questions before (si, qi) a show_if may depend on (types whose answers can be named)."""
    found = []
    for i, section in enumerate(sections(data)):
        for j, q in enumerate(section.get("questions") or () if isinstance(section, dict) else ()):
            if (i, j) >= (si, qi):
                return found
            entry = qtypes.REGISTRY.get(q.get("type")) if isinstance(q, dict) else None
            if entry is not None and entry.finite and isinstance(q.get("id"), str):
                found.append(q)
    return found


def options_text(q: dict) -> str:
    """A question's options as the builder's textarea shows them: `value | label | score` per line."""
    lines = []
    for option in q.get("options") or ():
        if isinstance(option, dict):
            parts = [str(option.get("value", "")), str(option.get("label", "") or "")]
            if option.get("score") is not None:
                parts.append(str(option["score"]))
            lines.append(" | ".join(parts).rstrip(" |"))
        else:
            lines.append(str(option))
    return "\n".join(lines)


def problem_places(problems) -> dict[tuple, list[str]]:
    """Validator problems by the builder field at fault: ('checklist', key), ('section', si, key) or
    ('question', si, qi, key); a path below a key (options[1], show_if.equals) belongs to that key."""
    places: dict[tuple, list[str]] = {}
    for problem in problems:
        match = _PATH.match(problem.path or "")
        if match is None:
            place = ("checklist", "")
        elif match.group(4):
            place = ("checklist", match.group(4))
        elif match.group(2) is not None:
            place = ("question", int(match.group(1)), int(match.group(2)), match.group(3) or "")
        else:
            place = ("section", int(match.group(1)), match.group(3) or "")
        places.setdefault(place, []).append(problem.message)
    return places


def number(text: str) -> Any:
    """A typed number as int or float ('2,5' too); '' as None; anything else kept as typed for the validator."""
    text = (text or "").strip()
    if _NUMBER.match(text.replace(",", ".")):
        text = text.replace(",", ".")
        return float(text) if "." in text else int(text)
    return text or None


def default_key(title: str) -> str:
    """The checklist id the builder proposes for a title."""
    return slugify(title)


def _option(line: str) -> Any:
    """`value | label | score` (label and score optional) or a plain text option."""
    parts = [p.strip() for p in line.split("|")]
    if len(parts) == 1:
        return parts[0]
    option: dict[str, Any] = {"value": parts[0]}
    if parts[1]:
        option["label"] = parts[1]
    if len(parts) > 2 and parts[2]:
        option["score"] = number(parts[2])
    return option


def _rules(form: dict, entry, old: Any) -> list[dict] | dict:
    """Custom finding rules from the per-answer severity pickers and the reason field of each severity (a reason
    not in the form, e.g. from a form that did not show it, is kept as it was)."""
    reasons = {}
    for rule in old if isinstance(old, list) else [old] if isinstance(old, dict) else []:
        if isinstance(rule, dict) and rule.get("reason"):
            reasons[rule.get("severity") or rule.get("out_of_limits")] = rule["reason"]
    for severity in SEVERITIES:
        if f"finding_reason_{severity}" in form:
            text = (form.get(f"finding_reason_{severity}") or "").strip()
            if text:
                reasons[severity] = text
            else:
                reasons.pop(severity, None)
    if "out_of_limits" in entry.operators:
        severity = form.get("finding_out_of_limits") or "minor"
        return {"out_of_limits": severity, **({"reason": reasons[severity]} if severity in reasons else {})}
    by_severity: dict[str, list] = {}
    for key, severity in form.items():
        if key.startswith("finding_when_") and severity in SEVERITIES:
            answer = key[len("finding_when_"):]
            by_severity.setdefault(severity, []).append(int(answer) if answer.isdigit() else answer)
    return [{"when": answers, "severity": severity, **({"reason": reasons[severity]} if severity in reasons
                                                         else {})}
            for severity, answers in by_severity.items()]


def _lines(text: str | None) -> list[str]:
    """Non-empty trimmed lines."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _set(target: dict, key: str, value: Any) -> None:
    """Write a value, or remove the key when it is empty (so defaults apply)."""
    if value in ("", None, []):
        target.pop(key, None)
    else:
        target[key] = value


def _move(items: list, index: int, to: int) -> None:
    """Move one item to a new position (clamped)."""
    item = items.pop(index)
    items.insert(min(max(to, 0), len(items)), item)


def _int(value: Any, default: int | None = None) -> int | None:
    """A position from a form."""
    return default if value in (None, "") else int(value)


__all__ = ["apply", "question_from_form", "problem_places", "answers_of", "earlier_controllers"]
