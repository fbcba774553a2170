"""The monthly roll-up (0024): kept by triggers, read for whole months, and giving the same figures as the audits."""
from dataclasses import replace
from datetime import date

import pytest

from fieldaudit import db as dbm
from fieldaudit import demo
from fieldaudit.evidence.blobstore import BlobStore
from fieldaudit.kpi import dashboard, findings, rollup, scores
from fieldaudit.kpi.scope import make_scope

from . import add_audit
from .test_figures import END, START, TODAY, scope_of

TABLES = rollup.TABLES


def _contents(db, site_ids):
    marks = ", ".join("?" for _ in site_ids)
    return {t: sorted(tuple(r.values()) for r in dbm.query(db, f"SELECT * FROM {t} WHERE site_id IN ({marks})",
                                                           site_ids)) for t in TABLES}


def _figures(db, scope):
    """Every figure of the dashboard, floats rounded (sums of partial sums differ from one sum in the last bit)."""
    def clean(value):
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k != "scope"}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value
    return clean(dashboard.collect(db, scope))


def test_the_fixture_months_are_read_from_the_roll_up(db, plant, kpi):
    rolled, rest = rollup.split(db, scope_of(plant["a"], plant["b"]))
    assert len(rolled) == 6 and rest == []
    # Without the roll-up every month is read from the audits.
    assert rollup.split(db, replace(scope_of(plant["a"]), rollup=False))[0] == []


@pytest.mark.both_engines
def test_triggers_keep_what_a_rebuild_makes(db, plant, kpi):
    sites = [plant["a"]["id"], plant["b"]["id"]]
    kept = _contents(db, sites)
    assert sum(r[3] for r in kept["kpi_audit_months"]) == 8  # every submitted audit, a5 and a0 included
    for site in (plant["a"], plant["b"]):
        rollup.build_site(db, site["id"], site["timezone"])
    assert _contents(db, sites) == kept


@pytest.mark.both_engines(slow=True)
def test_roll_up_figures_equal_the_audits_on_the_fixture(db, plant, kpi):
    scope = scope_of(plant["a"], plant["b"])
    assert _figures(db, scope) == _figures(db, replace(scope, rollup=False))


@pytest.mark.both_engines(slow=True)
def test_a_period_cut_mid_month_reads_that_month_from_the_audits(db, plant, kpi):
    # 16 February to 31 March at Berlin: February is partial (a3 on the 15th is outside it), March is whole.
    scope = make_scope([plant["a"]], date(2026, 2, 16), END, {plant["a"]["id"]: TODAY})
    rolled, rest = rollup.split(db, scope)
    assert rolled == [(plant["a"]["id"], "2026-03")] and [r[1] for r in rest] == ["2026-02"]
    assert [(r["month"], r["audits"]) for r in scores.per_month(db, scope)] == [("2026-02", 0), ("2026-03", 2)]
    assert _figures(db, scope) == _figures(db, replace(scope, rollup=False))


@pytest.mark.both_engines
def test_a_time_zone_change_drops_the_roll_up_and_the_dashboard_remakes_it(db, plant, kpi):
    a = plant["a"]
    dbm.execute(db, "UPDATE sites SET timezone = 'America/Chicago' WHERE id = ?", (a["id"],))
    assert dbm.scalar(db, "SELECT COUNT(*) FROM kpi_audit_months WHERE site_id = ?", (a["id"],)) == 0
    moved = dict(a, timezone="America/Chicago")
    scope = make_scope([moved], START, END, {a["id"]: TODAY})
    assert rollup.split(db, scope)[0] == []  # nothing stored: read from the audits, still right
    figures = _figures(db, scope)
    assert len(rollup.split(db, scope)[0]) == 3  # collect made it again
    # In Chicago a2 (23:30 UTC on 31 January) is a January audit.
    assert [r["audits"] for r in figures["per_month"]] == [2, 1, 2]
    assert figures == _figures(db, replace(scope, rollup=False))


def test_an_audit_submitted_later_is_added_to_its_month(db, plant, kpi, checklist_version):
    a = plant["a"]
    add_audit(db, a, checklist_version, plant["auditor"], "2026-03-31T21:59:59.000Z", 20,
              workstation=plant["ws_a"], findings=[("major", "8.5.1")])  # 23:59:59 on 31 March in Berlin
    rows = scores.per_month(db, scope_of(a))
    assert [(r["month"], r["audits"]) for r in rows] == [("2026-01", 1), ("2026-02", 2), ("2026-03", 3)]
    assert rows[2]["average"] == pytest.approx(40)
    scope = scope_of(a)
    assert _figures(db, scope) == _figures(db, replace(scope, rollup=False))


@pytest.mark.slow
def test_roll_up_figures_equal_the_audits_on_the_demo(db, tmp_path):
    demo.load(db, BlobStore(tmp_path / "blobs"), hash_method="pbkdf2:sha256:1000")
    sites = dbm.query(db, "SELECT * FROM sites ORDER BY code")
    scope = make_scope(sites)
    figures = _figures(db, scope)  # makes the roll-up of the demo's sites
    assert rollup.split(db, scope)[0]
    assert sum(r["audits"] for r in figures["per_month"]) > 0 and figures["clauses"]
    assert figures == _figures(db, replace(scope, rollup=False))
    for site in sites:
        assert _figures(db, make_scope([site])) == _figures(db, make_scope([site], rollup=False))


@pytest.mark.both_engines(slow=True)
def test_a_page_gets_the_newest_repeats_and_the_counts_of_all(db, plant, kpi):
    scope = scope_of(plant["a"])
    every = findings.repeats(db, scope, 6)
    assert len(every) >= 2
    shown, per_month, total = findings.repeats(db, scope, 6, newest=1)
    assert shown == every[-1:] and total == len(every)
    assert per_month == findings.repeats_per_month(scope, every)
    page = dashboard.collect(db, scope, page=True)
    assert page["repeats_total"] == len(every) and page["repeats_per_month"] == per_month
    assert dashboard.headline(page) == dashboard.headline(dashboard.collect(db, scope))


def test_rolled_months_are_read_as_runs_of_consecutive_months(plant):
    scope = make_scope([plant["a"], plant["b"]], date(2026, 1, 1), date(2026, 6, 30))
    a, b = plant["a"]["id"], plant["b"]["id"]
    rolled = [(a, "2026-01"), (a, "2026-02"), (a, "2026-04"), (b, "2026-01"), (b, "2026-02"), (b, "2026-03")]
    assert rollup._runs(scope, rolled) == [(a, "2026-01", "2026-02"), (a, "2026-04", "2026-04"),
                                           (b, "2026-01", "2026-03")]
