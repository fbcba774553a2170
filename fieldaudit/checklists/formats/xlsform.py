"""XLSForm (ODK, Kobo, SurveyCTO) in: pyxform reads and checks the form; we map what has a FieldAudit meaning and
list, question by question, what does not (calculations, repeats, unsupported types and expressions)."""
from __future__ import annotations

import io
import re
from pathlib import PurePath
from typing import Any

from pyxform.builder import create_survey_element_from_dict
from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from .. import schema
from ..loader import ChecklistError
from ..typespec import slugify
from . import expressions
from .common import ImportNote, ReadResult
from .workbook import place

SIMPLE = {"text": "text", "date": "date", "photo": "photo", "select one": "single_choice",
          "select all that apply": "multi_choice", "integer": "numeric", "decimal": "numeric"}
WHY_NOT = {
    "calculate": "calculations have no FieldAudit equivalent (scores are computed from weights)",
    "repeat": "repeats have no FieldAudit equivalent (a checklist asks each question once)",
}
METADATA = {"start", "end", "today", "deviceid", "phonenumber", "username", "email", "simserial", "subscriberid",
            "audit", "start-geopoint"}
# JSON keys pyxform gives a question that the mapping reads (anything else is listed as not imported).
READ_KEYS = {"type", "name", "label", "hint", "guidance_hint", "bind", "choices", "itemset", "list_name",
             "parameters", "children"}
BIND_COLUMNS = {"jr:constraintMsg": "constraint_message", "jr:requiredMsg": "required_message",
                "readonly": "read_only", "calculate": "calculation", "jr:preload": "preload"}
COLUMN_OF = {"text": "label", "id": "name", "guidance": "hint", "options": "choices sheet", "show_if": "relevant",
             "min": "constraint", "max": "constraint", "decimals": "type", "scale": "parameters"}


class _Form:
    """State of one mapping: sections built so far, ids given, notes, and the survey row of each question."""

    def __init__(self, raw_rows: list[dict], language: str | None):
        """Start a mapping over pyxform's rows of the survey sheet."""
        self.raw_rows, self.cursor, self.language = raw_rows, 0, language
        self.sections: list[dict] = []
        self.ids: dict[str, str] = {}        # XLSForm name -> question id
        self.kinds: dict[str, dict] = {}     # question id -> its data (for show_if targets)
        self.rows: dict[tuple[int, int], int] = {}
        self.notes: list[ImportNote] = []
        self.pending_note: list[tuple[int | None, str, str]] = []  # notes waiting for the next question
        self.in_group: set[str] = set()      # ids of sections made from a group
        self.languages: set[str] = set()

    def row_of(self, name: str | None) -> int | None:
        """The survey row of the next element with this name (pyxform keeps the sheet's order)."""
        for index in range(self.cursor, len(self.raw_rows)):
            if self.raw_rows[index].get("name") == name:
                self.cursor = index + 1
                return index + 2  # the header is row 1
        return None

    def note(self, row: int | None, name: str, message: str) -> None:
        """List something of the form that was not imported."""
        self.notes.append(ImportNote(row, name, message))

    def text(self, value: Any) -> str | None:
        """A label or hint in the form's default language."""
        if isinstance(value, dict):
            self.languages.update(value)
            value = value.get(self.language) if self.language in value else next(iter(value.values()), None)
        return str(value).strip() if value is not None and str(value).strip() else None

    def section(self, title: str) -> dict:
        """A new section with an id unique in the checklist."""
        base = slugify(title) or "section"
        taken = {s["id"] for s in self.sections}
        section_id = next(f"{base}-{n}" if n > 1 else base for n in range(1, len(taken) + 2)
                          if (f"{base}-{n}" if n > 1 else base) not in taken)
        section = {"id": section_id, "title": title, "questions": []}
        self.sections.append(section)
        return section

    def question_id(self, name: str) -> str:
        """A slug id from an XLSForm name (Q1.a -> q1-a), unique in the checklist."""
        base = slugify(name.replace("_", "-")).replace("-", "_") if "_" in name else slugify(name)
        base = base or "q"
        taken = set(self.ids.values())
        new = next(c for c in (base, *(f"{base}-{n}" for n in range(2, 10_000))) if c not in taken)
        self.ids[name] = new
        return new


