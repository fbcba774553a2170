"""The hand-computed KPI fixture: audits, findings and CAPAs at instants chosen around month ends and time zones.

Site A is in Berlin, site B in Chicago; the period is January to March 2026 and 'today' is 2026-04-10. The
expected figures are written out in the tests, worked out by hand from this table, never by the same SQL.
"""
import pytest

from fieldaudit.checklists import parse_checklist, store
from fieldaudit.kpi import rollup
from fieldaudit.stations import data as stations
from tests.factories import CHECKLIST

from . import add_audit, add_capa, add_move, plan, scheduled


@pytest.fixture
def second_version(db):
    """A second published checklist ("Second walk")."""
    text = CHECKLIST.replace("id: test-walk", "id: second-walk").replace("title: Test walk", "title: Second walk")
    row, _ = store.publish(db, parse_checklist(text, "second-walk.yaml"), by=None)
    return row


@pytest.fixture
def kpi(db, plant, checklist_version, second_version):
    """Audits and findings at site A (and one at B), with the places they were found at."""
    a, b, aud = plant["a"], plant["b"], plant["auditor"]
    # The sites' roll-up (0024) exists before their audits, so the triggers fill it and every figure below reads
    # its whole months from it.
    for site in (a, b):
        rollup.build_site(db, site["id"], site["timezone"])
    paint = stations.create_area(db, a["id"], "PNT", "Paint")
    ws = plant["ws_a"]  # A-01 in area ASM
    t, s = checklist_version, second_version
    audits = {
        # Before the period: the earlier half of repeats (a0 within 6 months of a1, a5 not within 6 of a6).
        "a5": add_audit(db, a, t, aud, "2025-06-01T10:00:00.000Z", 40, workstation=ws,
                        findings=[("major", "9.9")]),
        "a0": add_audit(db, a, t, aud, "2025-12-20T10:00:00.000Z", 50, workstation=ws,
                        findings=[("major", "7.1.5")]),
        "a1": add_audit(db, a, t, aud, "2026-01-10T09:00:00.000Z", 80, workstation=ws,
                        findings=[("major", "8.5.1"), ("minor", "7.1.5"), ("observation", "")]),
        # 23:30 UTC on 31 January is 00:30 on 1 February in Berlin: a February audit.
        "a2": add_audit(db, a, t, aud, "2026-01-31T23:30:00.000Z", 90, workstation=ws,
                        findings=[("minor", "8.5.1"), ("minor", " 8.5.1 "), ("ofi", "")]),
        "a3": add_audit(db, a, s, aud, "2026-02-15T10:00:00.000Z", 70, area=paint,
                        findings=[("major", "8.5.1"), ("minor", "")]),
        "a6": add_audit(db, a, t, aud, "2026-03-05T10:00:00.000Z", 60, workstation=ws,
                        findings=[("minor", "9.9")]),
        "a4": add_audit(db, a, s, aud, "2026-03-20T10:00:00.000Z", None, workstation=ws,
                        findings=[("minor", "7.1.5")]),
        # Still in progress: counts nowhere.
        "a7": add_audit(db, a, t, aud, "2026-02-02T10:00:00.000Z", 10, workstation=ws,
                        findings=[("major", "8.5.1")], status="in_progress"),
        # 03:00 UTC on 1 February is 21:00 on 31 January in Chicago: a January audit at B.
        "b1": add_audit(db, b, t, plant["auditor_b"], "2026-02-01T03:00:00.000Z", 100, workstation=plant["ws_b"],
                        findings=[("major", "8.5.1")]),
    }
    return {"paint": paint, **audits}


