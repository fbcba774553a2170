"""Generation: idempotent, in the site's calendar, windows, risk steps."""
from datetime import date, datetime, timedelta, timezone

from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.programme import data, generate, plans
from tests.factories import submit_with_findings, today_at

from .conftest import make_plan


def rows(db, plan_id):
    return dbm.query(db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY due_date", (plan_id,))


def test_generation_is_idempotent_and_fills_only_the_new_horizon(db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version)
    made = generate.generate_plan(db, plan, date(2026, 3, 2), horizon_days=27)
    assert made == 4
    assert generate.generate_plan(db, plan, date(2026, 3, 2), horizon_days=27) == 0
    assert generate.generate_plan(db, plan, date(2026, 3, 9), horizon_days=27) == 1  # one more Monday in view
    got = rows(db, plan["id"])
    assert [r["due_date"] for r in got] == ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30"]
    assert got[0]["window_end"] == "2026-03-04"  # two working days
    assert all(r["auditor_id"] == plant["auditor"]["id"] and r["frequency"] == "weekly" for r in got)


def test_generate_uses_each_site_s_local_date(db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="daily", rule={"weekdays": [0, 1, 2, 3, 4, 5, 6]})
    # 23:30 UTC on 1 March is already 2 March in Berlin: nothing is made for 1 March.
    generate.generate(db, datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), horizon_days=1)
    assert [r["due_date"] for r in rows(db, plan["id"])] == ["2026-03-02", "2026-03-03"]


def test_risk_steps_the_next_audits_up_after_a_major_finding(db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="monthly", rule={"day": 1},
                     risk={"up_on": "major", "down_after": 0})
    today = date.fromisoformat(today_at(plant["a"]))
    generate.generate_plan(db, plan, today, horizon_days=60)
    assert {r["frequency"] for r in rows(db, plan["id"])} == {"monthly"}
    audit = audits.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                                auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"])
    submit_with_findings(db, plant, audit, ["major"])
    # A programme made for a day before the finding is what it was then.
    assert generate.effective_frequency(db, plan, today - timedelta(days=2)) == "monthly"
    generate.generate_plan(db, plan, today, horizon_days=20)
    future = [r for r in rows(db, plan["id"]) if r["due_date"] > today.isoformat()]
    assert future and {r["frequency"] for r in future} == {"weekly"}
    assert generate.effective_frequency(db, plans.get_plan(db, plan["id"])) == "weekly"


def test_risk_steps_down_after_clean_audits(db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version, frequency="monthly", risk={"up_on": "major", "down_after": 2})
    for _ in range(2):
        audit = audits.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                                    auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"])
        assert generate.effective_frequency(db, plan) == "monthly"
        submit_with_findings(db, plant, audit, ["observation"])
    assert generate.effective_frequency(db, plan) == "quarterly"


def test_missed_needs_an_overdue_audit_and_a_reason(db, plant, checklist_version):
    plan = make_plan(db, plant, checklist_version)
    generate.generate_plan(db, plan, date(2026, 3, 2), horizon_days=6)
    row = rows(db, plan["id"])[0]
    assert data.get_scheduled(db, row["id"], "2026-03-04")["state"] == "due"
    assert data.get_scheduled(db, row["id"], "2026-03-05")["state"] == "overdue"
    import pytest
    from fieldaudit.refusal import Refusal
    with pytest.raises(Refusal) as early:
        data.mark_missed(db, row["id"], "Line down", plant["qm"]["id"], "2026-03-04")
    assert early.value.status == 409
    with pytest.raises(Refusal) as no_reason:
        data.mark_missed(db, row["id"], " ", plant["qm"]["id"], "2026-03-05")
    assert no_reason.value.status == 422
    missed = data.mark_missed(db, row["id"], "Line down", plant["qm"]["id"], "2026-03-05")
    assert missed["state"] == "missed" and data.state(missed, date(2026, 3, 5)) == "missed"
    assert [r["id"] for r in data.list_scheduled(db, "2026-03-05", in_state="missed")] == [row["id"]]
