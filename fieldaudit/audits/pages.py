"""What the audit pages and fragments show, built from the database for the audits and evidence views (no routes)."""
from ..checklists import SEVERITY_LABELS, rules
from ..documents import data as documents, workflow as document_workflow
from ..evidence import data as evidence
from ..refusal import Refusal
from . import data


def editable(audit: dict, user_id: str) -> bool:
    """Whether this person may still change the audit: its auditor, while it is open."""
    return audit["status"] == "in_progress" and audit["auditor_id"] == user_id


class ProceduresInForce:
    """Whether a procedure code is in force at the audit's site, looked up only when a rendered question asks: an
    answer's fragment renders one or two questions, and the save is the autosave's hot path."""

    def __init__(self, db, audit: dict):
        self.db, self.site_id = db, audit["site_id"]
        self.today = documents.local_today(audit["timezone"])
        self.known: dict[str, bool] = {}

    def __contains__(self, code: str) -> bool:
        if code not in self.known:
            self.known[code] = bool(document_workflow.in_force_at_site(self.db, self.site_id, [code], self.today))
        return self.known[code]


def section_context(db, audit: dict, section_id: str, saved: data.Saved | None = None, **extra) -> dict:
    """What the section page and its question fragments need; after a save, what the save already knows is
    reused instead of read again (this is the autosave's hot path)."""
    checklist = data.checklist_of(db, audit)
    section = next((s for s in checklist.sections if s.id == section_id), None)
    if section is None:
        raise Refusal("This audit's checklist has no such section.", 404)
    if saved is None:
        answers, score, visible = data.progress(db, audit, checklist)
    else:
        answers, score, visible = saved.answers, saved.score, saved.visible_after
    has_photos = any(q.kind.photos for q in section.questions)
    index = checklist.sections.index(section)
    excluded = data.out_of_scope(audit)
    # Worked out from the answers on every render, so a suggestion is still there when the auditor comes back.
    proposals = {q.id: rules.proposed_finding(q, answers[q.id]["value"]) for q in section.questions
                 if q.id in visible and answers.get(q.id) and answers[q.id].get("value") is not None}
    return {"audit": audit, "checklist": checklist, "section": section, "answers": answers, "score": score,
            "visible": visible, "section_index": index, "out_of_scope": excluded,
            "out_reason": excluded.get(section_id),
            "proposals": {qid: p for qid, p in proposals.items() if p is not None},
            "raised": data.finding_questions(db, audit["id"]),
            "prev_section": checklist.sections[index - 1] if index else None,
            "next_section": checklist.sections[index + 1] if index + 1 < len(checklist.sections) else None,
            # The findings count is in the page head only; a fragment after a save does not show it.
            "findings": data.list_findings(db, audit["id"]) if saved is None else [],
            "photos": evidence.by_target(evidence.list_for_audit(db, audit["id"]))[0] if has_photos else {},
            "errors": {}, "typed": {}, "severity_labels": SEVERITY_LABELS, "editable": True, "saved_question": None,
            "proposed": None,
            "procedures_here": ProceduresInForce(db, audit),
            **extra}


def finding_context(db, audit: dict, finding_id: str, user_id: str) -> dict:
    """What one finding's fragment needs (it re-renders after a photo is added or removed)."""
    finding = data.get_finding(db, finding_id)
    return {"audit": audit, "f": finding, "severity_labels": SEVERITY_LABELS,
            "finding_photos": evidence.by_target(evidence.list_for_audit(db, audit["id"]))[1],
            "editable": editable(audit, user_id)}
