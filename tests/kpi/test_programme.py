"""Programme adherence and LPA completion against hand-computed scheduled audits (today 2026-04-10 at the site)."""
from datetime import date

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.kpi import programme
from fieldaudit.kpi.scope import make_scope

TODAY = date(2026, 4, 10)


from . import plan, scheduled


def scope_of(*sites):
    return make_scope(sites, date(2026, 1, 1), date(2026, 4, 30), {s["id"]: TODAY for s in sites})


def test_adherence_per_month(db, plant, schedule):
    rows = programme.adherence(db, scope_of(plant["a"]))
    got = [(r["month"], r["planned"], r["on_time"], r["late"], r["missed"], r["overdue"], r["open"]) for r in rows]
    assert got == [("2026-01", 3, 1, 1, 1, 0, 0), ("2026-02", 2, 1, 0, 0, 1, 0), ("2026-03", 0, 0, 0, 0, 0, 0),
                   ("2026-04", 1, 0, 0, 0, 1, 1)]
    assert [r["adherence"] for r in rows] == [pytest.approx(100 / 3), 50.0, None, 0.0]
    assert rows[0]["completion"] == pytest.approx(200 / 3)
    period = programme.total(rows)
    assert (period["planned"], period["on_time"], period["adherence"]) == (6, 2, pytest.approx(100 / 3))


@pytest.fixture
def lpa_schedule(db, plant, checklist_version):
    a, v = plant["a"], checklist_version
    for key, name, position in (("tl", "Team leader", 0), ("sv", "Supervisor", 1)):
        dbm.execute(db, "INSERT INTO lpa_layers (id, site_id, key, name, frequency, position, created_at, updated_at,"
                        " origin) VALUES (?, ?, ?, ?, 'daily', ?, 'x', 'x', 'test')",
                    (ids.new_id(), a["id"], key, name, position))
    p = plan(db, a, v, layer="tl")
    aud, qm = plant["auditor"], plant["qm"]
    scheduled(db, p, a, v, "2026-01-02", "2026-01-02", done_on="2026-01-02", layer="tl", auditor=aud)
    scheduled(db, p, a, v, "2026-01-03", "2026-01-03", done_on="2026-01-04", layer="tl", auditor=aud)
    scheduled(db, p, a, v, "2026-03-03", "2026-03-03", layer="tl", auditor=qm)
    scheduled(db, p, a, v, "2026-02-02", "2026-02-06", done_on="2026-02-05", layer="sv", auditor=qm)
    scheduled(db, p, a, v, "2026-04-20", "2026-04-24", layer="sv", auditor=qm)
    scheduled(db, plan(db, a, v), a, v, "2026-01-05", "2026-01-09", done_on="2026-01-08")  # not an LPA


def test_lpa_completion_per_layer_and_person(db, plant, lpa_schedule):
    scope = scope_of(plant["a"])
    layers = [(r["label"], r["planned"], r["done"], r["on_time"], r["open"]) for r in programme.lpa(db, scope)]
    assert layers == [("Supervisor", 1, 1, 1, 1), ("Team leader", 3, 2, 1, 0)]
    rates = {r["label"]: (r["completion"], r["adherence"]) for r in programme.lpa(db, scope)}
    assert rates["Team leader"] == (pytest.approx(200 / 3), pytest.approx(100 / 3))
    people = {r["label"]: (r["planned"], r["done"], r["on_time"]) for r in programme.lpa(db, scope, "person")}
    assert people == {"Aud.A": (2, 2, 1), "Qm.A": (2, 1, 1)}
