"""The checklist model: frozen dataclasses with a canonical, JSON-serialisable form."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterator

# Filled by the question-type registry (qtypes), which every import of this package loads first.
TYPES: dict[str, Any] = {}
SETTING_DEFAULTS: dict[str, Any] = {}
# Most severe first: when several rules match, the first in this order wins.
SEVERITIES = ("major", "minor", "observation", "ofi")
SEVERITY_LABELS = {
    "major": "Major nonconformity",
    "minor": "Minor nonconformity",
    "observation": "Observation",
    "ofi": "Opportunity for improvement",
}
NA = "na"
TEXT_MAX_LENGTH = 4000


def tidy_number(value: int | float) -> int | float:
    """A whole float as int, so 5 and 5.0 give the same canonical JSON (and content hash)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class Option:
    """One choice of a single_choice or multi_choice question."""

    value: str
    label: str
    score: int | float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        data: dict[str, Any] = {"value": self.value, "label": self.label}
        if self.score is not None:
            data["score"] = self.score
        return data


@dataclass(frozen=True)
class ShowIf:
    """Show a question only when an earlier question's answer is one of `values`."""

    question: str
    values: tuple[Any, ...]

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form (`equals` for one value, `in` for several)."""
        if len(self.values) == 1:
            return {"question": self.question, "equals": self.values[0]}
        return {"question": self.question, "in": list(self.values)}


@dataclass(frozen=True)
class FindingRule:
    """Propose a finding of `severity` for the answers in `when`, or for a numeric value out of limits."""

    severity: str
    when: tuple[Any, ...] = ()
    out_of_limits: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        data: dict[str, Any] = (
            {"out_of_limits": self.severity} if self.out_of_limits
            else {"when": list(self.when), "severity": self.severity}
        )
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class Question:
    """One question; what only its type uses (unit, options, scale …) is in `settings`, read as attributes."""

    id: str
    text: str
    type: str
    required: bool = True
    weight: int | float = 1
    clause: str | None = None
    guidance: str | None = None
    procedure: str | None = None
    show_if: ShowIf | None = None
    finding: tuple[FindingRule, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        """Keep exactly the type's settings, defaults filled in, so equal questions compare equal."""
        given = self.settings
        object.__setattr__(self, "settings", {k: given.get(k, d) for k, d in TYPES[self.type].settings.items()})

    def __getattr__(self, name: str) -> Any:
        """A type setting (q.unit, q.options …); one the question's type does not have reads as its default."""
        if name in SETTING_DEFAULTS:
            settings = self.__dict__.get("settings") or {}
            return settings.get(name, SETTING_DEFAULTS[name])
        raise AttributeError(name)

    @property
    def kind(self):
        """The registry entry of the question's type (qtypes.QuestionType)."""
        return TYPES[self.type]

    def option(self, value: str) -> Option | None:
        """The option with this value, or None."""
        return next((o for o in self.options if o.value == value), None)

    @property
    def has_limits(self) -> bool:
        """True when an out_of_limits rule can be judged (a numeric limit, a defects acceptance number)."""
        return self.kind.has_limits(self)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form: the YAML format with every default written out."""
        data: dict[str, Any] = {"id": self.id, "text": self.text, "type": self.type,
                                "required": self.required, "weight": self.weight}
        for key in ("clause", "guidance", "procedure"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.show_if is not None:
            data["show_if"] = self.show_if.to_dict()
        data.update(self.kind.dump(self))
        if self.kind.operators:
            data["finding"] = [r.to_dict() for r in self.finding]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Rebuild from the canonical form (trusted input, e.g. a stored version; no validation)."""
        show_if = data.get("show_if")
        if show_if is not None:
            values = tuple(show_if["in"]) if "in" in show_if else (show_if["equals"],)
            show_if = ShowIf(show_if["question"], values)
        rules = tuple(
            FindingRule(r["out_of_limits"], out_of_limits=True, reason=r.get("reason"))
            if "out_of_limits" in r
            else FindingRule(r["severity"], tuple(r["when"]), reason=r.get("reason"))
            for r in data.get("finding", ())
        )
        return cls(
            id=data["id"], text=data["text"], type=data["type"],
            required=data.get("required", True), weight=data.get("weight", 1),
            clause=data.get("clause"), guidance=data.get("guidance"), procedure=data.get("procedure"),
            show_if=show_if, finding=rules, settings=TYPES[data["type"]].load(data),
        )


@dataclass(frozen=True)
class Section:
    """A titled group of questions."""

    id: str
    title: str
    questions: tuple[Question, ...]

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {"id": self.id, "title": self.title, "questions": [q.to_dict() for q in self.questions]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        """Rebuild from the canonical form."""
        return cls(data["id"], data["title"], tuple(Question.from_dict(q) for q in data["questions"]))


@dataclass(frozen=True)
class Checklist:
    """One version of a checklist: what an audit runs, and keeps, exactly."""

    id: str
    version: int
    title: str
    standard: str | None
    description: str | None
    sections: tuple[Section, ...]
    _index: dict[str, Question] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        """Index questions by id once; the instance is frozen so the index cannot go stale."""
        object.__setattr__(self, "_index", {q.id: q for q in self.all_questions()})

    def all_questions(self) -> Iterator[Question]:
        """Every question in document order."""
        for section in self.sections:
            yield from section.questions

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError if there is none."""
        return self._index[question_id]

    def section_of(self, question_id: str) -> Section:
        """The section holding a question; KeyError if there is none."""
        for section in self.sections:
            if any(q.id == question_id for q in section.questions):
                return section
        raise KeyError(question_id)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form (what the database stores for a published version)."""
        data: dict[str, Any] = {"id": self.id, "version": self.version, "title": self.title}
        if self.standard is not None:
            data["standard"] = self.standard
        if self.description is not None:
            data["description"] = self.description
        data["sections"] = [s.to_dict() for s in self.sections]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checklist:
        """Rebuild from the canonical form (trusted input; use loader.build_checklist to validate)."""
        return cls(data["id"], data["version"], data["title"], data.get("standard"),
                   data.get("description"), tuple(Section.from_dict(s) for s in data["sections"]))

    def to_json(self) -> str:
        """Canonical JSON text: sorted keys, no whitespace, so equal checklists give equal bytes."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def content_hash(self) -> str:
        """SHA-256 hex of the canonical JSON; equal for an unchanged re-import, whatever the YAML layout."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()
