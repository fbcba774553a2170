"""What the builder's pages show (no routes, no Flask): the draft, its problems by field, and a preview of one
section built for the auditor's own question templates."""
from __future__ import annotations

from typing import Any

from . import editing, loader, qtypes
from . import drafts
from .model import SEVERITIES, SEVERITY_LABELS


class NotInForce:
    """The preview's answer to "is this procedure in force here": the builder is at no site, so never."""

    def __contains__(self, code: str) -> bool:
        return False


def editor_context(db, version_id: str, section_index: int = 0, documents: list[dict] | None = None) -> dict:
    """Everything the draft editor renders: the draft, problems by field, pickers and the section preview."""
    row, head, data = drafts.get(db, version_id)
    problems = drafts.problems(db, version_id)
    sections = [s if isinstance(s, dict) else {} for s in editing.sections(data)]
    section_index = min(max(section_index, 0), max(len(sections) - 1, 0))
    return {"draft": row, "head": head, "data": data, "sections": sections, "problems": problems,
            "places": editing.problem_places(problems), "next_version": drafts.next_version(db, head["id"]),
            "types": qtypes.describe_all(), "type_keys": editing.TYPE_KEYS, "severities": SEVERITIES,
            "severity_labels": SEVERITY_LABELS, "documents": documents or [],
            "controllers": {(i, j): editing.earlier_controllers(data, i, j) for i, s in enumerate(sections)
                            for j, _ in enumerate(s.get("questions") or ())},
            "answers_of": editing.answers_of, "finding_mode": editing.finding_mode,
            "finding_choices": editing.finding_choices, "finding_reasons": editing.finding_reasons, "options_text": editing.options_text,
            "preview_index": section_index,
            "preview": preview_section(data, section_index) if sections else None}


def preview_section(data: dict, index: int) -> dict:
    """A section as the audit page would show it with no answers yet: the context of templates/audits/_question.html.

    Each question is validated alone (without its show_if and rules), so one broken question does not hide the
    others; those that do not validate are listed by position instead."""
    section_data = editing.sections(data)[index]
    built, broken = [], []
    for j, raw in enumerate(section_data.get("questions") or () if isinstance(section_data, dict) else ()):
        question = _alone(raw)
        if question is None:
            broken.append(j + 1)
        else:
            built.append((question, isinstance(raw, dict) and raw.get("show_if") is not None))
    from .model import Section
    section = Section(str(section_data.get("id") or "preview") if isinstance(section_data, dict) else "preview",
                      str(section_data.get("title") or "") if isinstance(section_data, dict) else "",
                      tuple(q for q, _ in built))
    return {"section": section, "section_index": index, "broken": broken,
            "conditional": {q.id for q, shown_if in built if shown_if},
            "context": {"audit": {"id": "preview", "site_name": "the audited site", "status": "in_progress"},
                        "section": section, "section_index": index, "visible": {q.id for q in section.questions},
                        "answers": {}, "typed": {}, "errors": {}, "proposals": {}, "raised": set(), "photos": {},
                        "editable": False, "saved_question": None, "severity_labels": SEVERITY_LABELS,
                        "procedures_here": NotInForce()}}


def _alone(raw: Any):
    """One question validated on its own, or None when it has problems of its own."""
    if not isinstance(raw, dict):
        return None
    mine = {k: v for k, v in raw.items() if k not in ("show_if", "finding")}
    try:
        checklist = loader.build_checklist({"id": "preview", "version": 1, "title": "Preview",
                                            "sections": [{"title": "Preview", "questions": [mine]}]})
    except loader.ChecklistError:
        return None
    return checklist.sections[0].questions[0]
