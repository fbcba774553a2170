"""Field readers and per-type rules for the loader: type keys, the answers each type can give, default findings."""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any
from collections.abc import Callable

from .model import NA, FindingRule, Option, Question, tidy_number

Add = Callable[[str, str], None]
DEFAULT_SCALE = (1, 5)
MAX_SCALE_STEPS = 11  # 0-10 is the widest scale that still fits a tablet row of buttons
MAX_DECIMALS = 6
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")


def join(path: str, key: str | int) -> str:
    """Extend a problem path: `sections` + 2 -> `sections[2]`, `sections[2]` + `title` -> `sections[2].title`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def slugify(text: str) -> str:
    """A valid id made from any text (accents dropped), or '' when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64].strip("-")


def kind(value: Any) -> str:
    """How a wrong value is described in a message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"text {value!r}"
    return f"the number {scalar_text(value)}"


def scalar_text(value: Any) -> str | None:
    """A YAML scalar as text, using its source spelling for numbers (so clause: 8.10 stays '8.10')."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return getattr(value, "source", None) or str(value)
    return None


def suggest(word: str, choices: Any) -> str:
    """'; did you mean 'x'?' for a near miss, else ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_keys(data: dict, allowed: tuple[str, ...], path: str, add: Add, what: str,
               elsewhere: dict | None = None) -> None:
    """Report keys that are not allowed, naming the closest allowed key or the type a key belongs to."""
    for key in data:
        if key in allowed:
            continue
        owners = [t for t, keys in (elsewhere or {}).items() if key in keys]
        if owners:
            add(join(path, str(key)), f"{key!r} does not apply to {what}; it is for {', '.join(owners)} "
                                      "questions — remove it or change the type")
        else:
            add(join(path, str(key)), f"unknown key {key!r} in {what}; allowed: {', '.join(allowed)}"
                                      f"{suggest(key, allowed)}")


def text_field(data: dict, key: str, path: str, add: Add, required: bool = False) -> str | None:
    """A trimmed text value; numbers are taken as written; empty counts as missing."""
    value = data.get(key)
    if value is None:
        if required:
            add(join(path, key), f"missing {key!r}; give a non-empty text")
        return None
    text = scalar_text(value)
    if text is None:
        add(join(path, key), f"{key!r} must be text, not {kind(value)}")
        return None
    text = text.strip()
    if not text and required:
        add(join(path, key), f"{key!r} is empty; give a non-empty text")
    return text or None


def slug_field(data: dict, key: str, path: str, add: Add, what: str) -> str | None:
    """A required slug id."""
    value = text_field(data, key, path, add, required=True)
    if value is not None and not SLUG.match(value):
        example = slugify(value) or "q1"
        add(join(path, key), f"{value!r} is not a valid {what}; use 1-64 lowercase letters, digits, '-' or '_', "
                             f"starting and ending with a letter or digit (e.g. {example!r})")
        return None
    return value


def bool_field(data: dict, key: str, path: str, add: Add, default: bool) -> bool:
    """A true/false value."""
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        add(join(path, key), f"{key!r} must be true or false, not {kind(value)}")
        return default
    return value


def number_field(data: dict, key: str, path: str, add: Add, whole: bool = False, at_least: float | None = None,
                 hint: str = ""):
    """An optional number (or whole number) with an optional lower bound; None if absent or wrong."""
    value = data.get(key)
    if value is None:
        return None
    wanted = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)) \
            or value != value or value in (float("inf"), float("-inf")):
        add(join(path, key), f"{key!r} must be {wanted}, not {kind(value)}")
        return None
    if at_least is not None and value < at_least:
        add(join(path, key), f"{key!r} must be at least {tidy_number(at_least)}, not {scalar_text(value)}{hint}")
        return None
    return tidy_number(int(value) if isinstance(value, int) else float(value))


def type_fields(qtype: str, raw: dict, path: str, add: Add) -> dict[str, Any]:
    """The Question fields specific to `qtype`, validated, with defaults filled in."""
    fields: dict[str, Any] = {}
    if qtype in ("yes_no", "pass_fail", "rating"):
        fields["allow_na"] = bool_field(raw, "allow_na", path, add, False)
    if qtype == "rating":
        fields.update(_rating(raw, path, add))
    elif qtype == "numeric":
        fields.update(_numeric(raw, path, add))
    elif qtype in ("single_choice", "multi_choice"):
        fields["options"] = _options(raw, qtype, path, add)
    elif qtype == "photo":
        fields["min_photos"] = number_field(raw, "min_photos", path, add, whole=True, at_least=1,
                                            hint="; to make photos optional write required: false") or 1
    return fields


def _rating(raw: dict, path: str, add: Add) -> dict[str, Any]:
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


def _numeric(raw: dict, path: str, add: Add) -> dict[str, Any]:
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


def default_finding(q: Question) -> tuple[FindingRule, ...]:
    """What a question proposes when its YAML says nothing: a failed check is a minor NC."""
    if q.type == "yes_no":
        return (FindingRule("minor", ("no",)),)
    if q.type == "pass_fail":
        return (FindingRule("minor", ("fail",)),)
    if q.has_limits:
        return (FindingRule("minor", out_of_limits=True),)
    return ()


def possible_answers(q: Question) -> list[Any]:
    """Every canonical answer of a finite-typed question (yes_no, pass_fail, rating, choices)."""
    na = [NA] if q.allow_na else []
    if q.type == "yes_no":
        return ["yes", "no"] + na
    if q.type == "pass_fail":
        return ["pass", "fail"] + na
    if q.type == "rating":
        return list(range(q.scale_min, q.scale_max + 1)) + na
    return [o.value for o in q.options]


def canonical_answer(q: Question, value: Any) -> Any:
    """An answer as written in YAML (show_if, finding) in its stored form, or None if the question cannot give it."""
    if q.type == "yes_no" and isinstance(value, bool):
        return "yes" if value else "no"
    text = scalar_text(value)
    if text is None:
        return None
    text = text.strip()
    if q.type in ("yes_no", "pass_fail"):
        return text.lower() if text.lower() in possible_answers(q) else None
    if q.type == "rating":
        if q.allow_na and text.lower() == NA:
            return NA
        labels = [label.lower() for label in q.labels]
        if text.lower() in labels:
            return labels.index(text.lower()) + 1
        number = int(text) if re.fullmatch(r"-?[0-9]+", text) else None
        return number if number is not None and q.scale_min <= number <= q.scale_max else None
    if q.type in ("single_choice", "multi_choice"):
        return text if text in possible_answers(q) else None
    return None


def describe_answers(q: Question) -> str:
    """The allowed answers, for messages."""
    if q.type == "rating":
        if q.labels:
            shown = [f"{i} ({label})" for i, label in enumerate(q.labels, start=1)]
        else:
            shown = [f"{q.scale_min}-{q.scale_max}"]
        return ", ".join(shown + ([NA] if q.allow_na else []))
    if q.type in ("yes_no", "pass_fail", "single_choice", "multi_choice"):
        return ", ".join(str(a) for a in possible_answers(q))
    return "none (this type has no fixed answers)"
