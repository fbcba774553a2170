"""Uploading a checklist file in the builder makes a draft (never a second checklist); downloads of any version."""
import io

import openpyxl
import pytest

from fieldaudit import db as dbm
from fieldaudit.checklists import drafts, formats, store

YAML = """
id: mini-lpa
version: 1
title: Mini LPA
sections:
  - title: Lot
    questions:
      - {id: burrs, text: "Burrs in 20 parts?", type: defects, samples: 20, max_defects: 0}
      - {id: guard, text: Guard closed, type: yes_no}
"""


def upload(auth, body, name, **extra):
    body = body.encode() if isinstance(body, str) else body
    return auth.post("/builder/upload", {"file": (io.BytesIO(body), name), **extra},
                     content_type="multipart/form-data")


def xlsform() -> bytes:
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (("type", "name", "label", "relevant", "calculation"),
                ("select_one yn", "ok", "Area tidy?", "", ""),
                ("text", "why", "Why not?", "${ok} = 'no'", ""),
                ("calculate", "total", "", "", "1 + 1")):
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in (("list_name", "name", "label"), ("yn", "yes", "Yes"), ("yn", "no", "No")):
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(("form_title", "form_id"))
    settings.append(("Tidy walk", "tidy_walk"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def qm(auth, plant):
    auth.login("qm.a")
    return auth


def checklists(db):
    return dbm.scalar(db, "SELECT COUNT(*) FROM checklists")


def test_an_upload_becomes_a_draft_and_again_the_next_version_of_the_same_checklist(qm, db):
    response = upload(qm, YAML, "mini.yaml")
    assert response.status_code == 303
    page = qm.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "mini.yaml is now the draft of mini-lpa (version 1)" in page and "Burrs in 20 parts?" in page
    head = store.find_checklist(db, "mini-lpa")
    assert upload(qm, YAML, "mini.yaml").status_code == 409  # a draft is there: not replaced behind anyone's back
    assert upload(qm, YAML.replace("Mini LPA", "Mini LPA 2"), "mini.yaml", replace="1").status_code == 303
    drafts.publish_draft(db, drafts.get_draft(db, head["id"])["id"], by=None)
    assert upload(qm, YAML, "mini.yaml").status_code == 303
    assert checklists(db) == 1
    assert drafts.next_version(db, head["id"]) == 2 and drafts.get_draft(db, head["id"]) is not None


def test_a_spreadsheet_export_uploads_back(qm, db, checklist_version):
    response = qm.client.get(f"/builder/versions/{checklist_version['id']}/export/xlsx")
    assert response.status_code == 200 and 'filename="test-walk-v1.xlsx"' in response.headers["Content-Disposition"]
    assert upload(qm, response.data, "test-walk.xlsx").status_code == 303
    draft = drafts.get_draft(db, checklist_version["checklist_id"])
    assert drafts.problems(db, draft["id"]) == []
    published = drafts.publish_draft(db, draft["id"], by=None)
    assert published["version"] == 2
    assert {**store.load_version(db, published["id"]).to_dict(), "version": 1} \
        == store.load_version(db, checklist_version["id"]).to_dict()


@pytest.mark.parametrize("kind, start", [("yaml", b"# Test walk"), ("csv", b"id,test-walk")])
def test_downloads_of_a_version(qm, checklist_version, kind, start):
    response = qm.client.get(f"/builder/versions/{checklist_version['id']}/export/{kind}")
    assert response.status_code == 200 and response.data.startswith(start)


def test_the_spreadsheet_template_downloads(qm):
    response = qm.client.get("/builder/template.xlsx")
    assert response.status_code == 200
    assert "checklist-template.xlsx" in response.headers["Content-Disposition"]
    assert formats.read_any(response.data, "template.xlsx")["id"] == "my-checklist"


def test_problems_are_listed_by_place_and_nothing_is_imported(qm, db):
    response = upload(qm, YAML.replace("type: yes_no", "type: yesno"), "mini.yaml")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "unknown question type &#39;yesno&#39;" in page and "mini.yaml:9" in page
    assert upload(qm, b"PK\x03\x04 not really", "x.xlsx").status_code == 422
    assert checklists(db) == 0


def test_an_xlsform_lists_what_it_could_not_carry_over(qm, db):
    response = upload(qm, xlsform(), "tidy.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)
    page = qm.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not imported:" in page and "total" in page
    _, _, data = drafts.get(db, drafts.list_drafts(db)[0]["id"])
    assert data["sections"][0]["questions"][1]["show_if"] == {"question": "ok", "equals": "no"}


def test_only_quality_managers_upload_and_download(auth, plant, checklist_version):
    auth.login("aud.a")
    assert upload(auth, YAML, "mini.yaml").status_code == 403
    assert auth.client.get(f"/builder/versions/{checklist_version['id']}/export/yaml").status_code == 403
    assert auth.client.get("/builder/template.xlsx").status_code == 403
