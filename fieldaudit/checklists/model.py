"""The checklist model: frozen dataclasses with a canonical, JSON-serialisable form."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterator

QUESTION_TYPES = (
    "yes_no", "pass_fail", "rating", "numeric", "text",
    "single_choice", "multi_choice", "photo", "date",
)
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
# Types whose answers come from a small known set, so show_if and finding rules can name them.
FINITE_TYPES = ("yes_no", "pass_fail", "rating", "single_choice", "multi_choice")


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
    """One question; type-specific fields are None or empty for the types they do not apply to."""

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
    allow_na: bool = False
    scale_min: int | None = None
    scale_max: int | None = None
    labels: tuple[str, ...] = ()
    unit: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    decimals: int | None = None
    options: tuple[Option, ...] = ()
    min_photos: int | None = None

    def option(self, value: str) -> Option | None:
        """The option with this value, or None."""
        return next((o for o in self.options if o.value == value), None)

    @property
    def has_limits(self) -> bool:
        """True for a numeric question with a lower and/or upper limit."""
        return self.type == "numeric" and (self.min is not None or self.max is not None)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form: the YAML format with every default written out."""
        data: dict[str, Any] = {"id": self.id, "text": self.text, "type": self.type,
                                "required": self.required, "weight": self.weight}
        for key in ("clause", "guidance", "procedure"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.show_if is not None:
            data["show_if"] = self.show_if.to_dict()
        if self.type in ("yes_no", "pass_fail", "rating"):
            data["allow_na"] = self.allow_na
        if self.type == "rating":
            if self.labels:
                data["labels"] = list(self.labels)
            else:
                data["scale"] = {"min": self.scale_min, "max": self.scale_max}
        if self.type == "numeric":
            for key in ("unit", "min", "max", "decimals"):
                if getattr(self, key) is not None:
                    data[key] = getattr(self, key)
        if self.type in ("single_choice", "multi_choice"):
            data["options"] = [o.to_dict() for o in self.options]
        if self.type == "photo":
            data["min_photos"] = self.min_photos
        if self.type not in ("text", "date", "photo"):
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
        scale = data.get("scale") or {}
        labels = tuple(data.get("labels", ()))
        if labels:
            scale = {"min": 1, "max": len(labels)}
        return cls(
            id=data["id"], text=data["text"], type=data["type"],
            required=data.get("required", True), weight=data.get("weight", 1),
            clause=data.get("clause"), guidance=data.get("guidance"), procedure=data.get("procedure"),
            show_if=show_if, finding=rules, allow_na=data.get("allow_na", False),
            scale_min=scale.get("min"), scale_max=scale.get("max"), labels=labels,
            unit=data.get("unit"), min=data.get("min"), max=data.get("max"), decimals=data.get("decimals"),
            options=tuple(Option(o["value"], o["label"], o.get("score")) for o in data.get("options", ())),
            min_photos=data.get("min_photos"),
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
