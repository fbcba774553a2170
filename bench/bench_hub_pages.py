"""The hub's dashboards and lists with 50 sites of data, against the site server's page budgets (issue 15).

Makes a hub store with N sites (default 50), each with a smaller copy of the KPI bench's busy site (areas,
workstations, audits over three years with answers and findings, CAPAs in every state), controlled documents, an
audit programme and two paired devices, on SQLite and on PostgreSQL (a server started in a temporary folder by the
test harness's helpers), then times as the head-office admin (admin at every site), through the Flask test client:
the cross-site KPI dashboard, the audit list, the CAPA list (all, and filtered), the documents list, the programme
list and the fleet view. Median of --runs after a warm-up, wall and the thread's CPU (on PostgreSQL the server's
own work is in another process: read the wall column there). Budgets: the dashboard ≤ 300 ms, lists ≤ 200 ms.

    python bench/bench_hub_pages.py [--sites 50] [--scale 0.01] [--runs 7] [--engines sqlite postgres]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_kpi import CLAUSES, FULL, SEVERITIES, YEARS  # noqa: E402
from fieldaudit import config, create_app, ids  # noqa: E402
from fieldaudit import db as dbm  # noqa: E402
from fieldaudit.checklists import load_checklist, shipped_checklist_paths, store  # noqa: E402
from fieldaudit.documents import data as documents  # noqa: E402
from fieldaudit.programme import generate, plans  # noqa: E402
from fieldaudit.stations import data as stations  # noqa: E402
from fieldaudit.sync import devices  # noqa: E402
from tests.factories import make_user  # noqa: E402

FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "bench-password-1"
ZONES = ["Europe/Berlin", "America/Chicago", "Asia/Kolkata", "Europe/London", "America/Sao_Paulo"]
PAGES = [  # (name, URL, budget ms)
    ("KPI dashboard, all sites", "/kpi/", 300),
    ("audit list", "/audits/", 200),
    ("CAPA list", "/capa/", 200),
    ("CAPA list, open majors", "/capa/?state=active&severity=major", 200),
    ("documents list", "/documents/", 200),
    ("programme list", "/programme/", 200),
    ("fleet (devices)", "/admin/devices", 200),
]


def _site_data(db, site, qm, versions, places, scale, answers_per_audit, rng, now):
    """One site's audits (with answers and findings) and CAPAs, as bench_kpi makes its busy site, smaller."""
    span = YEARS * 365 * 86400
    audits, answers, findings, capas, events = [], [], [], [], []
    per_audit_findings = FULL["findings"] / FULL["audits"]
    for i in range(int(FULL["audits"] * scale)):
        area_id, ws_id = rng.choice(places)
        at = now - timedelta(seconds=rng.randrange(span))
        audit_id = ids.new_id()
        audits.append((audit_id, f"AUD-{site['code']}-{i:06d}", site["id"], area_id, ws_id,
                       rng.choice(versions)["id"], qm["id"], ids.iso(at - timedelta(hours=1)), ids.iso(at),
                       ids.iso(at), ids.iso(at), "bench", round(rng.uniform(55, 100), 1), i % 50 != 0))
        stamp = ids.iso(at - timedelta(minutes=30))
        for q in range(answers_per_audit):
            answers.append((ids.new_id(), audit_id, f"q{q}", '"yes"', qm["id"], stamp, stamp, stamp, "bench"))
        k = int(per_audit_findings) + (1 if rng.random() < per_audit_findings % 1 else 0)
        for n in range(1, k + 1):
            severity = rng.choice(SEVERITIES)
            findings.append((ids.new_id(), audit_id, n, severity, rng.choice(CLAUSES), f"{severity} seen", qm["id"],
                             stamp, stamp, "bench"))
    for i in range(int(FULL["capas"] * scale)):
        raised = now - timedelta(seconds=rng.randrange(span))
        capa_id = ids.new_id()
        closed_at, roll = None, rng.random()
        if (now - raised).days > 20 and roll < 0.75:
            state = "closed"
            closed_at = ids.iso(raised + timedelta(days=rng.randrange(5, min((now - raised).days, 120))))
            events.append((ids.new_id(), capa_id, closed_at, "transition", "state", "effectiveness_check", "closed"))
        elif roll < 0.8:
            state = rng.choice(["rejected", "cancelled"])
        else:
            state = rng.choice(["open", "containment", "root_cause", "action_plan", "implementation"])
        day = raised.date()
        capas.append((capa_id, f"CAPA-{site['code']}-{i:05d}", site["id"], "Bench CAPA", rng.choice(SEVERITIES[:50]),
                      state, qm["id"], ids.iso(raised), day.isoformat(), (day + timedelta(days=30)).isoformat(),
                      closed_at, ids.iso(raised), ids.iso(raised), "bench"))
        events.append((ids.new_id(), capa_id, ids.iso(raised), "created", "", None, None))
    with dbm.transaction(db):
        db.conn.executemany(
            "INSERT INTO audits (id, number, site_id, area_id, workstation_id, checklist_version_id, auditor_id,"
            " started_at, created_at, updated_at, origin, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " 'in_progress')", [a[:10] + (a[11],) for a in audits])
        db.conn.executemany("INSERT INTO answers (id, audit_id, question_id, value, answered_by, answered_at,"
                            " created_at, updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", answers)
        db.conn.executemany("INSERT INTO findings (id, audit_id, number, severity, clause, description, created_by,"
                            " created_at, updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", findings)
        # 1 in 50 stays in progress; submitting fires the KPI roll-up's triggers as the screens would.
        db.conn.executemany("UPDATE audits SET status = 'submitted', submitted_at = ?, score_percent = ? WHERE id = ?",
                            [(a[10], a[12], a[0]) for a in audits if a[13]])
        db.conn.executemany("INSERT INTO capas (id, number, site_id, title, source, severity, state, raised_by,"
                            " raised_at, raised_on, due_date, closed_at, created_at, updated_at, origin)"
                            " VALUES (?, ?, ?, ?, 'audit', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", capas)
        db.conn.executemany("INSERT INTO capa_events (id, capa_id, at, kind, field, old_value, new_value, origin)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, 'bench')", events)


