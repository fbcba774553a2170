"""Question types answered by writing or attaching: a measured number, free text, a date, photos."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..model import TEXT_MAX_LENGTH, FindingRule, Question
from ..rules import AnswerError
from ..typespec import Add, bool_field, number_field, text_field
from .base import Key, QuestionType

MAX_DECIMALS = 6
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_LIMIT = Decimal("1e15")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
NOTES = ["Checked with the shift leader.", "Seen on the floor during the morning shift.",
         "Operator explained the method clearly.", "Records sampled: last three weeks.",
         "Board updated this week.", "Spot-checked two parts from the rack."]


class Numeric(QuestionType):
    name = "numeric"
    keys = (Key("unit", "text", "shown after the value"),
            Key("min", "number", "inclusive lower limit; a value below it is out of limits"),
            Key("max", "number", "inclusive upper limit; a value above it is out of limits"),
            Key("decimals", "whole number", "0–6: the most decimals an answer may have (0: whole numbers); more are "
                                                 "refused, not rounded"))
    settings = {"unit": None, "min": None, "max": None, "decimals": None}
    operators = ("out_of_limits",)
    limits_hint = "give the question 'min' and/or 'max'"
    stored = "number"
    scoring = "with limits: 1 within them, else 0; without limits it does not count"

    def read(self, raw: dict, path: str, add: Add) -> dict[str, Any]:
        """unit, min/max limits (inclusive) and decimals."""
        fields = {
            "unit": text_field(raw, "unit", path, add),
            "min": number_field(raw, "min", path, add),
            "max": number_field(raw, "max", path, add),
            "decimals": number_field(raw, "decimals", path, add, whole=True, at_least=0),
        }
        if fields["decimals"] is not None and fields["decimals"] > MAX_DECIMALS:
            add(f"{path}.decimals", f"'decimals' must be between 0 and {MAX_DECIMALS}, not {fields['decimals']}")
            fields["decimals"] = None
        if fields["min"] is not None and fields["max"] is not None and fields["min"] > fields["max"]:
            add(f"{path}.min", f"min ({fields['min']}) is greater than max ({fields['max']}); swap them")
        return fields

    def dump(self, q: Question) -> dict[str, Any]:
        return {key: getattr(q, key) for key in self.settings if getattr(q, key) is not None}

    def has_limits(self, q: Question) -> bool:
        return q.min is not None or q.max is not None

    def default_finding(self, q: Question) -> tuple[FindingRule, ...]:
        return (FindingRule("minor", out_of_limits=True),) if self.has_limits(q) else ()

    def limits(self, q: Question) -> dict[str, Any] | None:
        return {"min": q.min, "max": q.max, "whole": False} if self.has_limits(q) else None

    def limit_reason(self, q: Question, value: Any) -> str | None:
        """Why a value is out of limits, or None when it is within them (limits are inclusive)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        unit = f" {q.unit}" if q.unit else ""
        if q.min is not None and value < q.min:
            return f"{value}{unit} is below the lower limit {q.min}{unit}"
        if q.max is not None and value > q.max:
            return f"{value}{unit} is above the upper limit {q.max}{unit}"
        return None

    def parse(self, q: Question, raw: Any) -> int | float:
        """A finite number; a decimal comma is accepted (the site's locale writes 1,5); more decimals than the
        question's `decimals` are refused rather than rounded, so what is stored is what was read."""
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise AnswerError("Enter a number.")
        text = str(raw).strip()
        unit = f" in {q.unit}" if q.unit else ""
        example = "e.g. 12" if q.decimals == 0 else "e.g. 12.5"
        if not _NUMBER.match(text) and not isinstance(raw, (int, float)):
            raise AnswerError(f"Enter a {'whole number' if q.decimals == 0 else 'number'}{unit}, {example}.")
        try:
            # No "." and a "," is a decimal comma; "1.234,5" (a thousands point) does not match _NUMBER at all.
            value = Decimal(text.replace(",", "."))
            # Past 1e15 a float no longer holds every whole number: that is a typo, not a measurement.
            if not value.is_finite() or abs(value) >= _NUMBER_LIMIT:
                raise AnswerError("Enter a number between -1e15 and 1e15.")
        except InvalidOperation:
            raise AnswerError("Enter a number.") from None
        if q.decimals is not None and value != value.quantize(Decimal(1).scaleb(-q.decimals), rounding=ROUND_HALF_UP):
            if q.decimals == 0:
                raise AnswerError(f"Enter a whole number{unit}: {text} has decimals.")
            raise AnswerError(f"Give at most {q.decimals} decimal{'s' if q.decimals > 1 else ''}{unit}; {text} has "
                              "more.")
        return int(value) if value == value.to_integral_value() else float(value)

    def score(self, q: Question, value: Any) -> float | None:
        if not self.has_limits(q):
            return None
        return 0.0 if self.limit_reason(q, value) else 1.0

    def text(self, q: Question, value: Any) -> str:
        return f"{value} {q.unit}" if q.unit else str(value)

    def demo(self, q: Question, rng, ok: bool) -> Any:
        low = q.min if q.min is not None else 0
        high = q.max if q.max is not None else low + 10
        value = low + (high - low) * rng.uniform(0.2, 0.8) if ok else high + (high - low or 1) * 0.15
        return f"{value:.{1 if q.decimals is None else q.decimals}f}"


