"""edits.merge: which fields of a form are written, kept or a conflict, by value and by per-field stamp."""
import pytest

from fieldaudit import edits


@pytest.mark.parametrize("shown,mine,now,written,conflict", [
    ("a", "b", "a", True, False),    # nobody else changed it: mine is written
    ("a", "a", "c", False, False),   # I left it as shown: theirs stays
    ("a", "b", "c", False, True),    # both changed it: a conflict
    ("a", "c", "c", False, False),   # both typed the same
])
def test_merge_rules(shown, mine, now, written, conflict):
    write, conflicts = edits.merge({"f": now}, {"f": mine}, {"f": edits.token(shown)})
    assert ("f" in write, bool(conflicts)) == (written, conflict)


def test_merge_uses_stamps_when_the_record_keeps_them():
    stamps = {"f": {"at": "2026-12-01T10:00:00.000Z", "by": "u1"}}
    shown = edits.token("a", "")  # the page was made before the stamp
    # Changed away and back meanwhile: the value is equal but the stamp says someone else saved it.
    _, conflicts = edits.merge({"f": "a"}, {"f": "b"}, {"f": shown}, stamps)
    assert conflicts
