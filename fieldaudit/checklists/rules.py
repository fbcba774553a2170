"""What an audit needs from a checklist: answer normalisation, visibility, proposed findings, scoring."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from collections.abc import Mapping

from .model import NA, SEVERITIES, TEXT_MAX_LENGTH, Checklist, Question

_NA_WORDS = {"na", "n/a", "n.a.", "not applicable"}
_YES_NO = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes",
           "no": "no", "n": "no", "false": "no", "0": "no"}
# OK/NOK is how many automotive shop floors write pass/fail.
_PASS_FAIL = {"pass": "pass", "p": "pass", "ok": "pass", "fail": "fail", "f": "fail", "nok": "fail", "nio": "fail",
              "io": "pass"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_LIMIT = Decimal("1e15")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class AnswerError(ValueError):
    """Input that does not fit the question; `message` is written for the auditor."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ProposedFinding:
    """A finding the app suggests to the auditor, who confirms, edits or dismisses it."""

    question_id: str
    severity: str
    reason: str
    clause: str | None = None


@dataclass(frozen=True)
class SectionScore:
    """Weighted score of one section."""

    id: str
    title: str
    earned: float
    possible: float
    percent: float | None
    answered: int
    visible: int


@dataclass(frozen=True)
class Score:
    """Weighted score of an audit: earned/possible weights, percent (None if nothing scorable), progress counts."""

    earned: float
    possible: float
    percent: float | None
    answered: int
    visible: int
    sections: tuple[SectionScore, ...]


def normalize_answer(question: Question, raw: Any) -> Any:
    """Form input (a string, a list of strings, or an already stored value) as the stored JSON value; None clears."""
    if question.type == "photo":
        raise AnswerError("Photo questions are answered by attaching photos.")
    if question.type == "multi_choice":
        return _multi_choice(question, raw)
    if isinstance(raw, (list, tuple)):
        # An HTML form gives lists; one value is fine, several mean the form and the question disagree.
        if len(raw) > 1:
            raise AnswerError("Give one answer to this question.")
        raw = raw[0] if raw else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, (str, int, float, date)):
        raise AnswerError("Give a single value as the answer.")
    if question.type == "text":
        text = str(raw).strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise AnswerError(f"The text is {len(text)} characters long; keep it under {TEXT_MAX_LENGTH}.")
        return text
    if question.type == "numeric":
        return _numeric(question, raw)
    if question.type == "date":
        return _date(raw)
    if question.type == "single_choice":
        return _choice(question, raw)
    text = str(raw).strip().lower() if not isinstance(raw, bool) else ("true" if raw else "false")
    if text in _NA_WORDS:
        if not question.allow_na:
            raise AnswerError("N/A is not allowed for this question; give an answer.")
        return NA
    if question.type == "yes_no":
        if text not in _YES_NO:
            raise AnswerError(f"Answer yes or no{', or N/A' if question.allow_na else ''}.")
        return _YES_NO[text]
    if question.type == "pass_fail":
        if text not in _PASS_FAIL:
            raise AnswerError(f"Answer pass or fail{', or N/A' if question.allow_na else ''}.")
        return _PASS_FAIL[text]
    return _rating(question, raw, text)


def _rating(question: Question, raw: Any, text: str) -> int:
    """A whole number on the scale, or one of its labels."""
    labels = [label.lower() for label in question.labels]
    if text in labels:
        return labels.index(text) + 1
    if re.fullmatch(r"[+-]?\d+", text):
        value = int(text)
        if question.scale_min <= value <= question.scale_max:
            return value
    raise AnswerError(f"Choose a rating from {question.scale_min} to {question.scale_max}.")


def _numeric(question: Question, raw: Any) -> int | float:
    """A finite number; a decimal comma is accepted; rounded to `decimals` when set."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise AnswerError("Enter a number.")
    text = str(raw).strip()
    if not _NUMBER.match(text) and not isinstance(raw, (int, float)):
        raise AnswerError(f"Enter a number{' in ' + question.unit if question.unit else ''}, e.g. 12.5.")
    try:
        value = Decimal(text.replace(",", "."))
        # Past 1e15 a float no longer holds every whole number: that is a typo, not a measurement.
        if not value.is_finite() or abs(value) >= _NUMBER_LIMIT:
            raise AnswerError("Enter a number between -1e15 and 1e15.")
        if question.decimals is not None:
            value = value.quantize(Decimal(1).scaleb(-question.decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise AnswerError("Enter a number.") from None
    return int(value) if value == value.to_integral_value() else float(value)


def _date(raw: Any) -> str:
    """A calendar date as YYYY-MM-DD."""
    if isinstance(raw, date):
        return raw.isoformat()[:10]
    text = str(raw).strip()
    try:
        if _DATE.match(text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        raise AnswerError(f"{text} is not a real date; enter it as YYYY-MM-DD, e.g. 2024-03-31.") from None
    raise AnswerError("Enter a date as YYYY-MM-DD, e.g. 2024-03-31.")


def _choice(question: Question, raw: Any) -> str:
    """One option's value (matched exactly, then ignoring case)."""
    text = str(raw).strip()
    for option in question.options:
        if text == option.value:
            return option.value
    for option in question.options:
        if text.lower() in (option.value.lower(), option.label.lower()):
            return option.value
    raise AnswerError(f"'{text}' is not one of the options; choose one of: "
                      f"{', '.join(o.label for o in question.options)}.")


def _multi_choice(question: Question, raw: Any) -> list[str] | None:
    """Option values in the checklist's order, without repeats; an empty selection clears the answer."""
    items = raw if isinstance(raw, (list, tuple)) else [] if raw is None else [raw]
    chosen = {_choice(question, item) for item in items if str(item).strip()}
    return [o.value for o in question.options if o.value in chosen] or None


