"""Layered process audits: the rotating draw covers the pool, keeps must-ask questions, re-checks failures."""
from datetime import date

import pytest

from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.checklists import rules
from fieldaudit.programme import generate, lpa, start

from .conftest import make_plan

LPA = """
id: lpa-test
version: 1
title: LPA test
standard: IATF 16949
sections:
  - id: s1
    title: Set-up
    questions:
      - {id: q1, text: Work instruction posted, type: yes_no}
      - {id: q2, text: First-off approved, type: yes_no}
      - {id: q2-why, text: "Why not?", type: text, show_if: {question: q2, equals: "no"}}
      - {id: q3, text: Gauges calibrated, type: yes_no}
  - id: s2
    title: Running
    questions:
      - {id: q4, text: Reaction plan known, type: yes_no}
      - {id: q5, text: Scrap bin labelled, type: yes_no}
      - {id: q6, text: PPE worn, type: yes_no}
      - {id: q7, text: 5S kept, type: yes_no}
"""
ROOTS = ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]


@pytest.fixture
def lpa_plan(db, plant):
    version, _ = store.publish(db, parse_checklist(LPA, "lpa.yaml"), by=None)
    checklist = store.load_version(db, version["id"])
    lpa.ensure_default_layers(db, plant["a"]["id"])
    lpa.set_pool(db, checklist, version["checklist_id"], draw_count=3, must_ask=["q6"], recheck_days=14)
    plan = make_plan(db, plant, version, frequency="daily", rule={}, layer="team_leader", window_days=0)
    generate.generate_plan(db, plan, date(2026, 3, 2), horizon_days=30)
    return {"plan": plan, "version": version, "checklist": checklist}


def run_day(db, plant, lpa_plan, day: str, answers: dict | None = None) -> set:
    """Start the day's scheduled LPA, answer what was drawn ("yes" unless told) and submit; the drawn roots."""
    row = dbm.query_one(db, "SELECT id FROM scheduled_audits WHERE plan_id = ? AND due_date = ?",
                        (lpa_plan["plan"]["id"], day))
    audit = start.start_scheduled(db, row["id"], plant["auditor"], day)
    visible = rules.visible_questions(lpa_plan["checklist"], {}, audits.out_of_scope(audit))
    for qid in sorted(visible):
        audits.save_answer(db, audit, qid, (answers or {}).get(qid, "yes"), None, plant["auditor"]["id"])
    record.submit(db, audit["id"], plant["auditor"])
    return visible


def test_draw_covers_the_pool_over_a_cycle_and_always_asks_the_must_ask(db, plant, lpa_plan):
    drawn = [run_day(db, plant, lpa_plan, day) for day in ("2026-03-02", "2026-03-03", "2026-03-04")]
    assert all("q6" in d and len(d) == 3 for d in drawn)
    # 6 other questions, 2 free places per audit: the pool is covered in 3 audits.
    assert set().union(*drawn) == set(ROOTS)


def test_the_audit_shows_only_the_drawn_questions(db, plant, lpa_plan):
    row = dbm.query_one(db, "SELECT id FROM scheduled_audits WHERE due_date = '2026-03-02'")
    audit = start.start_scheduled(db, row["id"], plant["auditor"], "2026-03-02")
    scope = audits.out_of_scope(audit)
    # The must-ask q6 and the first two never asked; the rest is left out one question at a time.
    assert scope == {f"q:{q}": lpa.NOT_DRAWN for q in ("q3", "q4", "q5", "q7")}
    assert rules.visible_questions(lpa_plan["checklist"], {}, scope) == {"q1", "q2", "q6"}
    with pytest.raises(audits.AuditError) as refused:
        audits.save_answer(db, audit, "q3", "yes", None, plant["auditor"]["id"])
    assert refused.value.status == 409
    assert lpa.scope_for(lpa_plan["checklist"], ["q1"])["s2"] == lpa.NOT_DRAWN  # nothing drawn: the section goes


def test_a_failed_item_is_rechecked_while_recent(db, plant, lpa_plan):
    first = run_day(db, plant, lpa_plan, "2026-03-02", answers={"q1": "no"})
    assert "q1" in first
    second = run_day(db, plant, lpa_plan, "2026-03-03")
    assert {"q1", "q6"} <= second  # failed yesterday: asked again, with the must-ask
    # Once it passes, it goes back into the rotation.
    third = run_day(db, plant, lpa_plan, "2026-03-04")
    assert "q1" in third  # still failed within 14 days of the 2 March audit
    pool = lpa.get_pool(db, lpa_plan["version"]["checklist_id"])
    history = lpa._history(db, lpa_plan["version"]["checklist_id"], plant["a"]["id"], plant["ws_a"]["id"], None)
    assert lpa.failed_recently(db, lpa_plan["checklist"], history, "2099-01-01") == set()
    assert pool["recheck_days"] == 14


def test_follow_ups_come_with_their_controller(db, plant, lpa_plan):
    drawn = lpa.draw(db, lpa_plan["checklist"], lpa_plan["version"]["checklist_id"],
                     {"draw_count": 7, "must_ask": [], "recheck_days": 0}, site_id=plant["a"]["id"],
                     workstation_id=plant["ws_a"]["id"], today=date(2026, 3, 2))
    assert "q2-why" in drawn and len(drawn) == 8
