"""Every KPI against the hand-computed fixture of conftest.py (period January–March 2026, today 2026-04-10)."""
from datetime import date

import pytest

from fieldaudit.kpi import capas, findings, scores
from fieldaudit.kpi.scope import make_scope

from . import add_audit

START, END, TODAY = date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 10)


def scope_of(*sites):
    return make_scope(sites, START, END, {s["id"]: TODAY for s in sites})


def test_months_follow_the_site_calendar(db, plant, kpi):
    # a2 (23:30 UTC on 31 Jan) is a Berlin February audit; b1 (03:00 UTC on 1 Feb) a Chicago January one.
    rows = scores.per_month(db, scope_of(plant["a"]))
    assert [(r["month"], r["audits"], r["scored"]) for r in rows] == [
        ("2026-01", 1, 1), ("2026-02", 2, 2), ("2026-03", 2, 1)]
    assert [r["average"] for r in rows] == [80, 80, 60]
    b = scores.per_month(db, scope_of(plant["b"]))
    assert [(r["month"], r["audits"], r["average"]) for r in b] == [
        ("2026-01", 1, 100), ("2026-02", 0, None), ("2026-03", 0, None)]


def test_scores_by_checklist_and_place(db, plant, kpi):
    scope = scope_of(plant["a"])
    by_checklist = {r["label"]: r for r in scores.overall(db, scope, "checklist")}
    assert by_checklist["Test walk"]["audits"] == 3
    assert by_checklist["Test walk"]["average"] == pytest.approx((80 + 90 + 60) / 3)
    assert (by_checklist["Test walk"]["low"], by_checklist["Test walk"]["high"]) == (60, 90)
    # a4 has no score: counted, not averaged.
    assert (by_checklist["Second walk"]["audits"], by_checklist["Second walk"]["scored"],
            by_checklist["Second walk"]["average"]) == (2, 1, 70)
    by_area = {r["label"]: (r["audits"], r["scored"], r["average"]) for r in scores.overall(db, scope, "area")}
    assert by_area == {"Assembly": (4, 3, pytest.approx(230 / 3)), "Paint": (1, 1, 70)}
    by_ws = {r["label"]: r["audits"] for r in scores.overall(db, scope, "workstation")}
    assert by_ws == {"A-01 Station A1": 4, "(no workstation)": 1}
    monthly = [(r["month"], r["label"], r["audits"], r["average"]) for r in scores.monthly(db, scope)]
    assert monthly == [("2026-01", "Test walk", 1, 80), ("2026-02", "Second walk", 1, 70),
                       ("2026-02", "Test walk", 1, 90), ("2026-03", "Second walk", 1, None),
                       ("2026-03", "Test walk", 1, 60)]
    both = {r["label"]: (r["audits"], r["average"]) for r in scores.overall(db, scope_of(plant["a"], plant["b"]),
                                                                              "site")}
    assert both == {"PLTA": (5, 75), "PLTB": (1, 100)}


def test_findings_by_severity_per_month(db, plant, kpi):
    rows = findings.by_severity(db, scope_of(plant["a"]))
    assert [(r["month"], r["major"], r["minor"], r["observation"], r["ofi"], r["total"]) for r in rows] == [
        ("2026-01", 1, 1, 1, 0, 3), ("2026-02", 1, 3, 0, 1, 5), ("2026-03", 0, 2, 0, 0, 2)]


def test_nonconformities_by_clause_and_area(db, plant, kpi):
    scope = scope_of(plant["a"])
    assert [(r["clause"], r["major"], r["minor"], r["total"]) for r in findings.by_clause(db, scope)] == [
        ("8.5.1", 2, 2, 4), ("7.1.5", 0, 2, 2), (findings.NO_CLAUSE, 0, 1, 1), ("9.9", 0, 1, 1)]
    assert [(r["area"], r["major"], r["minor"], r["total"]) for r in findings.by_area(db, scope)] == [
        ("Assembly", 1, 5, 6), ("Paint", 1, 1, 2)]
    trend = [(r["month"], r["clause"], r["total"]) for r in findings.clause_trend(db, scope, ["8.5.1"])]
    assert trend == [("2026-01", "8.5.1", 1), ("2026-02", "8.5.1", 3)]


