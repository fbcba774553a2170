"""Validate plain checklist data (from YAML, JSON or a form) into the model, collecting every problem."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from . import qtypes
from .model import SEVERITIES, Checklist, FindingRule, Question, Section, ShowIf
from .qtypes import QUESTION_TYPES
from .typespec import (Add, bool_field, check_keys, join, kind, number_field, scalar_text, slug_field, slugify,
                       suggest, text_field)

CHECKLIST_KEYS = ("id", "version", "title", "standard", "description", "sections")
SECTION_KEYS = ("id", "title", "questions")
COMMON_KEYS = ("id", "text", "type", "required", "weight", "clause", "guidance", "procedure", "show_if", "finding")
TYPE_KEYS = qtypes.type_keys()
PROCEDURE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")


def build_checklist(data: Any, add: Add) -> Checklist | None:
    """Validate checklist data; report each problem through `add(path, message)`; the model if none."""
    reported = []

    def note(path: str, message: str) -> None:
        reported.append(path)
        add(path, message)

    if not isinstance(data, dict):
        note("", f"the top level must be a mapping with id, version, title and sections, not {kind(data)}")
        return None
    check_keys(data, CHECKLIST_KEYS, "", note, "a checklist")
    checklist_id = slug_field(data, "id", "", note, "checklist id")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        note("version", "missing 'version'; give a positive whole number, e.g. version: 1" if version is None
             else f"'version' must be a positive whole number (1, 2, ...), not {kind(version)}")
    title = text_field(data, "title", "", note, required=True)
    standard = text_field(data, "standard", "", note)
    description = text_field(data, "description", "", note)
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        note("sections", "missing 'sections'; give a list of sections, each with a title and questions"
             if raw_sections is None else
             "'sections' is empty; give at least one section" if raw_sections == [] else
             f"'sections' must be a list of sections (each with title and questions), not {kind(raw_sections)}")
        raw_sections = []
    seen: dict[str, tuple[int, str, Question | None]] = {}
    pending: list[tuple[Question, int, str, Any]] = []  # show_ifs, resolved once every id is known
    sections, section_paths = [], {}
    for i, raw in enumerate(raw_sections):
        path = join("sections", i)
        section = _section(raw, i, path, note, seen, pending)
        if section is None:
            continue
        if section.id in section_paths:
            derived = "" if isinstance(raw_sections[i], dict) and "id" in raw_sections[i] else \
                " (derived from the title; give one an explicit 'id')"
            note(join(path, "id"), f"duplicate section id {section.id!r}{derived}: also used at "
                                   f"{section_paths[section.id]}; section ids must be unique")
        section_paths.setdefault(section.id, path)
        sections.append(section)
    resolved = {}
    for question, order, path, raw_show_if in pending:
        resolved[question.id] = _show_if(raw_show_if, question, order, join(path, "show_if"), note, seen)
    if reported:
        return None
    sections = [replace(s, questions=tuple(replace(q, show_if=resolved.get(q.id)) for q in s.questions))
                for s in sections]
    return Checklist(checklist_id, int(version), title, standard, description, tuple(sections))


def _section(raw: Any, index: int, path: str, add: Add, seen: dict, pending: list) -> Section | None:
    """One section; its questions are registered in `seen` (id -> order, path, question)."""
    if not isinstance(raw, dict):
        add(path, f"each section must be a mapping with title and questions, not {kind(raw)}")
        return None
    check_keys(raw, SECTION_KEYS, path, add, "a section")
    title = text_field(raw, "title", path, add, required=True)
    if "id" in raw:
        section_id = slug_field(raw, "id", path, add, "section id")
    else:
        # Derived ids stay stable while the title does; authors who rename titles should pin an id.
        section_id = slugify(title or "") or f"section-{index + 1}"
    raw_questions = raw.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        add(join(path, "questions"), "missing 'questions'; give a list of questions" if raw_questions is None
            else "'questions' is empty; give at least one question" if raw_questions == []
            else f"'questions' must be a list of questions, not {kind(raw_questions)}")
        raw_questions = []
    questions = []
    for j, raw_q in enumerate(raw_questions):
        q_path = join(join(path, "questions"), j)
        question = _question(raw_q, q_path, add)
        # Register ids of broken questions too, so a duplicate or a show_if pointing at one is judged right.
        qid = question.id if question else scalar_text(raw_q.get("id")) if isinstance(raw_q, dict) else None
        if qid is None:
            continue
        if qid in seen:
            add(join(q_path, "id"), f"duplicate question id {qid!r}: also used at {seen[qid][1]}; "
                                    "question ids must be unique in the whole checklist")
            continue
        seen[qid] = (len(seen), q_path, question)
        if question is None:
            continue
        if raw_q.get("show_if") is not None:
            pending.append((question, seen[qid][0], q_path, raw_q["show_if"]))
        questions.append(question)
    if title is None or section_id is None:
        return None
    return Section(section_id, title, tuple(questions))


def _question(raw: Any, path: str, add: Add) -> Question | None:
    """One question without its show_if (resolved once every id is known); None if it has no usable id."""
    if not isinstance(raw, dict):
        add(path, f"each question must be a mapping with id, text and type, not {kind(raw)}")
        return None
    qtype = raw.get("type")
    if qtype is None:
        add(join(path, "type"), f"missing 'type'; allowed: {', '.join(QUESTION_TYPES)}")
    elif qtype not in QUESTION_TYPES:
        add(join(path, "type"), f"unknown question type {qtype!r}; allowed: {', '.join(QUESTION_TYPES)}"
                                f"{suggest(qtype, QUESTION_TYPES)}")
        qtype = None
    if qtype is None:
        every_key = COMMON_KEYS + tuple(k for keys in TYPE_KEYS.values() for k in keys)
        check_keys(raw, tuple(dict.fromkeys(every_key)), path, add, "a question")
    else:
        check_keys(raw, COMMON_KEYS + TYPE_KEYS[qtype], path, add, f"{qtype} questions", TYPE_KEYS)
    fields: dict[str, Any] = {
        "id": slug_field(raw, "id", path, add, "question id"),
        "text": text_field(raw, "text", path, add, required=True),
        "type": qtype,
        "required": bool_field(raw, "required", path, add, True),
        "weight": number_field(raw, "weight", path, add, at_least=0,
                               hint=" (weight 0 keeps a question out of the score)"),
        "clause": text_field(raw, "clause", path, add),
        "guidance": text_field(raw, "guidance", path, add),
        "procedure": text_field(raw, "procedure", path, add),
    }
    if fields["weight"] is None:
        fields["weight"] = 1
    if fields["procedure"] is not None and not PROCEDURE.match(fields["procedure"]):
        add(join(path, "procedure"), f"{fields['procedure']!r} is not a document code; use letters, digits and "
                                     "'-', '_', '.', '/' without spaces, e.g. 'WI-ASM-012'")
    settings = qtypes.get(qtype).read(raw, path, add) if qtype is not None else {}
    if fields["id"] is None or fields["text"] is None or qtype is None:
        return None
    question = Question(**fields, settings=settings)
    rules = _finding(raw, question, join(path, "finding"), add)
    return replace(question, finding=rules)


def _finding(raw: dict, q: Question, path: str, add: Add) -> tuple[FindingRule, ...]:
    """The question's finding rules: given, disabled with `false`, or the type's default."""
    value = raw.get("finding")
    if value is None:
        return q.kind.default_finding(q)
    if not q.kind.operators:
        add(path, f"{q.type} questions cannot propose findings; remove 'finding' (the auditor can still raise "
                  "one by hand)")
        return ()
    if value is False:
        return ()
    items = [(path, value)] if isinstance(value, dict) else \
        [(join(path, i), v) for i, v in enumerate(value)] if isinstance(value, list) else None
    if items is None:
        add(path, f"'finding' must be a rule such as {{when: \"no\", severity: minor}}, a list of rules, "
                  f"or false to propose none; not {kind(value)}")
        return ()
    rules, claimed = [], {}
    for rule_path, item in items:
        rule = _rule(item, q, rule_path, add)
        if rule is None:
            continue
        for answer in rule.when:
            if answer in claimed:
                add(join(rule_path, "when"), f"answer {answer!r} already has a rule at {claimed[answer]}; "
                                             "give each answer one severity")
            claimed.setdefault(answer, rule_path)
        rules.append(rule)
    return tuple(rules)


def _rule(item: Any, q: Question, path: str, add: Add) -> FindingRule | None:
    """One finding rule: {when: answers, severity: s} or, for numeric, {out_of_limits: s}."""
    if not isinstance(item, dict):
        add(path, f"a finding rule must be a mapping such as {{when: \"no\", severity: minor}}, not {kind(item)}")
        return None
    check_keys(item, ("when", "severity", "out_of_limits", "reason"), path, add, "a finding rule")
    reason = text_field(item, "reason", path, add)
    if "when" not in q.kind.operators:
        if "when" in item or "severity" in item:
            add(path, f"{q.type} questions propose findings with {{out_of_limits: SEVERITY}}, not when/severity")
            return None
        if not q.has_limits:
            add(path, f"out_of_limits needs a limit; {q.kind.limits_hint}")
            return None
        severity = _severity(item.get("out_of_limits"), join(path, "out_of_limits"), add)
        return FindingRule(severity, out_of_limits=True, reason=reason) if severity else None
    if "out_of_limits" in item:
        owners = " and ".join(qtypes.with_operator("out_of_limits"))
        add(join(path, "out_of_limits"), f"out_of_limits is only for {owners} questions; for {q.type} write "
                                         "{when: ANSWER, severity: SEVERITY}")
        return None
    severity = _severity(item.get("severity"), join(path, "severity"), add)
    when = _answer_list(item, "when", q, path, add)
    return FindingRule(severity, when, reason=reason) if severity and when else None


def _severity(value: Any, path: str, add: Add) -> str | None:
    """A known severity."""
    if value in SEVERITIES:
        return value
    if value is None:
        add(path, f"missing severity; allowed: {', '.join(SEVERITIES)}")
    else:
        add(path, f"unknown severity {scalar_text(value) or kind(value)!r}; allowed: {', '.join(SEVERITIES)}"
                  f"{suggest(value, SEVERITIES)}")
    return None


def _answer_list(data: dict, key: str, q: Question, path: str, add: Add) -> tuple | None:
    """Answers named under `key` (one value or a list), each one the question can produce, canonicalised."""
    raw = data.get(key)
    if raw is None or raw == []:
        add(join(path, key), f"missing {key!r}; name the answer(s), allowed: {q.kind.describe_answers(q)}")
        return None
    if key == "equals" and isinstance(raw, list):
        add(join(path, key), "'equals' takes one answer; for several write 'in: [A, B]'")
        return None
    items = [(join(join(path, key), i), v) for i, v in enumerate(raw)] if isinstance(raw, list) \
        else [(join(path, key), raw)]
    values, ok = [], True
    for item_path, value in items:
        canonical = q.kind.canonical(q, value)
        if canonical is None:
            ok = False
            add(item_path, f"{scalar_text(value) or kind(value)!r} is not a possible answer of question {q.id!r} "
                           f"({q.type}); allowed: {q.kind.describe_answers(q)}")
        elif canonical not in values:
            values.append(canonical)
    return tuple(values) if ok else None


def _show_if(raw: Any, q: Question, order: int, path: str, add: Add, seen: dict) -> ShowIf | None:
    """Resolve a show_if against the questions before this one."""
    if not isinstance(raw, dict):
        add(path, f"'show_if' must be a mapping like {{question: ID, equals: VALUE}}, not {kind(raw)}")
        return None
    check_keys(raw, ("question", "equals", "in"), path, add, "show_if")
    target_id = scalar_text(raw.get("question"))
    if target_id is None:
        add(join(path, "question"), "missing 'question'; name an earlier question's id")
        return None
    if ("equals" in raw) == ("in" in raw):
        add(path, "give exactly one of 'equals: VALUE' or 'in: [VALUES]'")
        return None
    if target_id == q.id:
        add(join(path, "question"), "a question cannot depend on itself; name an earlier question")
        return None
    if target_id not in seen:
        add(join(path, "question"), f"show_if refers to unknown question {target_id!r}{suggest(target_id, seen)}")
        return None
    target_order, target_path, target = seen[target_id]
    if target_order > order:
        add(join(path, "question"), f"show_if refers to {target_id!r}, which comes later (at {target_path}); "
                                    "a question can only depend on an earlier one — move one of them")
        return None
    if target is None:
        return None  # the target's own problems are reported; judging values against it would only add noise
    if not target.kind.finite:
        add(join(path, "question"), f"show_if can only depend on a {', '.join(qtypes.with_operator('when'))} question; "
                                    f"{target_id!r} is {target.type}")
        return None
    if "in" in raw and not isinstance(raw["in"], list):
        add(join(path, "in"), f"'in' must be a list of answers, not {kind(raw['in'])}; or use 'equals'")
        return None
    values = _answer_list(raw, "equals" if "equals" in raw else "in", target, path, add)
    return ShowIf(target_id, values) if values else None
