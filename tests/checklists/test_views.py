"""Importing a checklist file: problems re-render the form with the refusal's status, success redirects."""
import io

import pytest

LPA = """
id: mini-lpa
version: 1
title: Mini LPA
sections:
  - title: Lot
    questions:
      - {id: burrs, text: "Burrs in 20 parts?", type: defects, samples: 20, max_defects: 0}
"""


def upload(auth, text: str | bytes, name="mini-lpa.yaml"):
    body = text.encode() if isinstance(text, str) else text
    return auth.post("/checklists/import", {"file": (io.BytesIO(body), name)}, content_type="multipart/form-data")


@pytest.fixture
def qm(auth, plant):
    auth.login("qm.a")
    return auth


@pytest.mark.both_engines(slow=True)
def test_a_valid_file_is_published_and_redirects(qm):
    response = upload(qm, LPA)
    assert response.status_code == 303
    page = qm.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mini LPA" in page and "defects" in page


def test_an_invalid_file_lists_every_problem_with_422(qm):
    response = upload(qm, LPA.replace("samples: 20, ", "").replace("title: Mini LPA", "titel: Mini LPA"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "mini-lpa.yaml:4: titel: unknown key" in page
    assert "defects questions need &#39;samples&#39;" in page
    assert "<html" in page  # the whole index page again, with the problems


@pytest.mark.parametrize("body, name, message", [
    (b"", "", "Choose a checklist file (.yaml) to import."),
    (b"\xff\xfe", "x.yaml", "x.yaml: not a UTF-8 text file"),
])
def test_unusable_uploads_are_refused_in_the_form(qm, body, name, message):
    response = upload(qm, body, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_changed_published_version_is_a_409_conflict_in_the_form(qm):
    assert upload(qm, LPA).status_code == 303
    response = upload(qm, LPA.replace("max_defects: 0", "max_defects: 1"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "mini-lpa.yaml: mini-lpa version 1 is already published and cannot change; raise `version` to 2." in page
    assert 'name="file"' in page  # the form again, not an error page
    assert upload(qm, LPA.replace("version: 1", "version: 2").replace("max_defects: 0", "max_defects: 1")) \
        .status_code == 303


def test_only_checklist_managers_import(auth, plant):
    auth.login("aud.a")
    assert upload(auth, LPA).status_code == 403
