"""Defects: how many of N inspected samples show a defect, judged against an optional acceptance number."""
from __future__ import annotations

import re
from typing import Any

from ..model import FindingRule, Question
from ..rules import AnswerError
from ..typespec import Add, number_field
from .base import Key, QuestionType


class Defects(QuestionType):
    name = "defects"
    keys = (Key("samples", "whole number", "how many items are inspected (≥ 1)", required=True),
            Key("max_defects", "whole number", "acceptance number (0 to `samples`): more defects than this fails "
                                               "the question and proposes a finding"))
    settings = {"samples": None, "max_defects": None}
    operators = ("out_of_limits",)
    limits_hint = "give the question 'max_defects' (the acceptance number)"
    stored = "whole number of defective samples, 0 to `samples`"
    scoring = ("with `max_defects`: 1 when defects ≤ max_defects, else 0; without it: 1 − defects / samples "
               "(proportional)")

    def read(self, raw: dict, path: str, add: Add) -> dict[str, Any]:
        samples = number_field(raw, "samples", path, add, whole=True, at_least=1)
        if samples is None and raw.get("samples") is None:
            add(f"{path}.samples", "defects questions need 'samples': how many items are inspected, a whole "
                                   "number of at least 1, e.g. samples: 20")
        most = number_field(raw, "max_defects", path, add, whole=True, at_least=0,
                            hint=" (0 means a single defect fails)")
        if samples is not None and most is not None and most > samples:
            add(f"{path}.max_defects", f"'max_defects' ({most}) is more than 'samples' ({samples}); the "
                                       f"acceptance number must be between 0 and {samples}")
        return {"samples": samples, "max_defects": most}

    def dump(self, q: Question) -> dict[str, Any]:
        data = {"samples": q.samples}
        if q.max_defects is not None:
            data["max_defects"] = q.max_defects
        return data

    def has_limits(self, q: Question) -> bool:
        return q.max_defects is not None

    def default_finding(self, q: Question) -> tuple[FindingRule, ...]:
        return (FindingRule("minor", out_of_limits=True),) if self.has_limits(q) else ()

    def limits(self, q: Question) -> dict[str, Any] | None:
        return {"min": None, "max": q.max_defects, "whole": True} if self.has_limits(q) else None

    def limit_reason(self, q: Question, value: Any) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool) or q.max_defects is None:
            return None
        if value > q.max_defects:
            return f"{self.text(q, value)}: more than the {q.max_defects} accepted"
        return None

    def parse(self, q: Question, raw: Any) -> int:
        """A whole number of defects from 0 to the number of samples."""
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = str(raw).strip()
        if isinstance(raw, bool) or not re.fullmatch(r"[+-]?\d{1,15}", text):
            raise AnswerError(f"Enter how many of the {q.samples} samples show a defect: a whole number from 0 "
                              f"to {q.samples}.")
        value = int(text)
        if value < 0:
            raise AnswerError(f"The number of defects cannot be negative; enter 0 to {q.samples}.")
        if value > q.samples:
            raise AnswerError(f"{value} defects is more than the {q.samples} samples inspected; enter 0 to "
                              f"{q.samples}.")
        return value

    def score(self, q: Question, value: Any) -> float | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        if q.max_defects is not None:
            return 1.0 if value <= q.max_defects else 0.0
        return 1.0 - value / q.samples

    def text(self, q: Question, value: Any) -> str:
        if not isinstance(value, int) or isinstance(value, bool):
            return str(value)
        return f"{value} defect{'' if value == 1 else 's'} in {q.samples} samples ({100 * value / q.samples:.1f} %)"

    def demo(self, q: Question, rng, ok: bool) -> Any:
        accepted = q.max_defects if q.max_defects is not None else q.samples // 10
        if ok or accepted >= q.samples:
            return str(rng.randint(0, accepted))
        return str(rng.randint(accepted + 1, min(q.samples, accepted + 3)))