def build(data: Path, url: str | None, sites: int, scale: float, answers_per_audit: int, seed: int = 7) -> dict:
    """The hub store: `sites` plants with their data, the head-office admin, documents, programme and devices."""
    rng = random.Random(seed)
    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": url, "MODE": "hub", "PASSWORD_HASH_METHOD": FAST_HASH})
    db = dbm.connect(config.database_target(app.config))
    admin = make_user(db, "headoffice", "admin", all_sites=True, password=PASSWORD)
    versions = [store.publish(db, load_checklist(p), by=None)[0] for p in shipped_checklist_paths()]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for s in range(sites):
        site = stations.create_site(db, f"S{s:02d}", f"Plant {s:02d}", ZONES[s % len(ZONES)])
        qm = make_user(db, f"qm{s:02d}", "quality_manager", site, password=PASSWORD)
        auditor = make_user(db, f"aud{s:02d}", "auditor", site, password=PASSWORD)
        places = []
        for a in range(3):
            area = stations.create_area(db, site["id"], f"A{a}", f"Area {a}")
            for w in range(4):
                ws = stations.create_workstation(db, site["id"], area["id"], f"{site['code']}-W{a}{w}",
                                                 f"Station {a}-{w}")
                places.append((area["id"], ws["id"]))
        _site_data(db, site, qm, versions, places, scale, answers_per_audit, rng, now)
        for k in range(6):
            documents.create_document(db, code=f"SOP-{site['code']}-{k}", title=f"Procedure {k} of {site['name']}",
                                      kind="procedure", by=admin["id"], site_ids=[site["id"]])
        for n, (frequency, rule) in enumerate((("monthly", {"day": 1}), ("monthly", {"day": 15}),
                                               ("quarterly", {"day": 1}))):
            plan = plans.create_plan(db, site, {
                "title": f"Plan {n}", "checklist_id": versions[n % len(versions)]["checklist_id"],
                "frequency": frequency, "rule": rule, "window_days": 5, "workstation_id": places[n][1],
                "auditor_id": auditor["id"],
                "starts_on": (now.date() - timedelta(days=365)).isoformat()}, by=admin["id"])
            generate.generate_plan(db, plan, now.date() - timedelta(days=365), horizon_days=455)
        for d in range(2):
            code = devices.make_code(db, [site["id"]], by=admin["id"])
            devices.pair(db, code, installation_id=f"{site['code']}-tablet-{d}", name=f"Tablet {d} {site['code']}")
    # Statistics as a running hub has them (autovacuum would analyze PostgreSQL's tables at a time of its own:
    # plans, and the timings, differed from run to run without this).
    db.conn.execute("ANALYZE")
    counts = {t: dbm.scalar(db, f"SELECT COUNT(*) FROM {t}") for t in
              ("sites", "audits", "answers", "findings", "capas", "documents", "scheduled_audits", "sync_devices")}
    dbm.close(db)
    return counts


