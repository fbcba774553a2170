"""What changed between two checklist versions: questions added, removed, changed (and which properties), moved."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Checklist

CHECKLIST_PROPERTIES = ("title", "standard", "description")


@dataclass
class Changes:
    """The differences from an old version to a new one; questions are matched by id."""

    checklist: list[str] = field(default_factory=list)        # checklist properties that changed
    sections_added: list[str] = field(default_factory=list)   # section titles
    sections_removed: list[str] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)    # (question id, text)
    removed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (id, text, properties)
    moved: list[tuple[str, str, str, str]] = field(default_factory=list)     # (id, text, old section, new section)

    @property
    def empty(self) -> bool:
        """True when the two versions ask the same questions the same way."""
        return not any((self.checklist, self.sections_added, self.sections_removed, self.added, self.removed,
                        self.changed, self.moved))


def compare(old: Checklist, new: Checklist) -> Changes:
    """The changes from `old` to `new`, in the new version's question order (removed ones in the old order)."""
    changes = Changes()
    changes.checklist = [p for p in CHECKLIST_PROPERTIES if getattr(old, p) != getattr(new, p)]
    old_sections = {s.id: s.title for s in old.sections}
    new_sections = {s.id: s.title for s in new.sections}
    changes.sections_added = [t for i, t in new_sections.items() if i not in old_sections]
    changes.sections_removed = [t for i, t in old_sections.items() if i not in new_sections]
    before = {q.id: (q, old.section_of(q.id)) for q in old.all_questions()}
    after_ids = set()
    for q in new.all_questions():
        after_ids.add(q.id)
        if q.id not in before:
            changes.added.append((q.id, q.text))
            continue
        was, was_in = before[q.id]
        properties = changed_properties(was.to_dict(), q.to_dict())
        if properties:
            changes.changed.append((q.id, q.text, properties))
        now_in = new.section_of(q.id)
        if was_in.id != now_in.id:
            changes.moved.append((q.id, q.text, was_in.title, now_in.title))
    changes.removed = [(qid, q.text) for qid, (q, _) in before.items() if qid not in after_ids]
    return changes


def changed_properties(old: dict, new: dict) -> list[str]:
    """The keys whose values differ between two canonical question forms, in a stable order."""
    keys = list(dict.fromkeys([*old, *new]))
    return [k for k in keys if old.get(k) != new.get(k)]
