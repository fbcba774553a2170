"""Question types answered by picking: yes/no, pass/fail, a rating, one or several options."""
from __future__ import annotations

import re
from typing import Any

from ..model import NA, FindingRule, Option, Question
from ..rules import AnswerError
from ..typespec import Add, bool_field, check_keys, kind, number_field, scalar_text, text_field
from .base import Key, QuestionType, text_of

DEFAULT_SCALE = (1, 5)
MAX_SCALE_STEPS = 11  # 0-10 is the widest scale that still fits a tablet row of buttons
ALLOW_NA = Key("allow_na", "boolean", "N/A is an allowed answer", default=False)
OPTIONS = Key("options", "list", "at least two choices: texts, or {value, label, score} mappings", required=True)


class _Binary(QuestionType):
    """Two fixed answers (and N/A when allowed); the second one fails."""

    keys = (ALLOW_NA,)
    settings = {"allow_na": False}
    operators = ("when",)
    words: dict[str, str] = {}

    def read(self, raw: dict, path: str, add: Add) -> dict[str, Any]:
        return {"allow_na": bool_field(raw, "allow_na", path, add, False)}

    def dump(self, q: Question) -> dict[str, Any]:
        return {"allow_na": q.allow_na}

    def answers(self, q: Question) -> list[Any]:
        return list(self.fixed_answers) + ([NA] if q.allow_na else [])

    def canonical(self, q: Question, value: Any) -> Any:
        text = scalar_text(value)
        return text.strip().lower() if text is not None and text.strip().lower() in self.answers(q) else None

    def default_finding(self, q: Question) -> tuple[FindingRule, ...]:
        return (FindingRule("minor", (self.fixed_answers[1],)),)

    def parse(self, q: Question, raw: Any) -> str:
        text = text_of(raw)
        if self.na(q, text):
            return NA
        if text not in self.words:
            first, second = self.fixed_answers
            raise AnswerError(f"Answer {first} or {second}{', or N/A' if q.allow_na else ''}.")
        return self.words[text]

    def score(self, q: Question, value: Any) -> float | None:
        return 1.0 if value == self.fixed_answers[0] else 0.0

    def text(self, q: Question, value: Any) -> str:
        return str(value).capitalize()

    def demo(self, q: Question, rng, ok: bool) -> Any:
        if q.allow_na and rng.random() < 0.06:
            return NA
        return self.fixed_answers[0 if ok else 1]


class YesNo(_Binary):
    name = "yes_no"
    fixed_answers = ("yes", "no")
    words = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes", "no": "no", "n": "no", "false": "no", "0": "no"}
    stored = '`"yes"`, `"no"`, `"na"`'
    scoring = "yes = 1, no = 0"

    def canonical(self, q: Question, value: Any) -> Any:
        if isinstance(value, bool):
            return "yes" if value else "no"
        return super().canonical(q, value)


class PassFail(_Binary):
    name = "pass_fail"
    fixed_answers = ("pass", "fail")
    # OK/NOK is how many automotive shop floors write pass/fail.
    words = {"pass": "pass", "p": "pass", "ok": "pass", "fail": "fail", "f": "fail", "nok": "fail", "nio": "fail",
             "io": "pass"}
    stored = '`"pass"`, `"fail"`, `"na"`'
    scoring = "pass = 1, fail = 0"


