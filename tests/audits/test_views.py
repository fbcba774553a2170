"""The audit screens over real HTTP: start, autosave with htmx, findings, submit, read-only view, site scoping."""
import re

import pytest

from fieldaudit import db as dbm
from fieldaudit.audits import data
from tests.factories import FULL_ANSWERS


def answer(auth, audit, qid, value, htmx=True, **extra):
    fields = {"value": value, **extra} if value is not None else extra
    return auth.post(f"/audits/{audit['id']}/answers/{qid}", fields, htmx=htmx)


def test_start_an_audit_at_a_workstation(auth, plant, checklist_version, db):
    auth.login("aud.a")
    page = auth.client.get(f"/audits/new?workstation_id={plant['ws_a']['id']}")
    assert page.status_code == 200 and "Station A1" in page.get_data(as_text=True)
    response = auth.post("/audits/new", {"site_id": plant["a"]["id"], "workstation_id": plant["ws_a"]["id"],
                                         "checklist_version_id": checklist_version["id"], "auditees": "Sam"})
    assert response.status_code == 303
    audit = dbm.query_one(db, "SELECT * FROM audits")
    assert audit["number"] == "AUD-PLTA-0001" and audit["workstation_id"] == plant["ws_a"]["id"]
    run = auth.client.get(response.headers["Location"])
    assert run.status_code == 302 and run.headers["Location"].endswith("/sections/basics")


def test_audit_numbers_count_per_site(db, plant, checklist_version):
    made = [data.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                              auditor_id=plant["auditor"]["id"])["number"] for _ in range(3)]
    other = data.create_audit(db, site=plant["b"], checklist_version_id=checklist_version["id"],
                              auditor_id=plant["auditor_b"]["id"])["number"]
    assert made == ["AUD-PLTA-0001", "AUD-PLTA-0002", "AUD-PLTA-0003"] and other == "AUD-PLTB-0001"


def test_section_page_and_answer_fragment(auth, audit):
    auth.login("aud.a")
    page = auth.client.get(f"/audits/{audit['id']}/sections/basics")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Machine guard in place" in html and "8.5.1" in html
    # Hidden until guard = no: only inert in a <template>, for the tablet to show offline (static/js/queue-view.js).
    shown = re.sub(r"<template>.*?</template>", "", html, flags=re.S)
    assert 'id="q-guard-why"' in shown and "Why is the guard missing?" not in shown
    assert "Why is the guard missing?" in html
    response = answer(auth, audit, "guard", "yes")
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in fragment and fragment.count('id="q-guard"') == 1
    assert 'id="audit-progress" class="audit-progress" hx-swap-oob="true"' in fragment
    assert "1/8" in fragment and "Saved" in fragment


def test_conditional_question_appears_and_disappears(auth, audit, db):
    auth.login("aud.a")
    shown = answer(auth, audit, "guard", "no").get_data(as_text=True)
    assert "Why is the guard missing?" in shown and 'id="q-guard-why"' in shown
    assert re.search(r'<div id="q-guard-why" class="question[^>]*hx-swap-oob="true"', shown)
    assert answer(auth, audit, "guard-why", "Removed for cleaning").status_code == 200
    hidden = answer(auth, audit, "guard", "yes").get_data(as_text=True)
    assert re.search(r'<div id="q-guard-why" class="question-hidden" hidden hx-swap-oob="true">', hidden)


def test_answer_to_hidden_question_is_refused(auth, audit, db):
    auth.login("aud.a")
    response = answer(auth, audit, "guard-why", "sneaky")
    assert response.status_code == 409
    assert "hidden by an earlier answer" in response.get_data(as_text=True)
    assert data.answers_of(db, audit["id"]) == {}


@pytest.mark.parametrize("qid,value,message", [
    ("torque", "eleven", "number"),
    ("shift", "afternoon", ""),
    ("tidy", "9", ""),
    ("guard", "maybe", ""),
])
def test_answers_that_do_not_fit_are_refused(auth, audit, db, qid, value, message):
    auth.login("aud.a")
    response = answer(auth, audit, qid, value)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'class="q-error"' in body and message in body
    assert data.answers_of(db, audit["id"]) == {}