def read_xlsform(data: bytes, filename: str) -> ReadResult:
    """An XLSForm .xlsx as checklist data and notes; pyxform's own message (with its row) when it rejects the form."""
    try:
        workbook = get_xlsform(xlsform=io.BytesIO(data), file_type=".xlsx")
        raw_rows = [dict(row) for row in (workbook.survey or [])]
        settings = dict((workbook.settings or [{}])[0]) if workbook.settings else {}
        form = workbook_to_json(workbook_dict=workbook, form_name="data", warnings=[])
        create_survey_element_from_dict(form).to_xml(validate=False, warnings=[])
    except PyXFormError as exc:
        raise ChecklistError([_pyxform_problem(filename, str(exc))]) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # pyxform's own bugs on odd input
        raise ChecklistError([place(filename, "survey", None, None, None,
                                    f"pyxform could not read this form ({type(exc).__name__}: {exc})")]) from None
    language = settings.get("default_language") or form.get("default_language")
    mapped = _Form(raw_rows, language)
    _children(mapped, form.get("children", []), None, [], in_repeat=None)
    if len(mapped.languages) > 1:
        mapped.note(None, "", f"labels in {len(mapped.languages)} languages; imported "
                              f"{language if language in mapped.languages else sorted(mapped.languages)[0]!r}")
    if settings.get("version"):
        mapped.note(None, "", f"form version {settings['version']!r} not used: FieldAudit numbers the versions of a "
                              "checklist itself")
    stem = PurePath(filename).stem
    data_out = {"id": slugify(str(settings.get("form_id") or stem)) or "imported-form", "version": 1,
                "title": str(settings.get("form_title") or stem),
                "sections": [s for s in mapped.sections if s["questions"]]}
    if not data_out["sections"]:
        raise ChecklistError([place(filename, "survey", None, None, None, "no question of the form could be "
                                    "imported: " + "; ".join(str(n) for n in mapped.notes)[:2000])])
    problems: list = []
    rows = {(i, j): mapped.rows[(k, j)] for i, (k, s) in enumerate(
        (k, s) for k, s in enumerate(mapped.sections) if s["questions"]) for j in range(len(s["questions"]))}
    schema.build_checklist(data_out, lambda path, message: problems.append(_locate(filename, rows, path, message)))
    if problems:
        raise ChecklistError(problems)
    return ReadResult(data_out, mapped.notes, "xlsform")


def _children(form: _Form, children: list, section: dict | None, conditions: list, in_repeat: str | None) -> None:
    """Map a list of survey elements into `section` (a new 'General' one for top-level questions)."""
    for child in children:
        kind, name = child.get("type"), child.get("name") or ""
        if kind == "group" and name == "meta" and child.get("control", {}).get("bodyless"):
            continue  # pyxform's own instanceID, not a row of the form
        row = form.row_of(name)
        relevant = (child.get("bind") or {}).get("relevant")
        if kind in ("group", "repeat"):
            title = form.text(child.get("label")) or name
            outer = section["title"] if section and section["id"] in form.in_group else None
            inner = form.section(f"{outer} › {title}" if outer else title)
            form.in_group.add(inner["id"])
            repeat = in_repeat or (name if kind == "repeat" else None)
            if kind == "repeat":
                form.note(row, name, WHY_NOT["repeat"] + "; its questions are listed below and not imported")
            for key, value in (child.get("control") or {}).items():
                form.note(row, name, f"{key} {form.text(value)!r} of the {kind} not imported")
            inherited = conditions + ([(row, name, relevant)] if relevant else [])
            _children(form, child.get("children", []), inner, inherited, repeat)
            if section is not None and section["id"] in form.in_group:
                section = form.section(section["title"])  # questions after a nested group continue the outer one
                form.in_group.add(section["id"])
            else:
                section = None
            continue
        if section is None:
            section = form.section("General")
        if in_repeat:
            form.note(row, name, f"{kind} inside repeat {in_repeat!r}: not imported")
            continue
        _question(form, child, row, section, conditions + ([(row, name, relevant)] if relevant else []))
    for row, name, label in form.pending_note:
        form.note(row, name, f"note {label!r} has no question after it in its group to be the guidance of; "
                             "not imported")
    form.pending_note = []