def is_answered(question: Question, value: Any, photo_count: int = 0) -> bool:
    """True when a question has an answer (N/A counts); a photo question once it has its minimum photos."""
    if question.type == "photo":
        return photo_count >= (question.min_photos or 1)
    return value is not None and value != "" and value != []


def visible_questions(checklist: Checklist, answers: Mapping[str, Any]) -> set[str]:
    """Ids of the questions shown for these answers; a question whose controller is hidden is hidden too."""
    visible: set[str] = set()
    # Controllers always come earlier (the loader enforces it), so one pass in order settles every chain.
    for question in checklist.all_questions():
        rule = question.show_if
        if rule is None:
            visible.add(question.id)
            continue
        if rule.question not in visible:
            continue
        value = answers.get(rule.question)
        chosen = value if isinstance(value, list) else [value]
        if any(v in rule.values for v in chosen if v is not None):
            visible.add(question.id)
    return visible


def proposed_finding(question: Question, value: Any) -> ProposedFinding | None:
    """The finding an answer proposes under the question's rules (the most severe when several match), or None."""
    if value is None:
        return None
    matches = []
    for rule in question.finding:
        if rule.out_of_limits:
            reason = _limit_reason(question, value)
        else:
            chosen = value if isinstance(value, list) else [value]
            hits = [v for v in chosen if v in rule.when]
            reason = f"answer: {', '.join(_display(question, v) for v in hits)}" if hits else None
        if reason:
            matches.append((SEVERITIES.index(rule.severity), rule.severity, rule.reason or reason))
    if not matches:
        return None
    _, severity, reason = min(matches)
    return ProposedFinding(question.id, severity, reason, question.clause)


def proposed_findings(checklist: Checklist, answers: Mapping[str, Any]) -> list[ProposedFinding]:
    """Proposed findings for the visible answered questions, in checklist order."""
    visible = visible_questions(checklist, answers)
    found = (proposed_finding(q, answers.get(q.id)) for q in checklist.all_questions() if q.id in visible)
    return [f for f in found if f is not None]


def _limit_reason(question: Question, value: Any) -> str | None:
    """Why a numeric value is out of limits, or None when it is within them (limits are inclusive)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    unit = f" {question.unit}" if question.unit else ""
    if question.min is not None and value < question.min:
        return f"{value}{unit} is below the lower limit {question.min}{unit}"
    if question.max is not None and value > question.max:
        return f"{value}{unit} is above the upper limit {question.max}{unit}"
    return None


def _display(question: Question, value: Any) -> str:
    """An answer as the auditor saw it (option label, rating label)."""
    option = question.option(value) if isinstance(value, str) else None
    if option is not None:
        return option.label
    if question.type == "rating":
        label = f" ({question.labels[value - 1]})" if question.labels else ""
        return f"{value} of {question.scale_max}{label}"
    return str(value)


def question_score(question: Question, value: Any) -> float | None:
    """The fraction (0-1) of its weight an answer earns, or None when it does not count (N/A, unanswered, unscored)."""
    if value is None or value == NA:
        return None
    if question.type in ("yes_no", "pass_fail"):
        return 1.0 if value in ("yes", "pass") else 0.0
    if question.type == "rating" and isinstance(value, int):
        return (value - question.scale_min) / (question.scale_max - question.scale_min)
    if question.type == "single_choice":
        option = question.option(value)
        return None if option is None or option.score is None else float(option.score)
    if question.type == "numeric" and question.has_limits:
        return 0.0 if _limit_reason(question, value) else 1.0
    return None


def score(checklist: Checklist, answers: Mapping[str, Any],
          photo_counts: Mapping[str, int] | None = None) -> Score:
    """Weighted score per section and overall; the overall percent weighs questions, not sections."""
    visible = visible_questions(checklist, answers)
    photo_counts = photo_counts or {}
    sections = []
    for section in checklist.sections:
        earned = possible = 0.0
        answered = shown = 0
        for question in section.questions:
            if question.id not in visible:
                continue
            shown += 1
            value = answers.get(question.id)
            answered += is_answered(question, value, photo_counts.get(question.id, 0))
            fraction = question_score(question, value)
            if fraction is not None:
                earned += fraction * question.weight
                possible += question.weight
        sections.append(SectionScore(section.id, section.title, earned, possible,
                                     _percent(earned, possible), answered, shown))
    earned = sum(s.earned for s in sections)
    possible = sum(s.possible for s in sections)
    return Score(earned, possible, _percent(earned, possible), sum(s.answered for s in sections),
                 sum(s.visible for s in sections), tuple(sections))


def _percent(earned: float, possible: float) -> float | None:
    """earned/possible as a percentage, None when nothing counted."""
    return None if possible == 0 else 100.0 * earned / possible


def missing_for_submission(checklist: Checklist, answers: Mapping[str, Any],
                           photo_counts: Mapping[str, int] | None = None) -> list[tuple[str, str]]:
    """(question id, reason) for what blocks submission: unanswered required questions, too few photos."""
    visible = visible_questions(checklist, answers)
    photo_counts = photo_counts or {}
    missing = []
    for question in checklist.all_questions():
        if question.id not in visible:
            continue
        if question.type == "photo":
            count, needed = photo_counts.get(question.id, 0), question.min_photos or 1
            # An optional photo question may stay empty, but once started it must reach its minimum.
            if count < needed and (question.required or count > 0):
                missing.append((question.id, f"needs at least {needed} photo{'s' if needed > 1 else ''}; "
                                             f"has {count}"))
        elif question.required and not is_answered(question, answers.get(question.id)):
            missing.append((question.id, "required question not answered"))
    return missing
