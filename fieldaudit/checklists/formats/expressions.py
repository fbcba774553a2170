"""The few XLSForm expressions with a FieldAudit meaning: relevant -> show_if, constraint -> limits, required."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..qtypes.choices import MAX_SCALE_STEPS

_NAME = r"\$\{\s*([A-Za-z_][\w.-]*)\s*\}"
_VALUE = r"(?:'([^']*)'|\"([^\"]*)\"|(-?\d+(?:\.\d+)?))"
_EQUALS = re.compile(rf"^{_NAME}\s*=\s*{_VALUE}$")
_EQUALS_REVERSED = re.compile(rf"^{_VALUE}\s*=\s*{_NAME}$")
_SELECTED = re.compile(rf"^selected\s*\(\s*{_NAME}\s*,\s*{_VALUE}\s*\)$")
_COMPARE = re.compile(r"^\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$|^(-?\d+(?:\.\d+)?)\s*(>=|<=|>|<)\s*\.$")
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}
TRUE = {"yes", "true", "true()", "1"}
FALSE = {"no", "false", "false()", "0", ""}


def _strip_parens(text: str) -> str:
    """'(a)' -> 'a' while the outer parentheses enclose everything."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for index, char in enumerate(text):
            depth += char == "("
            depth -= char == ")"
            if depth == 0 and index < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def _split(text: str, word: str) -> list[str]:
    """Split on ' or ' / ' and ' outside quotes and parentheses."""
    parts, depth, quote, start, index = [], 0, None, 0, 0
    pattern = re.compile(rf"\s+{word}\s+", re.IGNORECASE)
    while index < len(text):
        char = text[index]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif depth == 0:
            match = pattern.match(text, index)
            if match and index > 0:
                parts.append(text[start:index])
                start = index = match.end()
                continue
        index += 1
    parts.append(text[start:])
    return [_strip_parens(part) for part in parts]


def relevant(expression: str) -> tuple[str | None, list[str], str | None]:
    """(question name, answers, None) for `${q} = 'x'`, `selected(${q}, 'x')` and 'or' of those on one question;
    (None, [], why) for anything else."""
    names, values = set(), []
    for term in _split(_strip_parens(expression), "or"):
        match = _EQUALS.match(term) or _SELECTED.match(term)
        if match:
            name, value = match.group(1), next(g for g in match.groups()[1:] if g is not None)
        elif (match := _EQUALS_REVERSED.match(term)):
            value, name = next(g for g in match.groups()[:3] if g is not None), match.group(4)
        else:
            return None, [], f"{term!r} is not a comparison with one answer; only ${{q}} = 'x', selected(${{q}}, " \
                             "'x') and 'or' of those map"
        names.add(name)
        if value not in values:
            values.append(value)
    if len(names) != 1:
        return None, [], "it compares several questions; show_if depends on one"
    return names.pop(), values, None


def limits(constraint: str, integer: bool) -> tuple[dict[str, Any], str | None]:
    """({min, max}, note) from `. >= 0 and . <= 10`; exclusive bounds of whole numbers become inclusive ones."""
    found: dict[str, Any] = {}
    notes = []
    for term in _split(_strip_parens(constraint), "and"):
        match = _COMPARE.match(term)
        if not match:
            return {}, f"constraint {constraint!r} not kept: only '. >= N and . <= M' style limits map to min/max"
        op, number = (match.group(1), match.group(2)) if match.group(1) else (_FLIP[match.group(4)], match.group(3))
        value = float(number) if "." in number else int(number)
        key = "min" if op.startswith(">") else "max"
        if op in (">", "<"):
            if integer and isinstance(value, int):
                value = value + 1 if op == ">" else value - 1
            else:
                notes.append(f"{key} {value} is exclusive in the form ({term}) and inclusive in FieldAudit")
        if key in found:
            return {}, f"constraint {constraint!r} not kept: it gives two {key} limits"
        found[key] = value
    if "min" in found and "max" in found and found["min"] > found["max"]:
        return {}, f"constraint {constraint!r} not kept: no value can meet it"
    return found, "; ".join(notes) or None


def required(value: Any, note: Callable[[str], None]) -> bool:
    """XLSForm's required column: yes/true() means required; questions are optional by default."""
    text = str(value or "").strip().lower()
    if text in TRUE:
        return True
    if text not in FALSE:
        note(f"required expression {value!r} not kept; the question is optional")
    return False


def range_question(parameters: dict) -> tuple[str | None, Any]:
    """A range question as a rating (whole steps of 1, at most 11) or a numeric with limits; (None, why) else."""
    try:
        start = float(parameters.get("start", 1))
        end = float(parameters.get("end", 10))
        step = float(parameters.get("step", 1))
    except (TypeError, ValueError):
        return None, f"with parameters {parameters!r} that are not numbers"
    low, high = min(start, end), max(start, end)
    if step == 1 and low.is_integer() and high.is_integer() and high - low + 1 <= MAX_SCALE_STEPS:
        return "rating", {"scale": {"min": int(low), "max": int(high)}}
    decimals = 0 if step.is_integer() else len(repr(step).split(".")[1])
    tidy = (lambda v: int(v) if v.is_integer() else v)
    return "numeric", {"min": tidy(low), "max": tidy(high), "decimals": min(decimals, 6)}