@pytest.fixture
def capa_rows(db, plant):
    """CAPAs at site A in every state the figures distinguish, and one at B."""
    a, qm = plant["a"], plant["qm"]
    rows = {
        "c1": add_capa(db, a, qm, "major", "open", "2026-04-01", due="2026-04-09"),
        "c2": add_capa(db, a, qm, "major", "implementation", "2026-03-11", due="2026-04-10"),
        "c3": add_capa(db, a, qm, "minor", "root_cause", "2026-03-10"),
        "c4": add_capa(db, a, qm, "minor", "effectiveness_check", "2026-01-01", due="2026-02-01"),
        "c5": add_capa(db, a, qm, "observation", "containment", "2026-02-09", due="2026-05-01"),
        "c6": add_capa(db, a, qm, "minor", "open", "2026-01-10", due="2026-03-01"),
        "c7": add_capa(db, a, qm, "major", "closed", "2026-01-05", raised_at="2026-01-05T12:00:00.000Z",
                       closed_at="2026-01-15T12:00:00.000Z", due="2026-01-02"),
        "c8": add_capa(db, a, qm, "major", "closed", "2026-01-01", raised_at="2026-01-01T12:00:00.000Z",
                       closed_at="2026-02-20T12:00:00.000Z"),
        "c9": add_capa(db, a, qm, "major", "closed", "2026-02-01", raised_at="2026-02-01T12:00:00.000Z",
                       closed_at="2026-03-03T12:00:00.000Z"),
        "c10": add_capa(db, a, qm, "minor", "closed", "2025-12-01", raised_at="2025-12-01T12:00:00.000Z",
                        closed_at="2026-01-02T00:00:00.000Z"),
        "c14": add_capa(db, a, qm, "minor", "closed", "2026-02-01", raised_at="2026-02-01T00:00:00.000Z",
                        closed_at="2026-03-01T00:00:00.000Z"),
        # Closed at 00:30 on 1 April in Berlin: outside a period ending 31 March.
        "c16": add_capa(db, a, qm, "minor", "closed", "2026-03-01", raised_at="2026-03-01T00:00:00.000Z",
                        closed_at="2026-03-31T22:30:00.000Z"),
        "c15": add_capa(db, a, qm, "major", "closed", "2026-03-01", closed_at="2026-04-02T10:00:00.000Z"),
        "c11": add_capa(db, a, qm, "minor", "rejected", "2026-01-03", due="2026-01-04"),
        "c12": add_capa(db, a, qm, "minor", "cancelled", "2026-01-03", due="2026-01-04"),
        "c13": add_capa(db, plant["b"], qm, "major", "open", "2026-01-03", due="2026-01-04"),
    }
    add_move(db, rows["c7"], "effectiveness_check", "closed", "2026-01-15T12:00:00.000Z")
    add_move(db, rows["c8"], "effectiveness_check", "root_cause", "2026-01-20T12:00:00.000Z")
    add_move(db, rows["c8"], "effectiveness_check", "closed", "2026-02-20T12:00:00.000Z")
    add_move(db, rows["c9"], "effectiveness_check", "closed", "2026-03-03T12:00:00.000Z")
    add_move(db, rows["c12"], "effectiveness_check", "cancelled", "2026-02-10T12:00:00.000Z")
    add_move(db, rows["c15"], "effectiveness_check", "closed", "2026-04-02T10:00:00.000Z")
    add_move(db, rows["c13"], "effectiveness_check", "root_cause", "2026-02-10T12:00:00.000Z")
    return rows


@pytest.fixture
def schedule(db, plant, checklist_version):
    a, v = plant["a"], checklist_version
    p = plan(db, a, v)
    for due, end, extra in (
            ("2026-01-05", "2026-01-09", {"done_on": "2026-01-08"}),      # on time
            ("2026-01-20", "2026-01-24", {"done_on": "2026-01-27"}),      # late
            ("2026-01-31", "2026-02-04", {"missed": "Line stopped"}),     # missed
            ("2026-02-10", "2026-02-14", {}),                             # overdue
            ("2026-02-20", "2026-02-24", {"done_on": "2026-02-24"}),      # on time, the window's last day
            ("2026-04-08", "2026-04-12", {}),                             # open: its window runs past today
            ("2026-04-01", "2026-04-09", {}),                             # overdue since today
            ("2025-12-30", "2026-01-03", {"done_on": "2026-01-02"})):     # due before the period
        scheduled(db, p, a, v, due, end, **extra)
    scheduled(db, plan(db, plant["b"], v), plant["b"], v, "2026-01-10", "2026-01-12", done_on="2026-01-10")
