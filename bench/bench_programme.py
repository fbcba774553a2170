"""Programme generation: 50 plans of mixed frequencies over a year, against writing the same rows plainly; and,
in the same run, generation without the sync outbox's triggers on scheduled_audits (what it cost before 0030)."""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as `python bench/bench_programme.py` from a checkout, installed or not

from fieldaudit import db as dbm  # noqa: E402
from fieldaudit.auth import users  # noqa: E402
from fieldaudit.checklists import parse_checklist, store  # noqa: E402
from fieldaudit.programme import generate, people, plans  # noqa: E402
from fieldaudit.stations import data as stations  # noqa: E402

TARGET_S = 1.0  # 50 plans over a year
PLANS, HORIZON = 50, 365
FAST_HASH = "pbkdf2:sha256:1000"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
CHECKLIST = """
id: bench-programme
version: 1
title: Programme bench walk
standard: ISO 9001:2015
sections:
  - id: s
    title: Walk
    questions:
      - {id: q1, text: Guard in place, type: yes_no}
"""
# (frequency, rule) of the 50 plans: a plant's mix, the daily ones (LPA) dominating the row count.
MIX = ([("daily", {})] * 10 + [("weekly", {"weekdays": [0, 3]})] * 15 + [("monthly", {"day": 31})] * 8
       + [("monthly", {"nth": 1, "weekday": 0})] * 7 + [("quarterly", {"day": 15})] * 5
       + [("semiannual", {"day": 1})] * 3 + [("annual", {"day": 29, "month": 2})] * 2)


def setup(path: Path) -> tuple:
    """A site with 10 areas × 5 stations, 8 auditors each at home in an area, 50 plans with pools of 3."""
    db = dbm.connect(path)
    dbm.migrate(db)
    version, _ = store.publish(db, parse_checklist(CHECKLIST, "bench.yaml"), by=None)
    site = stations.create_site(db, "PLT1", "Bench plant", "Europe/Berlin")
    stations_by_area, auditors = [], []
    for a in range(10):
        area = stations.create_area(db, site["id"], f"A{a}", f"Area {a}")
        stations_by_area.append([stations.create_workstation(db, site["id"], area["id"], f"A{a}-{w}", f"Station {w}")
                                 for w in range(5)])
        if a < 8:
            user = users.create_user(db, f"aud{a}", f"Auditor {a}", "correct-horse-battery", hash_method=FAST_HASH)
            users.add_membership(db, user["id"], site["id"], "auditor")
            people.set_home_area(db, user["id"], site["id"], area["id"])
            auditors.append(user["id"])
    for n, (frequency, rule) in enumerate(MIX[:PLANS]):
        station = stations_by_area[n % 10][n % 5]
        plans.create_plan(db, site, {"checklist_id": version["checklist_id"], "workstation_id": station["id"],
                                     "pool": [auditors[(n + k) % 8] for k in range(3)], "frequency": frequency,
                                     "rule": rule, "window_days": 2, "starts_on": "2026-01-01"}, by=None)
    return db


def plain_insert(db, rows: list[tuple]) -> float:
    """The baseline: the same rows written with one executemany, no calendar, no checks."""
    started = time.perf_counter()
    with dbm.transaction(db):
        db.conn.executemany("INSERT INTO scheduled_audits (id, plan_id, site_id, checklist_id, area_id,"
                            " workstation_id, auditor_id, layer, frequency, due_date, window_end, created_at,"
                            " updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 runs")
    parser.add_argument("--dir", help="where the temporary data folder goes")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    print(f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        db = setup(Path(tmp) / "bench.sqlite3")
        fresh, fresh_cpu, rerun, plain, made = [], [], [], [], 0
        for _ in range(runs):
            with dbm.transaction(db):
                dbm.execute(db, "DELETE FROM scheduled_audits")
            started, cpu = time.perf_counter(), time.process_time()
            made = generate.generate(db, NOW, horizon_days=HORIZON)
            fresh.append(time.perf_counter() - started)
            fresh_cpu.append(time.process_time() - cpu)
            started = time.perf_counter()
            assert generate.generate(db, NOW, horizon_days=HORIZON) == 0
            rerun.append(time.perf_counter() - started)
            rows = [tuple(r) for r in db.conn.execute(
                "SELECT id || 'x', plan_id, site_id, checklist_id, area_id, workstation_id, auditor_id, layer,"
                " frequency, date(due_date, '+2 years'), window_end, created_at, updated_at, origin"
                " FROM scheduled_audits")]
            plain.append(plain_insert(db, rows))
            with dbm.transaction(db):
                dbm.execute(db, "DELETE FROM scheduled_audits WHERE id LIKE '%x'")
        unlogged, unlogged_cpu = [], []
        for op in ("insert", "update", "delete"):  # as before migration 0030: the rows are not logged for sync
            dbm.drop_trigger(db, f"sync_scheduled_audits_{op}", "scheduled_audits")
        for _ in range(runs):
            with dbm.transaction(db):
                dbm.execute(db, "DELETE FROM scheduled_audits")
            started, cpu = time.perf_counter(), time.process_time()
            generate.generate(db, NOW, horizon_days=HORIZON)
            unlogged.append(time.perf_counter() - started)
            unlogged_cpu.append(time.process_time() - cpu)
    print(f"\n{PLANS} plans (10 daily, 15 weekly on 2 days, 15 monthly, 5 quarterly, 3 semi-annual, 2 annual), "
          f"{HORIZON} days ahead: {made} scheduled audits; median of {runs}\n")
    print("| step | median | min | max |")
    print("|---|---|---|---|")
    for label, values in (("generation from empty", fresh), ("generation from empty, CPU time", fresh_cpu),
                          ("re-run (nothing to add)", rerun),
                          ("baseline: same rows, one plain executemany", plain),
                          ("generation from empty without the sync log (as before 0030)", unlogged),
                          ("the same, CPU time", unlogged_cpu)):
        print(f"| {label} | {statistics.median(values) * 1000:.0f} ms | {min(values) * 1000:.0f} ms | "
              f"{max(values) * 1000:.0f} ms |")
    ratio = statistics.median(fresh) / statistics.median(plain)
    print(f"\ngeneration / plain insert: {ratio:.1f}×; with the sync log / without: "
          f"{statistics.median(fresh) / statistics.median(unlogged):.1f}×")
    ok = statistics.median(fresh) <= TARGET_S
    print(f"target (generation of {PLANS} plans over a year ≤ {TARGET_S:.0f} s): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
