"""Edits from two screens: what a form saw of each field, and which fields someone else changed since (no Flask).

A form carries one token per field, `seen_<field>`: the field's stamp (when the record keeps per-field stamps)
and a digest of the value as the page showed it. On save a field someone else changed since is written only when
this person left it as it was shown (then theirs is kept) or typed the same; otherwise it is a conflict that shows
both texts. Fields nobody else touched save as usual.
"""
import hashlib
import json

PREFIX = "seen_"


def _plain(value):
    # A browser sends a textarea's line breaks as CRLF whatever the page showed.
    if isinstance(value, str):
        value = value.replace("\r\n", "\n")
    return "" if value in (None, [], "") else value


def digest(value) -> str:
    """A short digest of a field's value; empty, None and an empty list count as the same."""
    return hashlib.sha256(json.dumps(_plain(value), ensure_ascii=False).encode("utf-8")).hexdigest()[:20]


def token(value, stamp: str = "") -> str:
    """What a form carries for one field: its stamp and the digest of its value as shown."""
    return f"{stamp}:{digest(value)}"


def tokens(row: dict, fields, stamps: dict | None = None) -> dict[str, str]:
    """field → token for every field of `row` a form shows."""
    stamps = stamps or {}
    return {f: token(row.get(f), stamp_of(stamps, f)) for f in fields}


def stamp_of(stamps: dict, field: str) -> str:
    """The stamp a field carries (when and by whom it last changed), or '' when it never changed."""
    stamp = stamps.get(field) or {}
    return f"{stamp.get('at', '')}/{stamp.get('by', '')}" if stamp else ""


def seen_from(form) -> dict[str, str]:
    """The tokens a submitted form carries, by field."""
    return {k[len(PREFIX):]: v for k, v in form.items() if k.startswith(PREFIX)}


def merge(current: dict, mine: dict, seen: dict, stamps: dict | None = None) -> tuple[dict, list[dict]]:
    """(fields to write, conflicts) for `mine` against the record as it is now; a field without a token is
    written as before (callers that do not know what was shown)."""
    write, conflicts = {}, []
    for field, value in mine.items():
        if _plain(value) == _plain(current.get(field)):
            continue
        shown = seen.get(field)
        if shown is None or shown == token(current.get(field), stamp_of(stamps or {}, field)):
            write[field] = value
            continue
        if shown.rsplit(":", 1)[-1] == digest(value):
            continue  # left as shown: the other person's newer text stays
        conflicts.append({"field": field, "theirs": current.get(field), "yours": value})
    return write, conflicts


def conflict_message(conflicts: list[dict], labels: dict | None = None) -> str:
    """What a person is told when their edit met a newer one."""
    names = ", ".join((labels or {}).get(c["field"], c["field"].replace("_", " ")) for c in conflicts)
    return (f"Someone else changed {names} after you opened this page. Both texts are shown below: merge them and "
            "save again. Your other changes were saved.")
