"""What every question type describes about itself; the defaults here are those of a type without answers' rules."""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..model import FindingRule, Question
from ..rules import AnswerError
from ..typespec import Add

_NA_WORDS = {"na", "n/a", "n.a.", "not applicable"}


@dataclass(frozen=True)
class Key:
    """A checklist key of one type: how it is written in the file and what it means."""

    name: str
    kind: str
    doc: str
    required: bool = False
    default: Any = None

    def describe(self) -> dict[str, Any]:
        """The JSON-able form."""
        return {"name": self.name, "kind": self.kind, "required": self.required, "default": self.default,
                "doc": self.doc}


class QuestionType:
    """One question type; subclasses override what differs. Methods take the question, whose settings they read."""

    name = ""
    keys: tuple[Key, ...] = ()
    settings: Mapping[str, Any] = {}  # Question attributes this type sets, and their value when unset
    operators: tuple[str, ...] = ()   # finding rule forms: "when" (named answers) and/or "out_of_limits"
    fixed_answers: tuple[str, ...] = ()  # answers every question of the type can give (before N/A)
    list_input = False                # the form sends a list (checkboxes)
    photos = False                    # answered by attaching photos: its partial renders the whole question
    stored = ""                       # docs: what an answer is stored as
    scoring = "does not count"        # docs: how it scores
    limits_hint = ""                  # what out_of_limits needs, for the error message

    @property
    def template(self) -> str:
        """The partial that renders the question's input."""
        return f"audits/questions/{self.name}.html"

    @property
    def finite(self) -> bool:
        """True when every possible answer can be named (show_if, finding `when`)."""
        return "when" in self.operators

    # -- the checklist file --------------------------------------------------------------------------------
    def read(self, raw: dict, path: str, add: Add) -> dict[str, Any]:
        """This type's settings from checklist data, validated through `add(path, message)`."""
        return {}

    def dump(self, q: Question) -> dict[str, Any]:
        """This type's part of the canonical JSON form."""
        return {}

    def load(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Settings from the canonical form (trusted input)."""
        return {k: data[k] for k in self.settings if k in data}

    def answers(self, q: Question) -> list[Any]:
        """Every canonical answer a finite question can give."""
        return []

    def canonical(self, q: Question, value: Any) -> Any:
        """An answer as written in the file (show_if, finding) in its stored form; None if it cannot be given."""
        return None

    def describe_answers(self, q: Question) -> str:
        """The allowed answers, for messages."""
        if not self.finite:
            return "none (this type has no fixed answers)"
        return ", ".join(str(a) for a in self.answers(q))

    def default_finding(self, q: Question) -> tuple[FindingRule, ...]:
        """What the question proposes when the file says nothing."""
        return ()

    def has_limits(self, q: Question) -> bool:
        """True when out_of_limits can be judged for this question."""
        return False

    def limit_reason(self, q: Question, value: Any) -> str | None:
        """Why an answer is out of limits, or None."""
        return None

    def limits(self, q: Question) -> dict[str, Any] | None:
        """What `limit_reason` judges, for the browser's evaluator (static/js/rules.js): inclusive `min` and `max`
        (None: no bound) and `whole` (only whole numbers are judged); None when the question has no limits."""
        return None

    # -- answering -----------------------------------------------------------------------------------------
    def normalize(self, q: Question, raw: Any) -> Any:
        """Form input (a string, a list of strings, or a stored value) as the stored value; None clears."""
        if isinstance(raw, (list, tuple)):
            # An HTML form gives lists; one value is fine, several mean the form and the question disagree.
            if len(raw) > 1:
                raise AnswerError("Give one answer to this question.")
            raw = raw[0] if raw else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if not isinstance(raw, (str, int, float, date)):
            raise AnswerError("Give a single value as the answer.")
        return self.parse(q, raw)

    def parse(self, q: Question, raw: Any) -> Any:
        """One non-empty scalar as the stored value; AnswerError if it does not fit."""
        raise NotImplementedError

    def na(self, q: Question, text: str) -> bool:
        """True for an N/A answer the question allows; AnswerError for one it does not."""
        if text not in _NA_WORDS:
            return False
        if not q.allow_na:
            raise AnswerError("N/A is not allowed for this question; give an answer.")
        return True

    def score(self, q: Question, value: Any) -> float | None:
        """The fraction (0-1) of its weight an answer (not None, not N/A) earns, or None when it does not count."""
        return None

    def is_answered(self, q: Question, value: Any, photo_count: int) -> bool:
        """True when the question has an answer (N/A counts)."""
        return value is not None and value != "" and value != []

    def missing(self, q: Question, value: Any, photo_count: int) -> str | None:
        """Why a visible question blocks submission, or None."""
        if q.required and not self.is_answered(q, value, photo_count):
            return "required question not answered"
        return None

    # -- showing -------------------------------------------------------------------------------------------
    def label(self, q: Question, value: Any) -> str:
        """One answer as the auditor saw it, for a proposed finding's reason."""
        option = q.option(value) if isinstance(value, str) else None
        return option.label if option is not None else str(value)

    def text(self, q: Question, value: Any) -> str:
        """A stored answer (not None, not N/A) as a person reads it in CSV and PDF."""
        return str(value)

    def unanswered_text(self, photo_count: int) -> str:
        """What the PDF shows for a question without an answer."""
        return "—"

    def demo(self, q: Question, rng: random.Random, ok: bool) -> Any:
        """A plausible form answer for the demo history (a good one when `ok`); None leaves it unanswered."""
        return None

    # -- description ---------------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """A JSON-able description of the type, for docs and an offline evaluator."""
        return {"type": self.name, "keys": [k.describe() for k in self.keys], "stored": self.stored,
                "fixed_answers": list(self.fixed_answers), "finite": self.finite, "list_input": self.list_input,
                "operators": list(self.operators), "photos": self.photos, "scoring": self.scoring,
                "template": self.template}


def text_of(value: Any) -> str:
    """A scalar answer as lower-case text (booleans as true/false)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value).strip().lower()

