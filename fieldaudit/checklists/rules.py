"""What an audit needs from a checklist: answer normalisation, visibility, proposed findings, scoring."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from collections.abc import Collection, Mapping

from ..refusal import Refusal
from .model import NA, SEVERITIES, Checklist, Question


class AnswerError(Refusal):
    """Input that does not fit the question; `message` is written for the auditor."""

    status = 422


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
    return question.kind.normalize(question, raw)


def is_answered(question: Question, value: Any, photo_count: int = 0) -> bool:
    """True when a question has an answer (N/A counts); a photo question once it has its minimum photos."""
    return question.kind.is_answered(question, value, photo_count)


def visible_questions(checklist: Checklist, answers: Mapping[str, Any],
                      excluded: Collection[str] = ()) -> set[str]:
    """Ids of the questions shown for these answers; a question whose controller is hidden is hidden too, and
    so is every question of a section `excluded` from the audit's scope, and each question excluded by itself
    (keyed "q:<id>", as a layered process audit leaves out the questions it did not draw)."""
    visible: set[str] = set()
    skipped = {q.id for s in checklist.sections for q in s.questions
               if s.id in excluded or f"q:{q.id}" in excluded} if excluded else set()
    # Controllers always come earlier (the loader enforces it), so one pass in order settles every chain.
    for question in checklist.all_questions():
        if question.id in skipped:
            continue
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
            reason = question.kind.limit_reason(question, value)
        else:
            chosen = value if isinstance(value, list) else [value]
            hits = [v for v in chosen if v in rule.when]
            reason = f"answer: {', '.join(question.kind.label(question, v) for v in hits)}" if hits else None
        if reason:
            matches.append((SEVERITIES.index(rule.severity), rule.severity, rule.reason or reason))
    if not matches:
        return None
    _, severity, reason = min(matches)
    return ProposedFinding(question.id, severity, reason, question.clause)


def proposed_findings(checklist: Checklist, answers: Mapping[str, Any],
                      excluded: Collection[str] = ()) -> list[ProposedFinding]:
    """Proposed findings for the visible answered questions, in checklist order."""
    visible = visible_questions(checklist, answers, excluded)
    found = (proposed_finding(q, answers.get(q.id)) for q in checklist.all_questions() if q.id in visible)
    return [f for f in found if f is not None]


def question_score(question: Question, value: Any) -> float | None:
    """The fraction (0-1) of its weight an answer earns, or None when it does not count (N/A, unanswered, unscored)."""
    if value is None or value == NA:
        return None
    return question.kind.score(question, value)


def score(checklist: Checklist, answers: Mapping[str, Any],
          photo_counts: Mapping[str, int] | None = None, excluded: Collection[str] = ()) -> Score:
    """Weighted score per section and overall; the overall percent weighs questions, not sections. A section
    out of scope (`excluded`) shows nothing visible, so it counts neither for progress nor for the score."""
    visible = visible_questions(checklist, answers, excluded)
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
                           photo_counts: Mapping[str, int] | None = None,
                           excluded: Collection[str] = ()) -> list[tuple[str, str]]:
    """(question id, reason) for what blocks submission: unanswered required questions, too few photos."""
    visible = visible_questions(checklist, answers, excluded)
    photo_counts = photo_counts or {}
    missing = []
    for question in checklist.all_questions():
        if question.id not in visible:
            continue
        reason = question.kind.missing(question, answers.get(question.id), photo_counts.get(question.id, 0))
        if reason:
            missing.append((question.id, reason))
    return missing