def _count_queries(client, path: str) -> int:
    """The statements one request runs through the db module (a query per row shows as a count growing with
    the sites)."""
    names = ("query", "query_one", "scalar", "execute")
    saved = {n: getattr(dbm, n) for n in names}
    count = [0]

    def counting(function):
        def run(*args, **kwargs):
            count[0] += 1
            return function(*args, **kwargs)
        return run
    for n in names:
        setattr(dbm, n, counting(saved[n]))
    try:
        client.get(path)
    finally:
        for n in names:
            setattr(dbm, n, saved[n])
    return count[0]


def measure(data: Path, url: str | None, runs: int) -> list[tuple[str, int, float, float, int, int]]:
    """(page, budget, median wall ms, median CPU ms, bytes, queries) of every page, as the head-office admin."""
    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": url, "MODE": "hub", "PASSWORD_HASH_METHOD": FAST_HASH})
    client = app.test_client()
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": "headoffice", "password": PASSWORD, "csrf_token": token})
    out = []
    for name, path, budget in PAGES:
        first = client.get(path)  # warm: templates compiled, the roll-up of every site made
        assert first.status_code == 200, (path, first.status_code)
        walls, cpus = [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.thread_time()
            response = client.get(path)
            walls.append((time.perf_counter() - t0) * 1000)
            cpus.append((time.thread_time() - c0) * 1000)
            assert response.status_code == 200
        out.append((name, budget, statistics.median(walls), statistics.median(cpus), len(first.data),
                    _count_queries(client, path)))
        print(f"    {name}: {statistics.median(walls):.0f} ms (CPU {statistics.median(cpus):.0f} ms)", flush=True)
    return out


def _postgres():
    """A PostgreSQL server in a temporary folder (the test harness's) and a fresh migrated database's URL."""
    from tests import pg

    bin_dir = pg.find_bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL server binaries not found (Debian package postgresql)")
    server = pg.Server(bin_dir)
    server.start()
    server.make_template()
    return server, server.url(server.fresh_database())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--scale", type=float, default=0.01,
                        help="each site's share of the KPI bench's busy site (0.01: 200 audits, 50 CAPAs)")
    parser.add_argument("--answers", type=int, default=10, help="answers per audit (default 10)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite data folder (its path is printed)")
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fa-bench-hub-pages-"))
    missed = 0
    try:
        for engine in args.engines:
            server, url = _postgres() if engine == "postgres" else (None, None)
            try:
                data = root / engine
                started = time.perf_counter()
                counts = build(data, url, args.sites, args.scale, args.answers)
                print(f"{engine}: built in {time.perf_counter() - started:.0f} s: "
                      + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
                load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
                rows = measure(data, url, args.runs)
                load_after = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            finally:
                if server:
                    server.stop()
            print(f"\n{engine}, load average {load} → {load_after}\n\n| page | median (wall) | CPU (this thread) "
                  "| HTML | queries | budget |\n|---|---|---|---|---|---|")
            for name, budget, wall, cpu, size, queries in rows:
                met = (cpu if engine == "sqlite" else wall) <= budget
                missed += not met
                print(f"| {name} | {wall:.0f} ms | {cpu:.0f} ms | {size // 1024} KB | {queries} | ≤ {budget} ms "
                      f"{'met' if met else 'MISSED'} |")
            print(flush=True)
    finally:
        if args.keep:
            print(f"data kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
