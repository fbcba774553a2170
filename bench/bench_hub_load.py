"""Hub under load: N simulated devices (real device databases, the real sync client over HTTP) each push ~50
changes and 5 photos, then pull, against 2 hub processes on PostgreSQL and, in the same run, 1 hub process on
SQLite. Counts every change on both sides (nothing lost, nothing twice), reports changes/s and the p95 push latency.

    python bench/bench_hub_load.py [--devices 200] [--changes 50] [--photos 5] [--workers 4] [--threads 8]
                                   [--engines postgres,sqlite] [--label TEXT]

Needs PostgreSQL's server binaries (Debian package postgresql); the server is started in a temporary folder.
Devices alternate between the hub processes (what a round-robin balancer does).
"""
import argparse
import concurrent.futures
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

FAST_HASH = "pbkdf2:sha256:1000"


class TimedSession(requests.Session):
    """A requests session that records each push's latency and every failed exchange."""

    def __init__(self):
        super().__init__()
        self.push_ms, self.errors = [], []

    def request(self, method, url, *args, **kwargs):
        start = time.perf_counter()
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            self.errors.append(f"{method} {url}: {exc}")
            raise
        if url.endswith("/sync/v1/push"):
            self.push_ms.append((time.perf_counter() - start) * 1000)
        # A HEAD 404 on a blob is the protocol's "not there yet, upload it", not a failure.
        if response.status_code >= 400 and not (method == "HEAD" and response.status_code == 404):
            self.errors.append(f"{method} {url}: {response.status_code}")
        return response


def _device(folder: Path):
    from fieldaudit import appdb, config, create_app
    from fieldaudit import db as dbm

    app = create_app({"DATA_DIR": str(folder), "PASSWORD_HASH_METHOD": FAST_HASH})
    db = dbm.connect(config.database_path(app.config))
    db.conn.execute("PRAGMA synchronous=NORMAL")  # filling fast; the hub side is what is measured
    return db, appdb.blob_store_of(app)


def prepare(job) -> list[dict]:
    """Worker: make, pair and fill devices (not timed)."""
    from fieldaudit import db as dbm
    from fieldaudit.audits import data as audits
    from fieldaudit.evidence import data as evidence
    from fieldaudit.sync import client, link, outbox
    from tests.sync.helpers import jpeg

    template, work, devices, changes, photos, auditor = job
    made = []
    for name, url, code in devices:
        folder = work / name
        folder.mkdir(parents=True)
        shutil.copyfile(template, folder / "fieldaudit.sqlite3")
        db, store = _device(folder)
        dbm.execute(db, "DELETE FROM settings WHERE key = 'device_id'")
        link.pair_with_hub(db, url, code, name=name)
        client.sync_once(db, store)  # the site, its people and checklist arrive
        site = dbm.query_one(db, "SELECT * FROM sites")
        version = dbm.scalar(db, "SELECT id FROM checklist_versions WHERE status = 'published'")
        audit = None
        while outbox.backlog(db) < changes - 2 * photos:
            if audit is None or dbm.scalar(db, "SELECT COUNT(*) FROM answers WHERE audit_id = ?", (audit["id"],)) >= 5:
                audit = audits.create_audit(db, site=site, checklist_version_id=version, auditor_id=auditor)
            done = dbm.scalar(db, "SELECT COUNT(*) FROM answers WHERE audit_id = ?", (audit["id"],))
            qid, value = list({"guard": "yes", "torque": "11", "label": "pass", "tidy": "4",
                               "shift": "early"}.items())[done]
            audits.save_answer(db, audit, qid, value, None, auditor)
        for n in range(photos):
            evidence.attach(db, store, audit, [jpeg(hash(name) % 10_000 * 10 + n)], by=auditor, question_id="guard")
        made.append({"name": name, "folder": str(folder), "backlog": outbox.backlog(db)})
        dbm.close(db)
    return made


def sync_devices(job) -> list[dict]:
    """Worker: sync its devices, `threads` at a time (timed by the caller)."""
    devices, threads = job

    def one(device):
        from fieldaudit import db as dbm
        from fieldaudit.sync import client

        db, store = _device(Path(device["folder"]))
        session = TimedSession()
        outcome = {"name": device["name"], "backlog": device["backlog"]}
        try:
            summary = client.sync_once(db, store, session=session)
            outcome.update(pushed=summary["pushed"], set_aside=summary["set_aside"], conflicts=summary["conflicts"],
                           photos=summary["photos"], error=None)
        except Exception as exc:  # noqa: BLE001 - counted as an error of the run
            outcome.update(pushed=0, set_aside=0, conflicts=0, photos=0, error=str(exc))
        outcome["left"] = dbm.scalar(db, "SELECT COUNT(*) FROM changes WHERE pushed_at IS NULL AND source IS NULL")
        outcome["device_id"] = dbm.scalar(db, "SELECT value FROM settings WHERE key = 'hub_device_id'")
        outcome["push_ms"], outcome["http_errors"] = session.push_ms, session.errors
        dbm.close(db)
        return outcome

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, devices))


