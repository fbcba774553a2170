"""The defects question type, added through one registry entry and one partial: from the file to the report."""
import pytest

from fieldaudit.audits import data
from fieldaudit.checklists import (AnswerError, ProposedFinding, build_checklist, normalize_answer, parse_checklist,
                                   proposed_finding, question_score, store)
from fieldaudit.checklists import qtypes
from fieldaudit.reports import audit_pdf, export
from tests.checklists.test_loader import problems_for
from tests.reports import pages

Q = "sections[0].questions[0]"


def checklist_with(**fields):
    """Checklist data with one question of the given fields."""
    return {"id": "demo", "version": 1, "title": "Demo",
            "sections": [{"title": "S", "questions": [{"id": "burrs", "text": "Burrs?", **fields}]}]}


def question(**fields):
    """One validated defects question."""
    return build_checklist(checklist_with(type="defects", **fields)).question("burrs")


ACCEPT_2 = dict(samples=50, max_defects=2)

YAML = """
id: burr-check
version: 1
title: Burr check
sections:
  - id: lot
    title: Last lot
    questions:
      - id: burrs
        text: "Inspect 50 parts from the last lot: how many show burrs?"
        type: defects
        samples: 50
        max_defects: 2
        clause: "8.6"
        finding: {out_of_limits: major, reason: Burrs above the acceptance number}
      - id: scratches
        text: How many of 10 covers are scratched?
        type: defects
        samples: 10
"""


def test_a_checklist_file_using_defects_validates_and_round_trips():
    checklist = parse_checklist(YAML, "burr-check.yaml")
    burrs, scratches = checklist.question("burrs"), checklist.question("scratches")
    assert (burrs.samples, burrs.max_defects, burrs.finding[0].out_of_limits) == (50, 2, True)
    assert (scratches.samples, scratches.max_defects, scratches.finding) == (10, None, ())
    stored = checklist.to_dict()["sections"][0]["questions"][0]
    assert stored["samples"] == 50 and stored["max_defects"] == 2
    assert build_checklist(checklist.to_dict()) == checklist


def test_without_a_finding_key_an_acceptance_number_proposes_a_minor():
    assert [(r.severity, r.out_of_limits) for r in question(**ACCEPT_2).finding] == [("minor", True)]


@pytest.mark.parametrize("fields, path, fragments", [
    (dict(), f"{Q}.samples", ["defects questions need 'samples'", "e.g. samples: 20"]),
    (dict(samples=0), f"{Q}.samples", ["'samples' must be at least 1, not 0"]),
    (dict(samples=2.5), f"{Q}.samples", ["'samples' must be a whole number, not the number 2.5"]),
    (dict(samples="many"), f"{Q}.samples", ["'samples' must be a whole number, not text 'many'"]),
    (dict(samples=20, max_defects=-1), f"{Q}.max_defects", ["must be at least 0, not -1"]),
    (dict(samples=20, max_defects=21), f"{Q}.max_defects",
     ["'max_defects' (21) is more than 'samples' (20)", "between 0 and 20"]),
    (dict(samples=20, finding={"out_of_limits": "major"}), f"{Q}.finding",
     ["out_of_limits needs a limit; give the question 'max_defects' (the acceptance number)"]),
    (dict(samples=20, max_defects=1, finding={"when": 3, "severity": "minor"}), f"{Q}.finding",
     ["defects questions propose findings with {out_of_limits: SEVERITY}, not when/severity"]),
    (dict(samples=20, unit="mm"), f"{Q}.unit", ["'unit' does not apply to defects questions; it is for numeric"]),
])
def test_validation_names_the_path_and_the_fix(fields, path, fragments):
    problems = problems_for(checklist_with(type="defects", **fields))
    messages = [p.message for p in problems if p.path == path]
    assert messages, [str(p) for p in problems]
    for fragment in fragments:
        assert any(fragment in m for m in messages), (fragment, messages)


def test_samples_belongs_to_defects_only():
    (problem,) = problems_for(checklist_with(type="numeric", samples=5))
    assert problem.path == f"{Q}.samples" and "it is for defects questions" in problem.message


@pytest.mark.parametrize("raw, expected", [
    ("0", 0), ("2", 2), (" 50 ", 50), (7, 7), (3.0, 3), (["4"], 4), ("", None), (None, None),
])
def test_normalize_accepts_whole_numbers_up_to_the_samples(raw, expected):
    assert normalize_answer(question(**ACCEPT_2), raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("51", "51 defects is more than the 50 samples inspected; enter 0 to 50."),
    (51, "51 defects is more than the 50 samples inspected; enter 0 to 50."),
    ("-1", "cannot be negative; enter 0 to 50."),
    ("2.5", "a whole number from 0 to 50."), (2.5, "a whole number from 0 to 50."),
    ("two", "a whole number from 0 to 50."), ("1e3", "a whole number from 0 to 50."),
    (True, "a whole number from 0 to 50."), (["1", "2"], "Give one answer"),
])
def test_normalize_refuses_too_many_and_non_integers(raw, message):
    with pytest.raises(AnswerError) as caught:
        normalize_answer(question(**ACCEPT_2), raw)
    assert message in caught.value.message
    assert caught.value.status == 422