class Rating(QuestionType):
    name = "rating"
    keys = (Key("scale", "mapping", "`{min: 1, max: 5}` (default; at most 11 steps)", default={"min": 1, "max": 5}),
            Key("labels", "list", "`[worst, …, best]` instead of `scale` (numbered from 1)"), ALLOW_NA)
    settings = {"allow_na": False, "scale_min": None, "scale_max": None, "labels": ()}
    operators = ("when",)
    stored = 'whole number, or `"na"`'
    scoring = "(value − min) / (max − min)"

    def read(self, raw: dict, path: str, add: Add) -> dict[str, Any]:
        return {"allow_na": bool_field(raw, "allow_na", path, add, False), **_scale(raw, path, add)}

    def dump(self, q: Question) -> dict[str, Any]:
        if q.labels:
            return {"allow_na": q.allow_na, "labels": list(q.labels)}
        return {"allow_na": q.allow_na, "scale": {"min": q.scale_min, "max": q.scale_max}}

    def load(self, data) -> dict[str, Any]:
        labels = tuple(data.get("labels", ()))
        scale = {"min": 1, "max": len(labels)} if labels else data.get("scale") or {}
        return {"allow_na": data.get("allow_na", False), "scale_min": scale.get("min"),
                "scale_max": scale.get("max"), "labels": labels}

    def answers(self, q: Question) -> list[Any]:
        return list(range(q.scale_min, q.scale_max + 1)) + ([NA] if q.allow_na else [])

    def canonical(self, q: Question, value: Any) -> Any:
        text = scalar_text(value)
        if text is None:
            return None
        text = text.strip()
        if q.allow_na and text.lower() == NA:
            return NA
        labels = [label.lower() for label in q.labels]
        if text.lower() in labels:
            return labels.index(text.lower()) + 1
        number = int(text) if re.fullmatch(r"-?[0-9]+", text) else None
        return number if number is not None and q.scale_min <= number <= q.scale_max else None

    def describe_answers(self, q: Question) -> str:
        shown = [f"{i} ({label})" for i, label in enumerate(q.labels, start=1)] if q.labels \
            else [f"{q.scale_min}-{q.scale_max}"]
        return ", ".join(shown + ([NA] if q.allow_na else []))

    def parse(self, q: Question, raw: Any) -> Any:
        text = text_of(raw)
        if self.na(q, text):
            return NA
        labels = [label.lower() for label in q.labels]
        if text in labels:
            return labels.index(text) + 1
        if re.fullmatch(r"[+-]?\d+", text):
            value = int(text)
            if q.scale_min <= value <= q.scale_max:
                return value
        raise AnswerError(f"Choose a rating from {q.scale_min} to {q.scale_max}.")

    def score(self, q: Question, value: Any) -> float | None:
        if not isinstance(value, int):
            return None
        return (value - q.scale_min) / (q.scale_max - q.scale_min)

    def label(self, q: Question, value: Any) -> str:
        label = f" ({q.labels[value - 1]})" if q.labels else ""
        return f"{value} of {q.scale_max}{label}"

    def text(self, q: Question, value: Any) -> str:
        """A rating as its label where the scale has labels ("Clear evidence (3 of 4)"), else "3 of 5"."""
        if not isinstance(value, int):
            return str(value)
        if q.labels:
            return f"{q.labels[value - 1]} ({value} of {q.scale_max})"
        return f"{value} of {q.scale_max}"

    def demo(self, q: Question, rng, ok: bool) -> Any:
        top = q.scale_max
        return str(rng.randint(max(q.scale_min, top - 1), top) if ok else
                   rng.randint(q.scale_min, max(q.scale_min, top - 2)))


class SingleChoice(QuestionType):
    name = "single_choice"
    keys = (OPTIONS,)
    settings = {"options": ()}
    operators = ("when",)
    stored = "the option's `value`"
    scoring = "the option's `score` (options without one do not count)"

    def read(self, raw: dict, path: str, add: Add) -> dict[str, Any]:
        return {"options": _options(raw, self.name, path, add)}

    def dump(self, q: Question) -> dict[str, Any]:
        return {"options": [o.to_dict() for o in q.options]}

    def load(self, data) -> dict[str, Any]:
        return {"options": tuple(Option(o["value"], o["label"], o.get("score")) for o in data.get("options", ()))}

    def answers(self, q: Question) -> list[Any]:
        return [o.value for o in q.options]

    def canonical(self, q: Question, value: Any) -> Any:
        text = scalar_text(value)
        return text.strip() if text is not None and text.strip() in self.answers(q) else None

    def parse(self, q: Question, raw: Any) -> str:
        """One option's value (matched exactly, then ignoring case)."""
        text = str(raw).strip()
        for option in q.options:
            if text == option.value:
                return option.value
        for option in q.options:
            if text.lower() in (option.value.lower(), option.label.lower()):
                return option.value
        raise AnswerError(f"'{text}' is not one of the options; choose one of: "
                          f"{', '.join(o.label for o in q.options)}.")

    def score(self, q: Question, value: Any) -> float | None:
        option = q.option(value)
        return None if option is None or option.score is None else float(option.score)

    def text(self, q: Question, value: Any) -> str:
        chosen = value if isinstance(value, list) else [value]
        labels = {o.value: o.label for o in q.options}
        return ", ".join(labels.get(v, str(v)) for v in chosen)

    def demo(self, q: Question, rng, ok: bool) -> Any:
        return (q.options[0] if ok else rng.choice(q.options)).value