class Text(QuestionType):
    name = "text"
    keys = (Key("summary", "boolean", "the answer is the audit's summary, printed on the first page of the report",
                default=False),)
    settings = {"summary": False}
    stored = f"text, trimmed, ≤ {TEXT_MAX_LENGTH} characters"

    def read(self, raw: dict, path: str, add: Add) -> dict[str, Any]:
        return {"summary": bool_field(raw, "summary", path, add, False)}

    def dump(self, q: Question) -> dict[str, Any]:
        # Written only when set, so the canonical form (and hash) of existing text questions stays the same.
        return {"summary": True} if q.summary else {}

    def parse(self, q: Question, raw: Any) -> str:
        text = str(raw).strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise AnswerError(f"The text is {len(text)} characters long; keep it under {TEXT_MAX_LENGTH}.")
        return text

    def demo(self, q: Question, rng, ok: bool) -> Any:
        note = rng.choice(NOTES)
        # Auditors skip optional comment boxes about half the time.
        return None if not q.required and rng.random() < 0.5 else note


class Photo(QuestionType):
    name = "photo"
    keys = (Key("min_photos", "whole number", "photos needed (at least 1)", default=1),)
    settings = {"min_photos": None}
    photos = True
    stored = "no answer: photos attached as evidence"

    def read(self, raw: dict, path: str, add: Add) -> dict[str, Any]:
        return {"min_photos": number_field(raw, "min_photos", path, add, whole=True, at_least=1,
                                           hint="; to make photos optional write required: false") or 1}

    def dump(self, q: Question) -> dict[str, Any]:
        return {"min_photos": q.min_photos}

    def normalize(self, q: Question, raw: Any) -> Any:
        raise AnswerError("Photo questions are answered by attaching photos.")

    def is_answered(self, q: Question, value: Any, photo_count: int) -> bool:
        return photo_count >= (q.min_photos or 1)

    def missing(self, q: Question, value: Any, photo_count: int) -> str | None:
        needed = q.min_photos or 1
        # An optional photo question may stay empty, but once started it must reach its minimum.
        if photo_count < needed and (q.required or photo_count > 0):
            return f"needs at least {needed} photo{'s' if needed > 1 else ''}; has {photo_count}"
        return None

    def unanswered_text(self, photo_count: int) -> str:
        return f"{photo_count} photo(s)"


class Date(QuestionType):
    name = "date"
    stored = '`"YYYY-MM-DD"`'

    def parse(self, q: Question, raw: Any) -> str:
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

    def demo(self, q: Question, rng, ok: bool) -> Any:
        return (datetime.now(timezone.utc).date() - timedelta(days=rng.randint(20, 300))).isoformat()
