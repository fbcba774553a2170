"""Field usability of a running audit: suggested findings that stay, scope by section, resume, numbers, the finding
form and a submitted audit's old section links."""
import io
import re

import pytest
from PIL import Image

from fieldaudit import db as dbm
from fieldaudit.audits import data, record
from tests.factories import FULL_ANSWERS, GUARDED


def answer(auth, audit, qid, value, htmx=True):
    return auth.post(f"/audits/{audit['id']}/answers/{qid}", {"value": value}, htmx=htmx)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return out.getvalue()


# -- suggested findings -----------------------------------------------------------------------------------------

def test_a_suggested_finding_is_still_there_when_the_auditor_comes_back(auth, audit, db, plant):
    auth.login("aud.a")
    assert "Raise minor nonconformity" in answer(auth, audit, "tidy", "1").get_data(as_text=True)
    page = auth.client.get(f"/audits/{audit['id']}/sections/more").get_data(as_text=True)
    tidy = page[page.index('id="q-tidy"'):page.index('id="q-shift"')]
    assert "Raise minor nonconformity" in tidy and "Suggests: minor nonconformity" in tidy
    data.add_finding(db, audit, {"severity": "minor", "description": "Dusty", "question_id": "tidy"},
                     plant["auditor"]["id"])
    page = auth.client.get(f"/audits/{audit['id']}/sections/more").get_data(as_text=True)
    tidy = page[page.index('id="q-tidy"'):page.index('id="q-shift"')]
    assert "Finding raised" in tidy and "Raise minor" not in tidy


def test_submit_lists_suggestions_not_raised_and_needs_them_confirmed(auth, audit, db, plant):
    for qid, value in {**FULL_ANSWERS, "tidy": "2"}.items():
        data.save_answer(db, audit, qid, value, None, plant["auditor"]["id"])
    auth.login("aud.a")
    page = auth.client.get(f"/audits/{audit['id']}/submit").get_data(as_text=True)
    assert "Suggested findings not raised (1)" in page and "Tidiness" in page and 'name="no_finding_needed"' in page
    sign = {"confirm": "yes", "password": "correct-horse-battery"}
    refused = auth.post(f"/audits/{audit['id']}/submit", sign)
    assert refused.status_code == 422 and "confirm that no finding is needed" in refused.get_data(as_text=True)
    assert data.get_audit(db, audit["id"])["status"] == "in_progress"
    assert auth.post(f"/audits/{audit['id']}/submit", {**sign, "no_finding_needed": "yes"}).status_code == 303
    assert data.get_audit(db, audit["id"])["status"] == "submitted"


def test_a_raised_suggestion_needs_no_confirmation(auth, audit, db, plant):
    for qid, value in {**FULL_ANSWERS, "tidy": "2"}.items():
        data.save_answer(db, audit, qid, value, None, plant["auditor"]["id"])
    data.add_finding(db, audit, {"severity": "minor", "description": "Dusty", "question_id": "tidy"},
                     plant["auditor"]["id"])
    auth.login("aud.a")
    assert "Suggested findings not raised" not in auth.client.get(f"/audits/{audit['id']}/submit").get_data(
        as_text=True)
    assert auth.post(f"/audits/{audit['id']}/submit",
                     {"confirm": "yes", "password": "correct-horse-battery"}).status_code == 303


# -- a submitted audit's section -----------------------------------------------------------------------------

def test_a_submitted_audits_section_sends_to_its_record(auth, submitted):
    auth.login("aud.a")
    response = auth.client.get(f"/audits/{submitted['id']}/sections/basics")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/audits/{submitted['id']}")
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This audit is submitted; here is its record." in page


def test_a_submitted_audits_section_is_still_guarded_by_site(auth, db, two_roles):
    """Pat: auditor at PLTA (sent to the record), operator at PLTC (403), nothing at PLTB (404)."""
    for which in GUARDED:
        dbm.execute(db, "UPDATE audits SET status = 'submitted' WHERE id = ?", (two_roles[which]["id"],))
    auth.login("pat")
    expected = {"own_a": 303, "own_c": 403, "own_b": 404, "others_a": 303}
    for which, status in expected.items():
        response = auth.client.get(f"/audits/{two_roles[which]['id']}/sections/basics")
        assert response.status_code == status, which


# -- scope ----------------------------------------------------------------------------------------------------

def start_scoped(auth, plant, checklist_version, **extra):
    version = checklist_version["id"]
    return auth.post("/audits/new", {"site_id": plant["a"]["id"], "checklist_version_id": version,
                                     f"out:{version}:basics": "yes", **extra})


def test_scope_is_set_at_the_start_with_a_reason(auth, db, plant, checklist_version):
    auth.login("aud.a")
    form = auth.client.get(f"/audits/new?site_id={plant['a']['id']}").get_data(as_text=True)
    assert f'name="out:{checklist_version["id"]}:basics"' in form
    refused = start_scoped(auth, plant, checklist_version)
    assert refused.status_code == 422 and "Say why “Basics” is not in scope." in refused.get_data(as_text=True)
    version = checklist_version["id"]
    every = auth.post("/audits/new", {"site_id": plant["a"]["id"], "checklist_version_id": version,
                                      f"out:{version}:basics": "yes", f"why:{version}:basics": "x",
                                      f"out:{version}:more": "yes", f"why:{version}:more": "y"})
    assert every.status_code == 422 and "Keep at least one section in scope." in every.get_data(as_text=True)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audits") == 0
    made = start_scoped(auth, plant, checklist_version, **{f"why:{version}:basics": "No machines in this area"})
    assert made.status_code == 303
    audit = dbm.query_one(db, "SELECT * FROM audits")
    assert data.out_of_scope(audit) == {"basics": "No machines in this area"}
    assert audit["current_section"] == "more" and audit["visible_count"] == 5