class MultiChoice(SingleChoice):
    name = "multi_choice"
    list_input = True
    stored = "list of option values in the order of `options`"
    scoring = "does not count"

    def normalize(self, q: Question, raw: Any) -> list[str] | None:
        """Option values in the checklist's order, without repeats; an empty selection clears the answer."""
        items = raw if isinstance(raw, (list, tuple)) else [] if raw is None else [raw]
        chosen = {self.parse(q, item) for item in items if str(item).strip()}
        return [o.value for o in q.options if o.value in chosen] or None

    def score(self, q: Question, value: Any) -> float | None:
        return None

    def demo(self, q: Question, rng, ok: bool) -> Any:
        return [o.value for o in q.options if rng.random() < 0.5] or [q.options[0].value]


def _scale(raw: dict, path: str, add: Add) -> dict[str, Any]:
    """scale {min, max} or labels [..] (labels number the scale from 1)."""
    low, high = DEFAULT_SCALE
    if "scale" in raw and "labels" in raw:
        add(f"{path}.labels", "give either 'scale' or 'labels', not both (labels number the scale from 1)")
        return {"scale_min": low, "scale_max": high}
    if raw.get("labels") is not None:
        labels, value = [], raw["labels"]
        if not isinstance(value, list) or not 2 <= len(value) <= MAX_SCALE_STEPS:
            add(f"{path}.labels", f"'labels' must be a list of 2 to {MAX_SCALE_STEPS} texts, worst first, "
                                  f"not {kind(value) if not isinstance(value, list) else f'{len(value)} item(s)'}")
            return {"scale_min": low, "scale_max": high}
        for i, item in enumerate(value):
            text = (scalar_text(item) or "").strip()
            if not text:
                add(f"{path}.labels[{i}]", f"each label must be a non-empty text, not {kind(item)}")
            elif text.lower() in (t.lower() for t in labels):
                add(f"{path}.labels[{i}]", f"duplicate label {text!r}; each label must differ")
            labels.append(text)
        return {"scale_min": 1, "scale_max": len(labels), "labels": tuple(labels)}
    scale = raw.get("scale")
    if scale is None:
        return {"scale_min": low, "scale_max": high}
    if not isinstance(scale, dict):
        add(f"{path}.scale", f"'scale' must be a mapping like {{min: 1, max: 5}}, not {kind(scale)}")
        return {"scale_min": low, "scale_max": high}
    check_keys(scale, ("min", "max"), f"{path}.scale", add, "a rating scale")
    given_low = number_field(scale, "min", f"{path}.scale", add, whole=True)
    given_high = number_field(scale, "max", f"{path}.scale", add, whole=True)
    low = low if given_low is None else given_low
    high = high if given_high is None else given_high
    if low >= high:
        add(f"{path}.scale", f"the scale's min ({low}) must be below its max ({high}), e.g. {{min: 1, max: 5}}")
    elif high - low + 1 > MAX_SCALE_STEPS:
        add(f"{path}.scale", f"a scale of {high - low + 1} steps is too long; use at most {MAX_SCALE_STEPS} "
                             "(e.g. 0-10)")
    return {"scale_min": low, "scale_max": high}


def _options(raw: dict, qtype: str, path: str, add: Add) -> tuple[Option, ...]:
    """Options as texts or {value, label, score} mappings, at least two, values unique."""
    value = raw.get("options")
    if not isinstance(value, list) or len(value) < 2:
        found = "" if value is None else f", not {kind(value) if not isinstance(value, list) else len(value)}"
        add(f"{path}.options", f"{qtype} questions need 'options': a list of at least two choices{found}")
        return ()
    options, where = [], {}
    for i, item in enumerate(value):
        item_path = f"{path}.options[{i}]"
        if isinstance(item, dict):
            check_keys(item, ("value", "label", "score"), item_path, add, "an option")
            option_value = text_field(item, "value", item_path, add, required=True)
            label = text_field(item, "label", item_path, add) or option_value
            score = number_field(item, "score", item_path, add, at_least=0)
            if score is not None and score > 1:
                add(f"{item_path}.score", f"'score' is the fraction of the weight earned, from 0 to 1, not {score}")
            if score is not None and qtype != "single_choice":
                add(f"{item_path}.score", "option scores only count for single_choice questions; remove 'score'")
        else:
            option_value = (scalar_text(item) or "").strip() or None
            label, score = option_value, None
            if option_value is None:
                add(item_path, f"an option must be a text or a mapping {{value, label, score}}, not {kind(item)} "
                               "(quote yes/no/true/false/null)")
        if option_value is None:
            continue
        if option_value in where:
            add(item_path, f"duplicate option value {option_value!r}: also at {where[option_value]}; "
                           "option values must be unique")
            continue
        where[option_value] = item_path
        options.append(Option(option_value, label, score))
    return tuple(options)
