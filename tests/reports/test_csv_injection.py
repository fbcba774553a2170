"""CSV exports never hand a spreadsheet a formula: cells starting with = + - @ tab or CR are neutralised (OWASP)."""
import csv
import io

import pytest

from fieldaudit.audits import data as audits
from fieldaudit.auth import users
from fieldaudit.capa import data as capas
from fieldaudit.reports.export import csv_cell, to_csv
from tests.factories import FULL_ANSWERS

HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_cells_that_start_a_formula_are_neutralised(value):
    assert csv_cell(value) == "'" + value
    cells = list(csv.reader(io.StringIO(to_csv(["x"], [[value]]))))[1]
    assert cells == ["'" + value]


@pytest.mark.parametrize("value", ["plain", "12.5", "", "a=b", "x-1", 42, -3.5, None])
def test_ordinary_cells_are_left_alone(value):
    assert csv_cell(value) == value


def rows(auth, url) -> list[dict]:
    response = auth.client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_every_export_neutralises_what_people_typed(auth, db, plant, checklist_version):  # noqa: F811
    users.update_profile(db, plant["auditor"]["id"], "=HYPERLINK(\"http://evil.example\")", "")
    audit = audits.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                                auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"])
    by = plant["auditor"]["id"]
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(db, audit, qid, value, "+SUM(1,2)" if qid == "torque" else None, by)
    audits.add_finding(db, audit, {"severity": "minor", "description": "@SUM(A1)", "clause": "8.5.1",
                                   "requirement": "-2+3", "evidence": "=1+1"}, by)
    capas.create_capa(db, site=plant["a"], title="=1+1 complaint", by=plant["qm"]["id"], source="customer_complaint",
                      severity="major")

    auth.login("aud.a")
    listed = rows(auth, "/reports/audits.csv")
    assert listed[0]["auditor"] == "'=HYPERLINK(\"http://evil.example\")"
    answers = {r["question_id"]: r for r in rows(auth, "/reports/answers.csv")}
    assert answers["torque"]["note"] == "'+SUM(1,2)"
    finding = rows(auth, "/reports/findings.csv")[0]
    assert (finding["description"], finding["requirement"], finding["evidence"]) == \
        ("'@SUM(A1)", "'-2+3", "'=1+1")
    auth.logout()
    auth.login("qm.a")
    assert rows(auth, "/capa/export.csv")[0]["title"] == "'=1+1 complaint"