def test_out_of_scope_counts_for_nothing_and_cannot_be_answered(auth, db, plant, checklist_version, tmp_path):
    audit = data.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                              auditor_id=plant["auditor"]["id"], out_of_scope={"basics": "No machines here"})
    auth.login("aud.a")
    refused = answer(auth, audit, "guard", "no")
    assert refused.status_code == 409 and data.answers_of(db, audit["id"]) == {}
    section = auth.client.get(f"/audits/{audit['id']}/sections/basics").get_data(as_text=True)
    assert "Not in scope:</strong> No machines here" in section and 'name="v-guard"' not in section
    assert "not in scope" in section  # the section chip
    saved = answer(auth, audit, "tidy", "4").get_data(as_text=True)
    assert "1/5" in saved  # only the section in scope counts
    for qid in ("shift",):
        data.save_answer(db, audit, qid, "early", None, plant["auditor"]["id"])
    assert data.progress(db, audit)[1].percent == pytest.approx(75.0)  # tidy 4 of 5; torque etc. not counted
    signed, created = record.submit(db, audit["id"], plant["auditor"])
    assert created and signed["status"] == "submitted"
    signed_record = record.signed_record(db, audit["id"])
    assert signed_record["audit"]["out_of_scope"] == {"basics": "No machines here"}  # the scope is signed too
    assert record.verify(db) == []
    record_page = auth.client.get(f"/audits/{audit['id']}").get_data(as_text=True)
    assert "Not in scope: No machines here" in record_page

    from tests.reports import pdf_of
    _, texts = pdf_of(auth.client.get(f"/audits/{audit['id']}/report.pdf"), tmp_path)
    assert "Not in scope: No machines here" in texts[0]
    assert "Not in scope: No machines here" in "\n".join(texts[1:])


def test_scope_migration_upgrades_a_database_of_the_previous_version(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = dbm.connect(path)
    previous = max(n for n, _, _ in dbm.migrations() if n < 10)
    dbm.migrate(old, target=previous)
    assert "out_of_scope" not in old["audits"].columns_dict
    old.conn.close()
    upgraded = dbm.connect(path)
    assert 10 in dbm.migrate(upgraded)
    assert upgraded["audits"].columns_dict["out_of_scope"] is str
    assert dbm.scalar(upgraded, "SELECT dflt_value FROM pragma_table_info('audits') WHERE name = 'out_of_scope'") \
        == "'{}'"


# -- resume ---------------------------------------------------------------------------------------------------

def test_resume_opens_the_last_section_seen_unless_it_is_complete(auth, db, audit, plant):
    auth.login("aud.a")
    run = f"/audits/{audit['id']}/run"
    assert auth.client.get(f"/audits/{audit['id']}/sections/more").status_code == 200
    assert auth.client.get(run).headers["Location"].endswith("/sections/more")
    for qid, value in {"tidy": "4", "shift": "early", "ppe": ["gloves"], "calibrated": "2026-01-31"}.items():
        data.save_answer(db, audit, qid, value, None, plant["auditor"]["id"])
    assert auth.client.get(run).headers["Location"].endswith("/sections/more")  # "notes" is still open
    data.save_answer(db, audit, "notes", "All fine", None, plant["auditor"]["id"])
    # "more" is complete now: resume at the first section with unanswered questions.
    assert auth.client.get(run).headers["Location"].endswith("/sections/basics")


# -- numbers --------------------------------------------------------------------------------------------------

def test_decimal_comma_is_read_and_a_refused_number_stays_in_the_field(auth, db, audit):
    auth.login("aud.a")
    assert answer(auth, audit, "torque", "10,5").status_code == 200
    assert data.answers_of(db, audit["id"])["torque"]["value"] == 10.5
    refused = answer(auth, audit, "torque", "ten and a half")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Enter a number in Nm, e.g. 12.5." in html
    assert 'value="ten and a half"' in html
    assert data.answers_of(db, audit["id"])["torque"]["value"] == 10.5


# -- the finding form -----------------------------------------------------------------------------------------

def test_finding_form_has_placeholders_a_cancel_and_takes_photos(auth, db, audit):
    auth.login("aud.a")
    answer(auth, audit, "tidy", "1")
    form = auth.client.get(f"/audits/{audit['id']}/findings/new?question_id=tidy").get_data(as_text=True)
    assert re.search(r'<textarea name="requirement" rows="2" placeholder="Tidiness"></textarea>', form)
    assert re.search(r'<textarea name="evidence" rows="3" placeholder="answer: 1 of 5"></textarea>', form)
    assert re.search(rf'href="/audits/{audit["id"]}/sections/more#q-tidy">Cancel</a>', form)
    assert 'type="file" name="photos"' in form and 'enctype="multipart/form-data"' in form
    fields = {"question_id": "tidy", "severity": "minor", "description": "Dust on the bench",
              "photos": (io.BytesIO(jpeg()), "p.jpg")}
    assert auth.post(f"/audits/{audit['id']}/findings/new", fields,
                     content_type="multipart/form-data").status_code == 303
    finding = data.list_findings(db, audit["id"])[0]
    assert finding["requirement"] == "" and finding["evidence"] == ""
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence WHERE finding_id = ?", (finding["id"],)) == 1


def test_a_refused_photo_raises_no_finding(auth, db, audit):
    auth.login("aud.a")
    fields = {"severity": "minor", "description": "Dust", "photos": (io.BytesIO(b"not a photo"), "p.jpg")}
    response = auth.post(f"/audits/{audit['id']}/findings/new", fields, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "not a picture that can be read" in html and "Dust" in html
    assert data.list_findings(db, audit["id"]) == []
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence") == 0