@pytest.mark.parametrize("fields, value, expected", [
    (ACCEPT_2, 0, 1.0), (ACCEPT_2, 2, 1.0), (ACCEPT_2, 3, 0.0), (ACCEPT_2, 50, 0.0),
    (dict(samples=50, max_defects=0), 1, 0.0),
    (dict(samples=50), 0, 1.0), (dict(samples=50), 5, 0.9), (dict(samples=50), 50, 0.0),
    (ACCEPT_2, "na", None), (ACCEPT_2, None, None),
])
def test_score_passes_up_to_the_acceptance_number_else_proportional(fields, value, expected):
    assert question_score(question(**fields), value) == pytest.approx(expected) if expected is not None \
        else question_score(question(**fields), value) is None


def test_more_defects_than_accepted_propose_a_finding_through_the_rule():
    q = parse_checklist(YAML).question("burrs")
    assert proposed_finding(q, 2) is None
    assert proposed_finding(q, 3) == ProposedFinding("burrs", "major", "Burrs above the acceptance number", "8.6")
    default = question(**ACCEPT_2)
    assert proposed_finding(default, 3) == ProposedFinding(
        "burrs", "minor", "3 defects in 50 samples (6.0 %): more than the 2 accepted")
    assert proposed_finding(question(samples=50), 50) is None  # no acceptance number, nothing to judge


@pytest.mark.parametrize("value, text", [
    (2, "2 defects in 50 samples (4.0 %)"), (1, "1 defect in 50 samples (2.0 %)"),
    (0, "0 defects in 50 samples (0.0 %)"), ("na", "N/A"), (None, ""),
])
def test_answer_text_for_csv_and_pdf(value, text):
    assert qtypes.display(question(**ACCEPT_2), value) == text


# -- through the app: rendering, saving, CSV and PDF --------------------------------------------------------

@pytest.fixture
def burr_audit(db, plant):
    """An audit of the burr checklist by site A's auditor."""
    row, _ = store.publish(db, parse_checklist(YAML, "burr-check.yaml"), by=None)
    return data.create_audit(db, site=plant["a"], checklist_version_id=row["id"],
                             auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"])


def test_the_section_renders_the_defects_partial(auth, burr_audit):
    auth.login("aud.a")
    page = auth.client.get(f"/audits/{burr_audit['id']}/sections/lot").get_data(as_text=True)
    assert 'name="v-burrs"' in page and 'max="50"' in page and "of 50 samples" in page
    assert "accept ≤ 2" in page
    assert 'max="10"' in page and "of 10 samples" in page


def test_saving_an_answer_through_the_app(auth, burr_audit, db):
    auth.login("aud.a")
    url = f"/audits/{burr_audit['id']}/answers/burrs"
    refused = auth.post(url, {"value": "51"}, htmx=True)
    assert refused.status_code == 422
    fragment = refused.get_data(as_text=True)
    assert "<html" not in fragment and "51 defects is more than the 50 samples inspected" in fragment
    saved = auth.post(url, {"value": "3"}, htmx=True)
    assert saved.status_code == 200
    assert "Raise major nonconformity" in saved.get_data(as_text=True)
    assert data.values(data.answers_of(db, burr_audit["id"])) == {"burrs": 3}


def test_csv_and_pdf_show_the_answer_as_text(auth, burr_audit, db, plant, tmp_path):
    data.save_answer(db, burr_audit, "burrs", "2", "", plant["auditor"]["id"])
    audit = data.get_audit(db, burr_audit["id"])
    assert "2 defects in 50 samples (4.0 %)" in export.answers_csv(db, [audit])
    exported = export.audit_export(db, audit["id"])
    pdf = audit_pdf.build(exported, integrity="0" * 64, load_photo=lambda sha: None, generated="now")
    assert "2 defects in 50 samples (4.0 %)" in "\n".join(pages(pdf))


def test_the_audit_page_shows_the_answer_as_text(auth, burr_audit, db, plant):
    # The audit's own page uses the same registry text as CSV and PDF, not the bare number.
    data.save_answer(db, burr_audit, "burrs", "2", "", plant["auditor"]["id"])
    auth.login("aud.a")
    page = auth.client.get(f"/audits/{burr_audit['id']}").get_data(as_text=True)
    assert "2 defects in 50 samples (4.0 %)" in page
