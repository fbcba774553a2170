"""Answer normalisation, visibility, proposed findings, scoring and what blocks submission."""
import datetime

import pytest

from fieldaudit.checklists import (AnswerError, ProposedFinding, build_checklist, missing_for_submission,
                                   normalize_answer, proposed_finding, proposed_findings, question_score, score,
                                   visible_questions)


def question(**fields):
    """One validated question of the given type and options."""
    data = {"id": "demo", "version": 1, "title": "Demo",
            "sections": [{"title": "S", "questions": [{"id": "q", "text": "Q?", **fields}]}]}
    return build_checklist(data).question("q")


YES_NO_NA = dict(type="yes_no", allow_na=True)
RATING = dict(type="rating")
LABELLED = dict(type="rating", labels=["Poor", "Fair", "Good"])
NUMERIC = dict(type="numeric", unit="Nm", min=22, max=26)
ONE_DECIMAL = dict(type="numeric", decimals=1)
WHOLE = dict(type="numeric", decimals=0)
SINGLE = dict(type="single_choice", options=[{"value": "ok", "label": "All good"}, "minor", "major"])
MULTI = dict(type="multi_choice", options=["glasses", "shoes", "gloves"])


@pytest.mark.parametrize("fields, raw, expected", [
    (YES_NO_NA, "yes", "yes"), (YES_NO_NA, " No ", "no"), (YES_NO_NA, "Y", "yes"), (YES_NO_NA, "N/A", "na"),
    (YES_NO_NA, "na", "na"), (YES_NO_NA, True, "yes"), (YES_NO_NA, False, "no"), (YES_NO_NA, ["no"], "no"),
    (dict(type="pass_fail"), "pass", "pass"), (dict(type="pass_fail"), "FAIL", "fail"),
    (dict(type="pass_fail"), "OK", "pass"), (dict(type="pass_fail"), "NOK", "fail"),
    (dict(type="pass_fail", allow_na=True), "n/a", "na"),
    (RATING, "1", 1), (RATING, "5", 5), (RATING, 3, 3), (dict(RATING, allow_na=True), "NA", "na"),
    (dict(type="rating", scale={"min": 0, "max": 4}), "0", 0),
    (LABELLED, "fair", 2), (LABELLED, "3", 3),
    (NUMERIC, "24", 24), (NUMERIC, "24.5", 24.5), (NUMERIC, "24,5", 24.5), (NUMERIC, " -3 ", -3),
    (NUMERIC, 12.25, 12.25), (NUMERIC, 7, 7), (NUMERIC, "99", 99), (NUMERIC, "24.0", 24),
    (ONE_DECIMAL, "12.2", 12.2), (ONE_DECIMAL, "12,2", 12.2), (ONE_DECIMAL, "12", 12), (ONE_DECIMAL, "12.20", 12.2),
    (WHOLE, "3", 3), (WHOLE, "3.0", 3), (WHOLE, "3,0", 3),
    (dict(type="text"), "  seen it \n", "seen it"), (dict(type="text"), "x" * 4000, "x" * 4000),
    (SINGLE, "ok", "ok"), (SINGLE, "MINOR", "minor"), (SINGLE, "All good", "ok"), (SINGLE, ["major"], "major"),
    (MULTI, ["gloves", "glasses"], ["glasses", "gloves"]), (MULTI, "shoes", ["shoes"]),
    (MULTI, ["shoes", "shoes", ""], ["shoes"]),
    (dict(type="date"), "2024-02-29", "2024-02-29"), (dict(type="date"), datetime.date(2024, 3, 1), "2024-03-01"),
])
def test_normalize_accepts_good_input(fields, raw, expected):
    value = normalize_answer(question(**fields), raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("fields, raw, message", [
    (dict(type="yes_no"), "na", "N/A is not allowed for this question; give an answer."),
    (dict(type="yes_no"), "maybe", "Answer yes or no."),
    (YES_NO_NA, "maybe", "Answer yes or no, or N/A."),
    (YES_NO_NA, ["yes", "no"], "Give one answer to this question."),
    (dict(type="pass_fail"), "yes", "Answer pass or fail."),
    (RATING, "6", "Choose a rating from 1 to 5."),
    (RATING, "0", "Choose a rating from 1 to 5."),
    (RATING, "2.5", "Choose a rating from 1 to 5."),
    (RATING, "na", "N/A is not allowed"),
    (LABELLED, "Excellent", "Choose a rating from 1 to 3."),
    (NUMERIC, "twelve", "Enter a number in Nm, e.g. 12.5."),
    (NUMERIC, "1,234.5", "Enter a number"),
    (NUMERIC, "1 234", "Enter a number in Nm"),
    (NUMERIC, "1e400", "Enter a number"),
    (NUMERIC, float("nan"), "Enter a number"),
    (NUMERIC, float("inf"), "Enter a number"),
    (NUMERIC, "9" * 20, "Enter a number between -1e15 and 1e15."),
    (NUMERIC, True, "Enter a number."),
    # More decimals than the question allows are refused, never rounded ("1,5" was once stored as 2).
    (WHOLE, "1,5", "Enter a whole number: 1,5 has decimals."),
    (WHOLE, "2.5", "Enter a whole number: 2.5 has decimals."),
    (dict(WHOLE, unit="pcs"), "x", "Enter a whole number in pcs, e.g. 12."),
    (ONE_DECIMAL, "12.25", "Give at most 1 decimal; 12.25 has more."),
    (dict(type="text"), "x" * 4001, "The text is 4001 characters long; keep it under 4000."),
    (SINGLE, "critical", "'critical' is not one of the options; choose one of: All good, minor, major."),
    (MULTI, ["shoes", "helmet"], "'helmet' is not one of the options"),
    (dict(type="date"), "31.03.2024", "Enter a date as YYYY-MM-DD, e.g. 2024-03-31."),
    (dict(type="date"), "2023-02-29", "2023-02-29 is not a real date"),
    (dict(type="date"), "20240301", "Enter a date as YYYY-MM-DD"),
    (dict(type="photo"), "x.jpg", "Photo questions are answered by attaching photos."),
])
def test_normalize_rejects_bad_input_with_a_clear_message(fields, raw, message):
    with pytest.raises(AnswerError) as caught:
        normalize_answer(question(**fields), raw)
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize("fields", [YES_NO_NA, RATING, NUMERIC, dict(type="text"), SINGLE, MULTI, dict(type="date")])
@pytest.mark.parametrize("raw", [None, "", "   ", [], [""]])
def test_empty_input_clears_the_answer(fields, raw):
    assert normalize_answer(question(**fields), raw) is None


CHAIN = build_checklist({
    "id": "chain", "version": 1, "title": "Chain",
    "sections": [
        {"title": "One", "questions": [
            {"id": "a", "text": "A?", "type": "yes_no"},
            {"id": "b", "text": "B?", "type": "pass_fail", "show_if": {"question": "a", "equals": "no"}},
            {"id": "c", "text": "C?", "type": "text", "show_if": {"question": "b", "equals": "fail"}},
            {"id": "ppe", "text": "Missing PPE", "type": "multi_choice", "options": ["glasses", "shoes", "gloves"]},
        ]},
        {"title": "Two", "questions": [
            {"id": "feet", "text": "Shoes?", "type": "text", "show_if": {"question": "ppe", "in": ["shoes", "gloves"]}},
            {"id": "r", "text": "Rate", "type": "rating", "allow_na": True},
            {"id": "low", "text": "Why low?", "type": "text", "show_if": {"question": "r", "in": [1, 2]}},
        ]},
    ],
})
ALWAYS = {"a", "ppe", "r"}


@pytest.mark.parametrize("answers, extra", [
    ({}, set()),
    ({"a": "yes"}, set()),
    ({"a": "no"}, {"b"}),
    ({"a": "no", "b": "pass"}, {"b"}),
    ({"a": "no", "b": "fail"}, {"b", "c"}),
    ({"a": "yes", "b": "fail"}, set()),  # b is hidden, so c is hidden although b's stale answer would show it
    ({"a": "na", "b": "fail"}, set()),
    ({"ppe": ["glasses"]}, set()),
    ({"ppe": ["glasses", "gloves"]}, {"feet"}),
    ({"r": 2}, {"low"}),
    ({"r": 3}, set()),
    ({"r": "na"}, set()),
])
def test_visible_questions_follow_show_if_chains(answers, extra):
    assert visible_questions(CHAIN, answers) == ALWAYS | extra


@pytest.mark.parametrize("fields, value, expected", [
    (dict(type="yes_no"), "no", ("minor", "answer: no")),
    (dict(type="yes_no"), "yes", None),
    (YES_NO_NA, "na", None),
    (dict(YES_NO_NA, finding={"when": "na", "severity": "ofi"}), "na", ("ofi", "answer: na")),
    (dict(type="yes_no", finding={"when": "yes", "severity": "observation"}), "yes", ("observation", "answer: yes")),
    (dict(type="yes_no", finding={"when": "yes", "severity": "observation"}), "no", None),
    (dict(type="yes_no", finding=False), "no", None),
    (dict(type="pass_fail"), "fail", ("minor", "answer: fail")),
    (dict(type="pass_fail", finding={"when": "fail", "severity": "major", "reason": "Error-proofing failed"}), "fail",
     ("major", "Error-proofing failed")),
    (dict(RATING, finding=[{"when": [1], "severity": "major"}, {"when": [2], "severity": "minor"}]), 1,
     ("major", "answer: 1 of 5")),
    (dict(RATING, finding=[{"when": [1], "severity": "major"}, {"when": [2], "severity": "minor"}]), 2,
     ("minor", "answer: 2 of 5")),
    (dict(RATING, finding=[{"when": [1], "severity": "major"}]), 3, None),
    (dict(LABELLED, finding={"when": "Poor", "severity": "ofi"}), 1, ("ofi", "answer: 1 of 3 (Poor)")),
    (dict(SINGLE, finding={"when": "ok", "severity": "ofi"}), "ok", ("ofi", "answer: All good")),
    (dict(MULTI, finding=[{"when": "gloves", "severity": "observation"}, {"when": ["shoes", "glasses"],
                                                                           "severity": "major"}]),
     ["shoes", "gloves"], ("major", "answer: shoes")),
    (NUMERIC, 21.9, ("minor", "21.9 Nm is below the lower limit 22 Nm")),
    (NUMERIC, 26.1, ("minor", "26.1 Nm is above the upper limit 26 Nm")),
    (NUMERIC, 22, None), (NUMERIC, 26, None),
    (dict(NUMERIC, finding={"out_of_limits": "major"}), 30, ("major", "30 Nm is above the upper limit 26 Nm")),
    (dict(type="numeric", min=0), -1, ("minor", "-1 is below the lower limit 0")),
    (dict(type="numeric"), 1e9, None),
    (dict(type="text"), "no", None),
    (dict(type="yes_no"), None, None),
])
def test_proposed_finding(fields, value, expected):
    q = question(clause="8.5.1", **fields)
    found = proposed_finding(q, value)
    if expected is None:
        assert found is None
    else:
        assert found == ProposedFinding("q", expected[0], expected[1], "8.5.1")


def test_proposed_findings_skip_hidden_questions():
    answers = {"a": "yes", "b": "fail", "r": 1}  # b is hidden by a=yes; its stale "fail" must not propose
    assert [(f.question_id, f.severity) for f in proposed_findings(CHAIN, answers)] == []
    answers["a"] = "no"
    assert [(f.question_id, f.severity) for f in proposed_findings(CHAIN, answers)] == [("a", "minor"), ("b", "minor")]


SCORED = build_checklist({
    "id": "scored", "version": 1, "title": "Scored",
    "sections": [
        {"id": "one", "title": "One", "questions": [
            {"id": "yn", "text": "?", "type": "yes_no", "weight": 2, "allow_na": True},
            {"id": "pf", "text": "?", "type": "pass_fail"},
            {"id": "rt", "text": "?", "type": "rating", "weight": 4},  # 1-5
            {"id": "ch", "text": "?", "type": "single_choice", "weight": 2, "options": [
                {"value": "good", "score": 1}, {"value": "part", "score": 0.25}, {"value": "other"}]},
            {"id": "nm", "text": "?", "type": "numeric", "min": 0, "max": 10, "weight": 3},
            {"id": "free", "text": "?", "type": "numeric"},
            {"id": "tx", "text": "?", "type": "text", "required": False},
            {"id": "pic", "text": "?", "type": "photo", "min_photos": 2},
        ]},
        {"id": "two", "title": "Two", "questions": [
            {"id": "gate", "text": "?", "type": "yes_no", "finding": False},
            {"id": "hid", "text": "?", "type": "pass_fail", "weight": 5,
             "show_if": {"question": "gate", "equals": "yes"}},
            {"id": "zero", "text": "?", "type": "pass_fail", "weight": 0, "required": False},
        ]},
    ],
})


def test_score_weights_exact_numbers():
    answers = {"yn": "yes", "pf": "fail", "rt": 4, "ch": "part", "nm": 11, "free": 3, "tx": "x",
               "gate": "no", "hid": "pass", "zero": "fail"}
    result = score(SCORED, answers, {"pic": 1})
    one, two = result.sections
    # yn 2/2 + pf 0/1 + rt 4*(3/4)=3/4 + ch 2*0.25=0.5/2 + nm 0/3 -> 5.5 of 12
    assert (one.earned, one.possible) == (5.5, 12)
    assert one.percent == pytest.approx(100 * 5.5 / 12)
    assert (one.answered, one.visible) == (7, 8)  # the photo question lacks its second photo
    # gate 0/1 (no), hid hidden, zero weighs 0
    assert (two.earned, two.possible, two.percent) == (0, 1, 0)
    assert (two.answered, two.visible) == (2, 2)
    assert (result.earned, result.possible) == (5.5, 13)
    assert result.percent == pytest.approx(100 * 5.5 / 13)
    assert (result.answered, result.visible) == (9, 10)


def test_score_excludes_na_unanswered_and_unscored_options():
    result = score(SCORED, {"yn": "na", "pf": "pass", "ch": "other", "gate": "yes"})
    one, two = result.sections
    assert (one.earned, one.possible, one.percent) == (1, 1, 100)
    assert (two.earned, two.possible) == (1, 1)
    assert result.percent == 100
    assert (result.answered, result.visible) == (4, 11)


def test_score_with_nothing_scorable_is_none():
    result = score(SCORED, {"tx": "only text"})
    assert result.percent is None
    assert all(s.percent is None for s in result.sections)
    assert (result.earned, result.possible, result.answered) == (0, 0, 1)


@pytest.mark.parametrize("fields, value, expected", [
    (dict(type="rating", scale={"min": 0, "max": 4}), 1, 0.25),
    (dict(type="rating", labels=["Bad", "Ok", "Good"]), 3, 1.0),
    (dict(type="rating"), 1, 0.0),
    (dict(type="numeric", max=5), 5, 1.0),
    (dict(type="numeric", max=5), 5.01, 0.0),
    (dict(type="numeric"), 5, None),
    (dict(type="multi_choice", options=["a", "b"]), ["a"], None),
    (dict(type="date"), "2024-01-01", None),
    (dict(type="yes_no", allow_na=True), "na", None),
])
def test_question_score(fields, value, expected):
    assert question_score(question(**fields), value) == expected


def test_missing_for_submission():
    answers = {"yn": "na", "rt": 3, "ch": "good", "nm": 5, "gate": "yes"}
    assert missing_for_submission(SCORED, answers, {"pic": 1}) == [
        ("pf", "required question not answered"),
        ("free", "required question not answered"),
        ("pic", "needs at least 2 photos; has 1"),
        ("hid", "required question not answered"),
    ]
    answers.update(pf="pass", free=1, hid="fail")
    assert missing_for_submission(SCORED, answers, {"pic": 2}) == []
    answers["gate"] = "no"  # hides hid, which then no longer blocks
    del answers["hid"]
    assert missing_for_submission(SCORED, answers, {"pic": 3}) == []


def test_optional_photo_question_once_started_needs_its_minimum():
    checklist = build_checklist({"id": "p", "version": 1, "title": "P", "sections": [{"title": "S", "questions": [
        {"id": "pics", "text": "Photos", "type": "photo", "required": False, "min_photos": 2}]}]})
    assert missing_for_submission(checklist, {}) == []
    assert missing_for_submission(checklist, {}, {"pics": 1}) == [("pics", "needs at least 2 photos; has 1")]
    assert missing_for_submission(checklist, {}, {"pics": 2}) == []


@pytest.mark.parametrize("fields", [YES_NO_NA, RATING, LABELLED, NUMERIC, ONE_DECIMAL, dict(type="text"), SINGLE,
                                    MULTI, dict(type="date"), dict(type="photo")],
                         ids=lambda f: f["type"])
def test_any_input_gives_a_value_or_an_answer_error(fields):
    q = question(**fields)
    for raw in [True, 0, -1, 2.5, float("nan"), "x", "1e3", "-", ".", ",", "0x10", ["a", "b"], [None], [[]], {},
                {"a": 1}, datetime.datetime(2024, 1, 2, 3, 4), object(), "\x00", "é" * 5000]:
        try:
            value = normalize_answer(q, raw)
        except AnswerError as exc:
            assert exc.message.endswith(".")
        else:
            assert value is None or isinstance(value, (str, int, float, list))