def _question(form: _Form, element: dict, row: int | None, section: dict, conditions: list) -> None:
    """One survey question into `section`, or a note saying why it is not imported."""
    kind, name = element.get("type"), element.get("name") or ""
    label = form.text(element.get("label"))
    if kind == "note":
        if conditions:
            form.note(row, name, "the note's relevant condition is not kept (notes become guidance)")
        if label:
            form.pending_note.append((row, name, label))
        return
    if kind in METADATA:
        form.note(row, name, f"metadata field ({kind}) not imported: FieldAudit records who audited and when itself")
        return
    if kind == "range":
        qtype, extra = expressions.range_question(element.get("parameters") or {})
    elif kind in SIMPLE:
        qtype, extra = SIMPLE[kind], {}
    else:
        form.note(row, name, WHY_NOT.get(kind, f"type {kind!r} has no FieldAudit equivalent") + "; not imported")
        return
    if qtype is None:
        form.note(row, name, f"range {extra}; not imported")
        return
    qid = form.question_id(name)
    question: dict[str, Any] = {"id": qid, "text": label or name, "type": qtype, **extra}
    bind = dict(element.get("bind") or {})
    guidance = [t for t in (*(label for _, _, label in form.pending_note), form.text(element.get("hint")),
                            form.text(element.get("guidance_hint"))) if t]
    form.pending_note = []
    if guidance:
        question["guidance"] = "\n".join(guidance)
    question["required"] = expressions.required(bind.pop("required", None), lambda m: form.note(row, name, m))
    if kind == "integer":
        question["decimals"] = 0
    if kind in ("select one", "select all that apply"):
        choices = element.get("choices") or []
        if not choices:
            form.note(row, name, "choices come from an external file or a filter; not imported")
            form.ids.pop(name)
            return
        question["options"] = [{"value": str(c.get("name")), "label": form.text(c.get("label")) or str(c.get("name"))}
                               for c in choices]
        if element.get("choice_filter") or bind.get("choice_filter"):
            form.note(row, name, "choice_filter not kept: every option is shown")
    constraint = bind.pop("constraint", None)
    if constraint:
        limits, message = expressions.limits(constraint, integer=kind == "integer")
        question.update(limits)
        if message:
            form.note(row, name, message)
    bind.pop("relevant", None)
    if conditions:
        _show_if(form, question, row, name, conditions)
    unread = {**{k: element[k] for k in sorted(set(element) - READ_KEYS - {"control"})},
              **(element.get("control") or {}), **bind}
    for key, value in unread.items():
        if key == "bodyless" or (kind == "range" and key in ("start", "end", "step")):
            continue  # pyxform copies range parameters into control
        column = BIND_COLUMNS.get(key, key)
        form.note(row, name, f"{column} {form.text(value)!r} not imported")
    form.rows[(form.sections.index(section), len(section["questions"]))] = row
    form.kinds[qid] = question
    section["questions"].append(question)


def _show_if(form: _Form, question: dict, row: int | None, name: str, conditions: list) -> None:
    """A relevant condition as show_if when it is one comparison (or an 'or' of them) on an earlier choice."""
    if len(conditions) > 1:
        form.note(row, name, "relevant conditions of the question and its group(s) together do not map to one "
                             f"show_if ({' and '.join(c[2] for c in conditions)}); the question is always shown")
        return
    _, _, relevant = conditions[0]
    target, values, why = expressions.relevant(relevant)
    target_id = form.ids.get(target) if target else None
    if target and target_id is None:
        why = f"it refers to {target!r}, which is not an earlier imported question"
    elif target_id is not None and form.kinds[target_id]["type"] not in ("single_choice", "multi_choice", "rating"):
        why = f"it refers to {target!r}, a {form.kinds[target_id]['type']} question; show_if needs a choice"
    if why:
        form.note(row, name, f"relevant {relevant!r} not kept ({why}); the question is always shown")
        return
    question["show_if"] = {"question": target_id, "equals": values[0]} if len(values) == 1 else \
        {"question": target_id, "in": values}


def _pyxform_problem(filename: str, message: str):
    """pyxform's message at its row ('[row : 7] ...') on the sheet it names."""
    match = re.search(r"\[row\s*:\s*(\d+)\]", message)
    sheet = next((name for name in ("choices", "settings") if f"on the '{name}' sheet" in message.lower()), "survey")
    text = re.sub(r"\s+", " ", message).strip()
    return place(filename, sheet, int(match.group(1)) if match else None, None, None,
                 f"pyxform rejects the form: {text}")


def _locate(filename: str, rows: dict, path: str, message: str):
    """A validator problem on the imported data, placed on the survey row it came from."""
    match = re.match(r"^sections\[(\d+)\]\.questions\[(\d+)\](?:\.([a-z_]+))?", path)
    if not match:
        return place(filename, "settings" if path in ("id", "title") else "survey", None, None, None, message)
    row = rows.get((int(match.group(1)), int(match.group(2))))
    return place(filename, "survey", row, None, COLUMN_OF.get(match.group(3) or "", match.group(3)), message)
