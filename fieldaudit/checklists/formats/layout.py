"""Our spreadsheet layout: its columns, and how one row's cells become a question's data and back."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ..model import Question
from ..typespec import suggest

CHECKLIST_KEYS = ("id", "version", "title", "standard", "description")
# (column, kind, what it holds): the order of the template and of exports.
COLUMNS = (
    ("section", "text", "Section title. Leave it empty to continue the section of the row above."),
    ("section_id", "text", "Optional section id (slug); derived from the title when empty."),
    ("id", "text", "Question id: lowercase letters, digits, - and _; unique in the checklist."),
    ("type", "text", "yes_no, pass_fail, rating, numeric, text, single_choice, multi_choice, photo, date, defects."),
    ("text", "text", "The question as the auditor reads it."),
    ("required", "bool", "yes (default) or no."),
    ("weight", "number", "Number ≥ 0 for the score (default 1; 0 keeps it out of the score)."),
    ("clause", "text", "Requirement reference, e.g. 8.5.1 (the column is formatted as text so 8.10 stays 8.10)."),
    ("procedure", "text", "Code of a controlled document, e.g. WI-ASM-012."),
    ("guidance", "text", "What evidence the auditor should look for."),
    ("options", "text", "Choices, separated by | or one per line: 'label', 'value = label' or "
                        "'value = label = score'. For rating: the labels, worst first."),
    ("allow_na", "bool", "yes when N/A is an allowed answer (yes_no, pass_fail, rating, choices); default no."),
    ("unit", "text", "numeric: unit shown after the value, e.g. Nm."),
    ("min", "number", "numeric: inclusive lower limit. rating: lowest point of the scale (default 1)."),
    ("max", "number", "numeric: inclusive upper limit. rating: highest point of the scale (default 5)."),
    ("decimals", "number", "numeric: the most decimals an answer may have (0-6)."),
    ("samples", "number", "defects: how many items are inspected."),
    ("max_defects", "number", "defects: acceptance number; more defects fail the question."),
    ("min_photos", "number", "photo: photos needed (default 1)."),
    ("summary", "bool", "text: yes when the answer is the audit's summary on the report's first page."),
    ("show_if_question", "text", "Show this question only for some answers of an earlier question: its id."),
    ("show_if_answers", "text", "…and the answers that show it, separated by commas, e.g. 'supervisor, manager'."),
    ("finding", "text", "Empty: the type's default. 'none': propose nothing. Else rules separated by |: "
                        "'ANSWERS: SEVERITY' or 'ANSWERS: SEVERITY: reason', e.g. 'no: minor', "
                        "'1, 2: major: Weak root cause', 'out of limits: major'."),
)
NAMES = tuple(name for name, _, _ in COLUMNS)
KINDS = {name: kind for name, kind, _ in COLUMNS}
REQUIRED_COLUMNS = ("section", "id", "type", "text")
ALIASES = {"question": "text", "question_text": "text", "question_id": "id", "section_title": "section",
           "na_allowed": "allow_na", "n/a_allowed": "allow_na", "show_if": "show_if_question",
           "show_if_answer": "show_if_answers", "document": "procedure", "linked_procedure": "procedure"}
TRUE_WORDS = {"yes", "y", "true", "1", "x", "ja", "oui"}
FALSE_WORDS = {"no", "n", "false", "0", "nein", "non"}
NO_FINDING = {"none", "no finding", "false"}
OUT_OF_LIMITS = {"out of limits", "out_of_limits"}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_SPLIT_LIST = re.compile(r"\s*(?:\||\r?\n)\s*")


def column_name(header: Any) -> str:
    """A header cell as a column name: lower case, spaces and dashes as '_' ('Show if question')."""
    name = re.sub(r"[\s-]+", "_", str(header or "").strip().lower()).strip("_")
    return ALIASES.get(name, name)


def unknown_column_hint(name: str) -> str:
    """What to do about a header that is not one of ours."""
    return (f"unknown column {name!r}; allowed: {', '.join(NAMES)}{suggest(name, NAMES)} "
            "(start a header with # to keep a column of your own notes)")


def text_of(value: Any) -> str | None:
    """A cell as trimmed text (numbers as written, 5.0 as '5'); None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def number_of(value: Any) -> Any:
    """A cell as a number; a text that is no number is returned as text, for the validator to name."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    text = text_of(value)
    if text is None or not _NUMBER.match(text):
        return text
    text = text.replace(",", ".")
    return float(text) if "." in text else int(text)


def bool_of(value: Any) -> bool | None:
    """A yes/no cell; raises ValueError for anything else."""
    if isinstance(value, bool):
        return value
    text = text_of(value)
    if text is None:
        return None
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    raise ValueError(f"write yes or no (or true/false, 1/0), not {text!r}")


def split_list(text: str | None, separator: re.Pattern = _SPLIT_LIST) -> list[str]:
    """'a | b' or one item per line as ['a', 'b']; empty items dropped."""
    return [item for item in separator.split(text or "") if item]


def options_of(text: str, rating: bool) -> list[Any]:
    """The options cell: 'label', 'value = label' or 'value = label = score' per item; ValueError if malformed."""
    items = []
    for item in split_list(text):
        parts = [part.strip() for part in item.split("=")]
        if rating:
            if len(parts) > 1:
                raise ValueError(f"rating labels are plain texts worst first, e.g. 'Poor | Fair | Good'; {item!r} "
                                 "has '='")
            items.append(item)
        elif len(parts) == 1:
            items.append(item)
        elif len(parts) == 2:
            items.append({"value": parts[0], "label": parts[1]})
        elif len(parts) == 3:
            items.append({"value": parts[0], "label": parts[1], "score": number_of(parts[2])})
        else:
            raise ValueError(f"an option is 'label', 'value = label' or 'value = label = score'; {item!r} has "
                             f"{len(parts) - 1} '='")
    return items


def finding_of(text: str) -> Any:
    """The finding cell as rules (or False for 'none'); ValueError with the expected form if malformed."""
    if text.strip().lower() in NO_FINDING:
        return False
    rules = []
    for item in split_list(text):
        parts = [part.strip() for part in item.split(":", 2)]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValueError(f"write each rule as 'ANSWERS: SEVERITY', e.g. 'no: minor' or 'out of limits: major'; "
                             f"{item!r} is not")
        severity = parts[1].lower()
        if parts[0].lower() in OUT_OF_LIMITS:
            rule: dict[str, Any] = {"out_of_limits": severity}
        else:
            rule = {"when": [answer.strip() for answer in parts[0].split(",") if answer.strip()], "severity": severity}
        if len(parts) == 3 and parts[2]:
            rule["reason"] = parts[2]
        rules.append(rule)
    return rules


# -- writing ----------------------------------------------------------------------------------------------------
class Unwritable(ValueError):
    """A checklist value the spreadsheet layout cannot hold (e.g. an option label containing '|')."""


def _plain(text: str, what: str, forbidden: str = "|=\n") -> str:
    """Text that may go into a list cell unchanged."""
    bad = next((c for c in forbidden if c in text), None)
    if bad is not None:
        shown = "a line break" if bad == "\n" else repr(bad)
        raise Unwritable(f"{what} {text!r} contains {shown}, which the spreadsheet layout uses as a separator; "
                         "export it as YAML or change the text")
    return text


def question_row(q: Question) -> dict[str, Any]:
    """One question as the cells of its row (section columns left to the caller)."""
    where = f"question {q.id!r}:"
    row: dict[str, Any] = {"id": q.id, "type": q.type, "text": q.text, "required": "yes" if q.required else "no",
                           "weight": q.weight, "clause": q.clause, "procedure": q.procedure, "guidance": q.guidance}
    if q.type == "rating":
        if q.labels:
            row["options"] = " | ".join(_plain(label, f"{where} rating label") for label in q.labels)
        elif (q.scale_min, q.scale_max) != (1, 5):
            row["min"], row["max"] = q.scale_min, q.scale_max
    elif q.options:
        row["options"] = " | ".join(_option(o, where) for o in q.options)
    if q.settings.get("allow_na"):
        row["allow_na"] = "yes"
    for key in ("unit", "min", "max", "decimals", "samples", "max_defects", "min_photos"):
        if key in q.settings and q.settings[key] is not None:
            row[key] = q.settings[key]
    if q.settings.get("summary"):
        row["summary"] = "yes"
    if q.show_if is not None:
        row["show_if_question"] = q.show_if.question
        row["show_if_answers"] = ", ".join(_plain(str(v), f"{where} show_if answer", "|,\n") for v in q.show_if.values)
    if q.kind.operators and tuple(q.finding) != tuple(q.kind.default_finding(q)):
        row["finding"] = " | ".join(_rule(r, where) for r in q.finding) if q.finding else "none"
    return {k: v for k, v in row.items() if v is not None}


def _option(option, where: str) -> str:
    """One option in the options cell."""
    value = _plain(option.value, f"{where} option value")
    label = _plain(option.label, f"{where} option label")
    if option.score is not None:
        return f"{value} = {label} = {option.score}"
    return value if label == value else f"{value} = {label}"


def _rule(rule, where: str) -> str:
    """One finding rule in the finding cell."""
    answers = "out of limits" if rule.out_of_limits else \
        ", ".join(_plain(str(a), f"{where} finding answer", "|,:\n") for a in rule.when)
    text = f"{answers}: {rule.severity}"
    return f"{text}: {_plain(rule.reason, f'{where} finding reason', '|' + chr(10))}" if rule.reason else text