def test_unknown_question_is_404(auth, audit):
    auth.login("aud.a")
    assert answer(auth, audit, "no-such-question", "yes").status_code == 404


def test_out_of_limits_proposes_a_finding(auth, audit):
    auth.login("aud.a")
    html = answer(auth, audit, "torque", "13.5").get_data(as_text=True)
    assert "Raise major nonconformity" in html


def test_note_is_saved_with_the_answer_and_kept(auth, audit, db):
    auth.login("aud.a")
    answer(auth, audit, "label", "pass", note="Label faded but readable")
    answer(auth, audit, "label", "fail")  # no note sent: the note stays
    row = data.answers_of(db, audit["id"])["label"]
    assert row["value"] == "fail" and row["note"] == "Label faded but readable"


def test_multi_choice_saves_a_list_and_can_be_cleared(auth, audit, db):
    auth.login("aud.a")
    auth.post(f"/audits/{audit['id']}/answers/ppe", {"value": ["glasses", "gloves"]}, htmx=True)
    assert data.answers_of(db, audit["id"])["ppe"]["value"] == ["gloves", "glasses"]
    auth.post(f"/audits/{audit['id']}/answers/ppe", {}, htmx=True)
    assert data.answers_of(db, audit["id"])["ppe"]["value"] in (None, [])


def test_plain_form_post_works_without_javascript(auth, audit):
    auth.login("aud.a")
    response = answer(auth, audit, "guard", "yes", htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/sections/basics#q-guard")


def test_reload_resumes_where_the_auditor_was(auth, audit):
    auth.login("aud.a")
    answer(auth, audit, "tidy", "4")
    response = auth.client.get(f"/audits/{audit['id']}/run")
    assert response.headers["Location"].endswith("/sections/more")
    html = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'value="4" checked', html)


def test_only_the_auditor_answers(auth, audit, plant):
    auth.login("qm.a")
    assert answer(auth, audit, "guard", "yes").status_code == 403
    assert auth.client.get(f"/audits/{audit['id']}").status_code == 200  # but may read it


@pytest.mark.parametrize("url", ["/audits/{id}", "/audits/{id}/sections/basics", "/audits/{id}/findings",
                                 "/audits/{id}/submit"])
def test_other_site_gets_404(auth, audit, url):
    auth.login("aud.b")
    assert auth.client.get(url.format(id=audit["id"])).status_code == 404


def test_other_site_cannot_answer(auth, audit, db):
    auth.login("aud.b")
    assert answer(auth, audit, "guard", "yes").status_code == 404
    assert data.answers_of(db, audit["id"]) == {}


def test_operator_has_no_audits(auth, audit):
    auth.login("op.a")
    assert auth.client.get(f"/audits/{audit['id']}").status_code == 403
    assert auth.client.get("/audits/new").status_code == 403


def test_finding_from_question_is_prefilled_then_editable(auth, audit, db):
    auth.login("aud.a")
    answer(auth, audit, "tidy", "2")
    form = auth.client.get(f"/audits/{audit['id']}/findings/new?question_id=tidy").get_data(as_text=True)
    assert re.search(r'value="minor" required checked', form)
    response = auth.post(f"/audits/{audit['id']}/findings/new", {
        "question_id": "tidy", "severity": "minor", "clause": "7.1.4", "description": "Oil on the floor",
        "requirement": "Clean workplace", "evidence": "Photo"})
    assert response.status_code == 303
    finding = data.list_findings(db, audit["id"])[0]
    assert finding["number"] == 1 and finding["severity"] == "minor"
    edit = auth.post(f"/audits/{audit['id']}/findings/{finding['id']}", {
        "severity": "major", "description": "Oil spill near the press"})
    assert edit.status_code == 303
    assert data.get_finding(db, finding["id"])["severity"] == "major"


def test_free_standing_finding_needs_a_description(auth, audit, db):
    auth.login("aud.a")
    response = auth.post(f"/audits/{audit['id']}/findings/new", {"severity": "observation", "description": " "})
    assert response.status_code == 422
    assert data.list_findings(db, audit["id"]) == []


