"""Repeat findings from linked hits (0031): each hit's previous hit and window, kept by trigger, equal the raw
figure."""
import calendar
import random
from dataclasses import replace
from datetime import date, datetime

import pytest

from fieldaudit import db as dbm
from fieldaudit.kpi import dashboard, findings
from fieldaudit.kpi.scope import make_scope

from . import add_audit

# Instants around month ends (31 March less a month is 28/29 February), midnight on both sides, and shared instants.
DAYS = ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-01", "2024-08-31", "2024-09-30",
        "2024-12-31", "2025-01-01", "2025-02-28", "2025-03-29", "2025-03-31", "2025-06-30", "2025-07-31"]
TIMES = ["00:00:00.000", "12:00:00.000", "23:59:59.999"]


def _links(db, site_id):
    return {(r["audit_id"], r["clause"]): (r["previous_id"], r["gap"]) for r in dbm.query(
        db, "SELECT audit_id, clause, previous_id, gap FROM kpi_nc_hits WHERE site_id = ?", (site_id,))}


def _months_before(at: str, months: int) -> str:
    """The repeat window's start, by hand: the same day `months` months earlier, clamped to that month's end."""
    moment = datetime.fromisoformat(at.replace("Z", ""))
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day).isoformat(timespec="milliseconds") + "Z"


def _expected_links(db, site_id):
    """Each hit's previous hit and the fewest months reaching it, worked out in Python from the audits."""
    rows = dbm.query(db, "SELECT a.id, a.submitted_at, COALESCE(a.workstation_id, '') AS ws, TRIM(f.clause) AS clause"
                         " FROM audits a JOIN findings f ON f.audit_id = a.id WHERE a.site_id = ?"
                         " AND a.status = 'submitted' AND f.severity IN ('major', 'minor') AND TRIM(f.clause) <> ''",
                     (site_id,))
    hits = sorted({(r["ws"], r["clause"], r["submitted_at"], r["id"]) for r in rows})
    out, before = {}, None
    for hit in hits:
        ws, clause, at, audit_id = hit
        previous = before if before and before[:2] == (ws, clause) else None
        gap = None
        if previous:
            gap = next(n for n in range(0, 1000) if previous[2] >= _months_before(at, n))
        out[(audit_id, clause)] = (previous[3] if previous else None, gap)
        before = hit
    return out


def _random_audits(db, plant, version, seed, count=70):
    rng = random.Random(seed)
    places = [plant["ws_a"], None]
    instants = [f"{d}T{t}Z" for d in DAYS for t in TIMES]
    for _ in range(count):  # arriving in no particular order, as audits synced late do
        clauses = rng.sample(["7.1.5", "8.5.1", "9.9"], rng.randint(1, 2))
        add_audit(db, plant["a"], version, plant["auditor"], rng.choice(instants), 70,
                  workstation=rng.choice(places),
                  findings=[(rng.choice(["major", "minor", "observation"]), c) for c in clauses])


@pytest.mark.both_engines
def test_a_late_audit_slots_in_between_two_hits(db, plant, checklist_version):
    a, ws = plant["a"], plant["ws_a"]
    first = add_audit(db, a, checklist_version, plant["auditor"], "2025-01-10T10:00:00.000Z", workstation=ws,
                      findings=[("major", "8.5.1")])
    last = add_audit(db, a, checklist_version, plant["auditor"], "2025-09-10T10:00:00.000Z", workstation=ws,
                     findings=[("minor", "8.5.1")])
    links = _links(db, a["id"])
    assert links[(last["id"], "8.5.1")] == (first["id"], 8)
    late = add_audit(db, a, checklist_version, plant["auditor"], "2025-05-10T10:00:00.000Z", workstation=ws,
                     findings=[("minor", "8.5.1")])
    links = _links(db, a["id"])
    assert links[(late["id"], "8.5.1")] == (first["id"], 4)
    assert links[(last["id"], "8.5.1")] == (late["id"], 4)  # fails if the trigger leaves the successor alone
    scope = make_scope([a], date(2025, 1, 1), date(2025, 12, 31))
    assert [r["audit_id"] for r in findings.repeats(db, scope, 6)] == [late["id"], last["id"]]
    assert findings.repeats(db, scope, 6) == findings.repeats(db, replace(scope, rollup=False), 6)


@pytest.mark.both_engines
@pytest.mark.parametrize("seed", [1, 2])
def test_links_equal_a_computation_by_hand(db, plant, checklist_version, seed):
    _random_audits(db, plant, checklist_version, seed)
    assert _links(db, plant["a"]["id"]) == _expected_links(db, plant["a"]["id"])


@pytest.mark.parametrize("seed", [3, 4])
def test_repeats_from_links_equal_the_raw_sql(db, plant, checklist_version, seed):
    _random_audits(db, plant, checklist_version, seed)
    a = plant["a"]
    for start, end in ((date(2024, 1, 1), date(2025, 12, 31)), (date(2024, 3, 15), date(2025, 3, 30)),
                       (date(2024, 2, 29), date(2024, 2, 29))):
        scope = make_scope([a, plant["b"]], start, end)
        raw = replace(scope, rollup=False)
        for months in (1, 2, 6, 12):
            assert findings.repeats(db, scope, months) == findings.repeats(db, raw, months), (start, months)
            assert findings.repeats(db, scope, months, newest=5) == findings.repeats(db, raw, months, newest=5)
        page = dashboard.collect(db, scope, page=True)
        assert page["repeats_total"] == len(findings.repeats(db, raw))
        assert page["repeats_per_month"] == findings.repeats_per_month(raw, findings.repeats(db, raw))


def test_a_time_zone_change_keeps_repeats_equal(db, plant, checklist_version):
    _random_audits(db, plant, checklist_version, 5)
    a = plant["a"]
    dbm.execute(db, "UPDATE sites SET timezone = 'Pacific/Auckland' WHERE id = ?", (a["id"],))
    moved = dict(a, timezone="Pacific/Auckland")
    scope = make_scope([moved], date(2024, 1, 1), date(2025, 7, 31))
    page = dashboard.collect(db, scope, page=True)
    raw = findings.repeats(db, replace(scope, rollup=False))
    assert page["repeats_per_month"] == findings.repeats_per_month(scope, raw) and page["repeats_total"] == len(raw)
    assert page["repeats"] == raw[-dashboard.REPEATS_SHOWN:]


def _undo_0031(db):
    """Take a database back to before 0031 (the links, their index and trigger gone), keeping the hits."""
    with dbm.transaction(db):
        dbm.drop_trigger(db, "kpi_nc_hits_link", "kpi_nc_hits")
        dbm.execute(db, "DROP INDEX kpi_nc_hits_repeats")
        for column in ("previous_at", "previous_id", "previous_number", "gap"):
            dbm.execute(db, f"ALTER TABLE kpi_nc_hits DROP COLUMN {column}")
        dbm.execute(db, "DELETE FROM schema_version WHERE version = 31")


@pytest.mark.both_engines
def test_upgrade_to_0031_links_the_hits_already_there(db, plant, checklist_version, kpi):
    _random_audits(db, plant, checklist_version, 6, count=40)
    kept = _links(db, plant["a"]["id"])
    scope = make_scope([plant["a"]], date(2024, 1, 1), date(2026, 3, 31))
    before = findings.repeats(db, scope)
    assert before and any(previous for previous, _ in kept.values())
    _undo_0031(db)
    assert dbm.migrate(db) == [31]
    assert _links(db, plant["a"]["id"]) == kept
    assert findings.repeats(db, scope) == before
