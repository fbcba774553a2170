"""Fixtures for audits: a small published checklist with every question type, and an audit of it."""
import pytest

from fieldaudit.audits import data
from fieldaudit.checklists import parse_checklist
from fieldaudit.checklists import store

CHECKLIST = """
id: test-walk
version: 1
title: Test walk
standard: ISO 9001:2015
sections:
  - id: basics
    title: Basics
    questions:
      - {id: guard, text: Machine guard in place, type: yes_no, allow_na: true, clause: "8.5.1", weight: 2}
      - {id: guard-why, text: "Why is the guard missing?", type: text, show_if: {question: guard, equals: "no"}}
      - {id: torque, text: Torque reading, type: numeric, unit: Nm, min: 10, max: 12, finding: {out_of_limits: major}}
      - {id: label, text: Label legible, type: pass_fail}
  - id: more
    title: More
    questions:
      - {id: tidy, text: Tidiness, type: rating, scale: {min: 1, max: 5}, finding: {when: [1, 2], severity: minor}}
      - id: shift
        text: Shift
        type: single_choice
        options: [early, late, night]
      - id: ppe
        text: PPE worn
        type: multi_choice
        required: false
        options: [gloves, glasses, boots]
      - {id: calibrated, text: Calibration due date, type: date, required: false}
      - {id: notes, text: Comments, type: text, required: false}
"""


@pytest.fixture
def checklist_version(db):
    """The test checklist, published."""
    row, _ = store.publish(db, parse_checklist(CHECKLIST, "test-walk.yaml"), by=None)
    return row


@pytest.fixture
def audit(db, plant, checklist_version):
    """An audit of site A by its auditor at workstation A-01."""
    return data.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                             auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"], auditees="Pat Doe")


FULL_ANSWERS = {"guard": "yes", "torque": "11", "label": "pass", "tidy": "4", "shift": "early"}


@pytest.fixture
def two_roles(db, plant, checklist_version):
    """Pat, auditor at PLTA and operator at PLTC (no role at PLTB), with an audit Pat started at each of the three
    sites while Pat still audited there, and an audit another auditor runs at PLTA; each audit has one finding."""
    from fieldaudit.auth import users
    from tests.conftest import make_site, make_user

    plant_c = make_site(db, "PLTC", name="Plant C")
    pat = make_user(db, "pat", "auditor", plant["a"])
    users.add_membership(db, pat["id"], plant_c["id"], "operator")
    audits = {}
    for key, site, auditor in (("own_a", plant["a"], pat), ("own_c", plant_c, pat), ("own_b", plant["b"], pat),
                               ("others_a", plant["a"], plant["auditor"])):
        audit = data.create_audit(db, site=site, checklist_version_id=checklist_version["id"],
                                  auditor_id=auditor["id"])
        finding = data.add_finding(db, audit, {"severity": "minor", "description": "Oil"}, auditor["id"])
        audits[key] = {**audit, "finding_id": finding["id"]}
    return {"user": pat, "site_c": plant_c, **audits}


# Who gets what: Pat's own audit at PLTA is allowed; at PLTC Pat is an operator (403); at PLTB Pat has no role
# (404); another auditor's audit at the same site is not Pat's to change (403).
GUARDED = {"own_a": "allowed", "own_c": 403, "own_b": 404, "others_a": 403}