def _answer_all(auth, audit):
    for qid, value in FULL_ANSWERS.items():
        assert answer(auth, audit, qid, value).status_code == 200


def test_submission_lists_what_is_missing(auth, audit, db):
    auth.login("aud.a")
    answer(auth, audit, "guard", "yes")
    page = auth.client.get(f"/audits/{audit['id']}/submit").get_data(as_text=True)
    assert "Still missing (4)" in page and "Torque reading" in page
    response = auth.post(f"/audits/{audit['id']}/submit", {"confirm": "yes", "password": "correct-horse-battery"})
    assert response.status_code == 422
    assert dbm.scalar(db, "SELECT status FROM audits") == "in_progress"


def test_submit_needs_the_password(auth, audit, db):
    auth.login("aud.a")
    _answer_all(auth, audit)
    response = auth.post(f"/audits/{audit['id']}/submit", {"confirm": "yes", "password": "wrong"})
    assert response.status_code == 422 and "your signature needs your own password" in response.get_data(as_text=True)
    assert dbm.scalar(db, "SELECT status FROM audits") == "in_progress"


def test_a_wrong_password_keeps_the_box_the_drawings_and_the_auditee(auth, audit, db):
    # Only the password goes: the auditee must not have to come back and sign again.
    auth.login("aud.a")
    _answer_all(auth, audit)
    mine, theirs = _png_data_url(), _png_data_url((320, 90))
    response = auth.post(f"/audits/{audit['id']}/submit", {
        "confirm": "yes", "password": "wrong", "drawing": mine, "auditee_name": "Ирина Смирнова",
        "auditee_drawing": theirs})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'name="confirm" value="yes" required checked' in page
    assert f'name="drawing" value="{mine}"' in page and f'name="auditee_drawing" value="{theirs}"' in page
    assert 'value="Ирина Смирнова"' in page and '<details class="auditee-sign" open>' in page
    assert 'type="password" name="password" autocomplete="current-password" required>' in page  # empty again
    assert dbm.scalar(db, "SELECT status FROM audits") == "in_progress"


def test_a_refused_submission_never_echoes_anything_but_a_png_drawing(auth, audit):
    auth.login("aud.a")
    _answer_all(auth, audit)
    response = auth.post(f"/audits/{audit['id']}/submit", {"confirm": "yes", "password": "wrong",
                                                            "drawing": "javascript:alert(1)"})
    assert response.status_code == 422 and "javascript:" not in response.get_data(as_text=True)


@pytest.mark.both_engines(slow=True)
def test_submit_signs_once_and_locks_the_audit(auth, audit, db):
    auth.login("aud.a")
    _answer_all(auth, audit)
    fields = {"confirm": "yes", "password": "correct-horse-battery"}
    first = auth.post(f"/audits/{audit['id']}/submit", fields)
    second = auth.post(f"/audits/{audit['id']}/submit", fields)
    assert first.status_code == 303 and second.status_code == 303
    assert dbm.scalar(db, "SELECT COUNT(*) FROM signatures") == 1
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audit_trail WHERE action = 'audit.submitted'") == 1
    row = dbm.query_one(db, "SELECT * FROM signatures")
    assert row["meaning"] == "performed this audit" and row["printed_name"] == "Aud.A"
    shown = auth.client.get(f"/audits/{audit['id']}").get_data(as_text=True)
    assert "submitted" in shown and "performed this audit" in shown
    assert answer(auth, audit, "guard", "no").status_code == 409
    assert auth.post(f"/audits/{audit['id']}/findings/new", {"severity": "minor", "description": "late"}).status_code == 409
    assert data.answers_of(db, audit["id"])["guard"]["value"] == "yes"