def test_repeat_findings_same_clause_same_place_within_n_months(db, plant, kpi):
    scope = scope_of(plant["a"])
    rows = findings.repeats(db, scope, months=6)
    assert [(r["month"], r["number"], r["clause"], r["findings"], r["previous_number"]) for r in rows] == [
        ("2026-01", kpi["a1"]["number"], "7.1.5", 1, kpi["a0"]["number"]),
        ("2026-02", kpi["a2"]["number"], "8.5.1", 2, kpi["a1"]["number"]),
        ("2026-03", kpi["a4"]["number"], "7.1.5", 1, kpi["a1"]["number"])]
    assert rows[0]["place"] == "A-01 Station A1"
    assert [r["findings"] for r in findings.repeats_per_month(scope, rows)] == [1, 2, 1]
    # Within 2 months a0 (20 Dec) is still before a1 (10 Jan), but a1 is too early for a4 (20 Mar).
    assert [r["number"] for r in findings.repeats(db, scope, months=2)] == [kpi["a1"]["number"],
                                                                          kpi["a2"]["number"]]


def test_repeat_window_clamps_to_month_end(db, plant, checklist_version):
    # One month before 31 March is 28 February; SQLite's own '-1 months' would say 3 March and miss 2 March.
    a, ws = plant["a"], plant["ws_a"]
    add_audit(db, a, checklist_version, plant["auditor"], "2026-03-02T10:00:00.000Z", 50, workstation=ws,
              findings=[("minor", "4.4")])
    later = add_audit(db, a, checklist_version, plant["auditor"], "2026-03-31T10:00:00.000Z", 50, workstation=ws,
                      findings=[("minor", "4.4")])
    assert [r["audit_id"] for r in findings.repeats(db, scope_of(a), months=1)] == [later["id"]]
    add_audit(db, a, checklist_version, plant["auditor"], "2026-02-27T10:00:00.000Z", 50, workstation=ws,
              findings=[("minor", "5.5")])
    add_audit(db, a, checklist_version, plant["auditor"], "2026-03-31T10:00:00.000Z", 50, workstation=ws,
              findings=[("minor", "5.5")])
    assert {r["clause"] for r in findings.repeats(db, scope_of(a), months=1)} == {"4.4"}


def test_capa_open_overdue_and_ageing(db, plant, capa_rows):
    scope = scope_of(plant["a"])
    assert [(r["severity"], r["open"], r["overdue"]) for r in capas.status(db, scope)] == [
        ("major", 2, 1), ("minor", 3, 2), ("observation", 1, 0), ("ofi", 0, 0)]
    assert [(r["label"], r["open"], r["overdue"]) for r in capas.ageing(db, scope)] == [
        ("0–30 days", 2, 1), ("31–60 days", 2, 0), ("61–90 days", 1, 1), ("over 90 days", 1, 1)]


def test_capa_median_days_to_close_by_severity(db, plant, capa_rows):
    rows = {r["severity"]: (r["closed"], r["median_days"]) for r in capas.time_to_close(db, scope_of(plant["a"]))}
    # Majors: 10, 30 and 50 days; minors: 31.5 and 28 (c16 closed on 1 April in Berlin is outside).
    assert rows["major"] == (3, pytest.approx(30))
    assert rows["minor"] == (2, pytest.approx(29.75))
    assert rows["observation"] == (0, None)


def test_capa_effectiveness_pass_rate(db, plant, capa_rows):
    rows = capas.effectiveness(db, scope_of(plant["a"]))
    assert [(r["month"], r["checked"], r["passed"], r["rate"]) for r in rows] == [
        ("2026-01", 2, 1, 50.0), ("2026-02", 1, 1, 100.0), ("2026-03", 1, 1, 100.0)]
    assert capas.effectiveness_total(rows) == {"checked": 4, "passed": 3, "rate": 75.0}


def test_empty_scope_gives_zero_rows(db, plant):
    scope = make_scope([], START, END)
    assert scores.overall(db, scope) == []
    assert findings.repeats(db, scope) == []
    assert all(r["open"] == 0 for r in capas.status(db, scope))


def test_effectiveness_checks_count_in_their_local_month_at_the_edges(db, plant):
    from . import add_capa, add_move

    a, qm = plant["a"], plant["qm"]
    capa = add_capa(db, a, qm, "major", "closed", "2026-01-01")
    # Berlin: 23:00 UTC on 31 January is the first instant of February; 22:00 UTC on 31 March is 1 April (outside),
    # 21:59:59.999 UTC on 31 March the last of March; 22:59:59.999 UTC on 31 December is 2025 (outside).
    for at, new in (("2026-01-31T23:00:00.000Z", "closed"), ("2026-01-31T22:59:59.999Z", "root_cause"),
                    ("2026-03-31T22:00:00.000Z", "closed"), ("2026-03-31T21:59:59.999Z", "closed"),
                    ("2025-12-31T22:59:59.999Z", "closed")):
        add_move(db, capa, "effectiveness_check", new, at)
    rows = capas.effectiveness(db, scope_of(a))
    assert [(r["month"], r["checked"], r["passed"]) for r in rows] == [
        ("2026-01", 1, 0), ("2026-02", 1, 1), ("2026-03", 1, 1)]
