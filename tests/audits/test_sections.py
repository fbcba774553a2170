"""The one save path for answers (no Flask): a section's answers in one transaction, the autosave its one-question
case."""
import pytest

from fieldaudit.audits import data


def _values(db, audit):
    return {qid: row["value"] for qid, row in data.answers_of(db, audit["id"]).items()}


def test_a_follow_up_shown_by_an_earlier_answer_is_saved_with_it(db, audit, plant):
    saved = data.save_section(db, audit, "basics", {"guard": "no", "guard-why": "Removed for cleaning"},
                              {"guard": "", "guard-why": ""}, plant["auditor"]["id"])
    assert saved.errors == {} and saved.hidden == set()
    assert _values(db, audit) == {"guard": "no", "guard-why": "Removed for cleaning"}
    assert "guard-why" in saved.visible_after and "guard-why" not in saved.visible_before


def test_a_hidden_question_is_left_alone_and_reported(db, audit, plant):
    saved = data.save_section(db, audit, "basics", {"guard": "yes", "guard-why": "sneaky"}, {},
                              plant["auditor"]["id"])
    assert saved.hidden == {"guard-why"} and _values(db, audit) == {"guard": "yes"}


def test_an_unchanged_answer_is_not_written_again(db, audit, plant):
    by = plant["auditor"]["id"]
    data.save_section(db, audit, "basics", {"label": "pass"}, {"label": "faded"}, by)
    first = data.answers_of(db, audit["id"])["label"]
    data.save_section(db, audit, "basics", {"label": "pass", "torque": "11"}, {"label": "faded", "torque": ""}, by)
    assert data.answers_of(db, audit["id"])["label"] == first
    assert _values(db, audit) == {"label": "pass", "torque": 11}


def test_answers_that_do_not_fit_are_reported_and_the_others_saved(db, audit, plant):
    saved = data.save_section(db, audit, "basics", {"guard": "yes", "torque": "lots"}, {}, plant["auditor"]["id"])
    assert list(saved.errors) == ["torque"] and _values(db, audit) == {"guard": "yes"}
    assert data.get_audit(db, audit["id"])["answered_count"] == 1


def test_the_autosave_is_the_one_question_case_and_refuses_outright(db, audit, plant):
    by = plant["auditor"]["id"]
    with pytest.raises(data.AuditError) as caught:
        data.save_answer(db, audit, "torque", "lots", None, by)
    assert caught.value.status == 422
    with pytest.raises(data.AuditError) as caught:
        data.save_answer(db, audit, "guard-why", "sneaky", None, by)
    assert caught.value.status == 409
    saved = data.save_answer(db, audit, "torque", "13.5", None, by)
    assert saved.answer["value"] == 13.5 and saved.proposed.severity == "major"


def test_an_unknown_section_is_404(db, audit, plant):
    with pytest.raises(data.AuditError) as caught:
        data.save_section(db, audit, "nowhere", {}, {}, plant["auditor"]["id"])
    assert caught.value.status == 404
