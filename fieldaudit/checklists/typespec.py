"""Field readers for the loader and the question types: each reports a wrong value through `add(path, message)`."""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any
from collections.abc import Callable

from .model import tidy_number

Add = Callable[[str, str], None]
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