@pytest.mark.both_engines(slow=True)
def test_audit_lists_and_filters(auth, audit, plant, checklist_version, db):
    data.create_audit(db, site=plant["b"], checklist_version_id=checklist_version["id"],
                      auditor_id=plant["auditor_b"]["id"])
    auth.login("aud.a")
    html = auth.client.get("/audits/").get_data(as_text=True)
    assert "AUD-PLTA-0001" in html and "AUD-PLTB-0001" not in html
    assert auth.client.get(f"/audits/?site_id={plant['b']['id']}").status_code == 404
    auth.logout()
    auth.login("root")
    html = auth.client.get("/audits/?status=in_progress").get_data(as_text=True)
    assert "AUD-PLTA-0001" in html and "AUD-PLTB-0001" in html


def _png_data_url(size=(300, 100)) -> str:
    import base64
    import io

    from PIL import Image, ImageDraw
    im = Image.new("RGBA", size, (255, 255, 255, 0))
    ImageDraw.Draw(im).line((10, 80, 120, 20, 200, 70, 290, 30), fill=(10, 40, 80, 255), width=4)
    out = io.BytesIO()
    im.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_drawn_signatures_of_auditor_and_auditee(auth, audit, db, app):
    auth.login("aud.a")
    _answer_all(auth, audit)
    response = auth.post(f"/audits/{audit['id']}/submit", {
        "confirm": "yes", "password": "correct-horse-battery", "drawing": _png_data_url(),
        "auditee_name": "Pat Doe", "auditee_drawing": _png_data_url()})
    assert response.status_code == 303
    sigs = dbm.query(db, "SELECT * FROM signatures ORDER BY meaning DESC")
    assert [s["printed_name"] for s in sigs] == ["Pat Doe", "Aud.A"]
    assert sigs[0]["meaning"] == "received the audit results (auditee)"
    assert all(s["drawing_sha256"] for s in sigs) and sigs[0]["record_hash"] == sigs[1]["record_hash"]
    page = auth.client.get(f"/audits/{audit['id']}").get_data(as_text=True)
    image_url = re.search(r'src="(/audits/[^"]+/drawing)"', page).group(1)
    image = auth.client.get(image_url)
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    image.close()
    auth.logout()
    auth.login("aud.b")
    assert auth.client.get(image_url).status_code == 404


def test_a_bad_drawing_is_refused_and_nothing_is_signed(auth, audit, db):
    auth.login("aud.a")
    _answer_all(auth, audit)
    response = auth.post(f"/audits/{audit['id']}/submit", {
        "confirm": "yes", "password": "correct-horse-battery", "drawing": "data:image/png;base64,bm90IGEgcG5n"})
    assert response.status_code == 400
    assert "drawn signature could not be read" in response.get_data(as_text=True)
    assert dbm.scalar(db, "SELECT status FROM audits") == "in_progress"


def test_section_form_saves_every_answer_without_javascript(auth, audit, db):
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/sections/basics"
    page = auth.client.get(url).get_data(as_text=True)
    assert page.count('name="csrf_token"') == 2 and 'name="v-guard"' in page and 'name="n-torque"' in page
    response = auth.post(url, {"v-guard": "yes", "n-guard": "", "v-torque": "11.2", "n-torque": "wrench 7",
                               "v-label": "pass", "n-label": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith("/sections/basics")
    saved = data.answers_of(db, audit["id"])
    assert {k: v["value"] for k, v in saved.items()} == {"guard": "yes", "torque": 11.2, "label": "pass"}
    assert saved["torque"]["note"] == "wrench 7"


def test_section_form_reports_bad_answers_and_keeps_the_good_ones(auth, audit, db):
    auth.login("aud.a")
    response = auth.post(f"/audits/{audit['id']}/sections/basics", {"v-guard": "yes", "v-torque": "lots"})
    assert response.status_code == 422
    assert 'class="q-error"' in response.get_data(as_text=True)
    assert {k: v["value"] for k, v in data.answers_of(db, audit["id"]).items()} == {"guard": "yes"}


def test_finding_button_saves_then_opens_the_finding_form(auth, audit, db):
    auth.login("aud.a")
    response = auth.post(f"/audits/{audit['id']}/sections/more", {"v-tidy": "2", "raise": "tidy"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/audits/{audit['id']}/findings/new?question_id=tidy")
    assert data.answers_of(db, audit["id"])["tidy"]["value"] == 2