def hub_setup(data: Path, url: str | None, count: int):
    """The hub's plant (one site per 20 devices), its people and checklist, and one pairing code per device."""
    from fieldaudit import config, create_app
    from fieldaudit import db as dbm
    from fieldaudit.checklists import parse_checklist, store
    from fieldaudit.sync import devices
    from tests.factories import CHECKLIST, make_site, make_user

    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": url, "PASSWORD_HASH_METHOD": FAST_HASH})
    db = dbm.connect(config.database_target(app.config))
    sites = [make_site(db, f"PLT{n:02d}") for n in range(max(1, count // 20))]
    admin = make_user(db, "root", "admin", all_sites=True)
    auditor = make_user(db, "aud", "auditor", all_sites=True)
    store.publish(db, parse_checklist(CHECKLIST, "walk.yaml"), by=None)
    codes = [devices.make_code(db, [sites[n % len(sites)]["id"]], by=admin["id"]) for n in range(count)]
    dbm.close(db)
    return auditor["id"], codes


def hub_counts(data: Path, url: str | None) -> dict:
    from fieldaudit import config
    from fieldaudit import db as dbm

    db = dbm.connect(url or config.database_path({"DATA_DIR": data}))
    try:
        per_device = {r["device_id"]: r["n"] for r in dbm.query(
            db, "SELECT device_id, COUNT(*) AS n FROM sync_received WHERE status IN ('applied', 'duplicate')"
                " GROUP BY device_id")}
        return {"per_device": per_device,
                "received": dbm.scalar(db, "SELECT COUNT(*) FROM sync_received"),
                "twice": dbm.scalar(db, "SELECT COUNT(*) - COUNT(DISTINCT id) FROM changes"),
                "waiting": dbm.scalar(db, "SELECT COUNT(*) FROM sync_received WHERE status = 'waiting'"),
                "audits": dbm.scalar(db, "SELECT COUNT(*) FROM audits"),
                "evidence": dbm.scalar(db, "SELECT COUNT(*) FROM evidence")}
    finally:
        dbm.close(db)


def run(label, root, url, processes, args, template, pool):
    from tests.sync.processes import ServeProcess

    data = root / f"hub-{label}"
    auditor, codes = hub_setup(data, url, args.devices)
    if url:
        from fieldaudit.engines import postgres
        postgres.close_pools()
    settings = {"MODE": "hub", **({"DATABASE_URL": url} if url else {})}
    servers = [ServeProcess(data, **settings).start(timeout=120) for _ in range(processes)]
    try:
        names = [(f"{label}-dev{n:03d}", servers[n % processes].url, codes[n]) for n in range(args.devices)]
        chunks = [names[i::args.workers] for i in range(args.workers)]
        prepared = [d for part in pool.map(prepare, [(template, root / label, c, args.changes, args.photos, auditor)
                                                    for c in chunks]) for d in part]
        load = os.getloadavg()[0]
        start = time.perf_counter()
        outcomes = [o for part in pool.map(sync_devices, [(prepared[i::args.workers], args.threads)
                                                          for i in range(args.workers)]) for o in part]
        elapsed = time.perf_counter() - start
    finally:
        for server in servers:
            server.stop()
    hub = hub_counts(data, url)
    sent = sum(o["backlog"] for o in outcomes)
    pushed = sum(o["pushed"] for o in outcomes)
    lost = sum(o["left"] for o in outcomes) + sum(
        max(0, o["backlog"] - hub["per_device"].get(o["device_id"], 0)) for o in outcomes)
    errors = [o["error"] for o in outcomes if o["error"]] + [e for o in outcomes for e in o["http_errors"]] + \
        [f"{o['name']}: {o['set_aside']} set aside" for o in outcomes if o["set_aside"]]
    pushes = [ms for o in outcomes for ms in o["push_ms"]]
    return {"label": label, "processes": processes, "devices": args.devices, "changes": sent, "pushed": pushed,
            "hub_received": sum(hub["per_device"].values()), "twice": hub["twice"], "lost": lost,
            "errors": errors, "elapsed": elapsed, "rate": sent / elapsed, "photos": sum(o["photos"] for o in outcomes),
            "p50": statistics.median(pushes), "p95": statistics.quantiles(pushes, n=20)[-1] if len(pushes) > 1
            else pushes[0], "load": load, "audits": hub["audits"], "evidence": hub["evidence"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--photos", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="20 devices")
    parser.add_argument("--engines", default="postgres,sqlite", help="which hubs to run, in order")
    parser.add_argument("--label", default="", help="added to each row (e.g. the commit measured)")
    args = parser.parse_args()
    if args.quick:
        args.devices = 20
    from fieldaudit import create_app
    from tests import pg

    root = Path(tempfile.mkdtemp(prefix="fa-bench-hub-"))
    create_app({"DATA_DIR": str(root / "template"), "PASSWORD_HASH_METHOD": FAST_HASH})
    template = root / "template" / "fieldaudit.sqlite3"
    bin_dir = pg.find_bin_dir()
    if bin_dir is None:
        print("PostgreSQL server binaries not found (apt-get install postgresql)")
        return 2
    server = pg.Server(bin_dir)
    server.start()
    results = []
    try:
        server.admin("CREATE DATABASE hub_load")
        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            for engine in args.engines.split(","):
                if engine == "postgres":
                    results.append(run("postgres", root, server.url("hub_load"), 2, args, template, pool))
                elif engine == "sqlite":
                    results.append(run("sqlite", root, None, 1, args, template, pool))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print("| hub | devices | changes sent (device count) | received (hub count) | lost | twice | errors | photo files |"
          " wall time | changes/s | push p50 | push p95 | load avg at start |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        name = f"{r['label']}, {r['processes']} process(es){' ' + args.label if args.label else ''}"
        print(f"| {name} | {r['devices']} | {r['changes']} | {r['hub_received']} |"
              f" {r['lost']} | {r['twice']} | {len(r['errors'])} | {r['photos']} | {r['elapsed']:.1f} s |"
              f" {r['rate']:.0f} | {r['p50']:.0f} ms | {r['p95']:.0f} ms | {r['load']:.1f} |")
    for r in results:
        for error in r["errors"][:5]:
            print(f"  {r['label']} error: {error}")
    bad = any(r["lost"] or r["twice"] or r["errors"] for r in results)
    print(f"\nzero errors, zero lost, zero twice: {'MISSED' if bad else 'met'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
