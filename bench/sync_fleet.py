"""Many devices syncing at once with one hub (part of bench_sync.py): the hub is `fieldaudit serve` in its own
process (waitress, 4 threads), each device a paired SQLite file of its own, the devices' syncs threads of this one."""
import shutil
import statistics
import threading
import time
from pathlib import Path

from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.evidence import data as evidence
from fieldaudit.evidence.blobstore import BlobStore
from fieldaudit.sync import client, devices, link
from tests.factories import FULL_ANSWERS
from tests.sync.helpers import jpeg
from tests.sync.processes import ServeProcess


def fleet(root: Path, hub_dir: Path, template: Path, site: dict, admin: dict, auditor: dict, version: dict,
          count: int, audits_each: int) -> list[str]:
    """Rows of the results table for `count` devices syncing at once; each first pushes `audits_each` audits."""
    hub = ServeProcess(hub_dir, MODE="hub").start()
    try:
        hub_db = dbm.connect(next(hub_dir.glob("*.sqlite3")))
        fleet_devices = []
        for n in range(count):
            folder = root / f"fleet-{n:02d}"
            folder.mkdir()
            path = folder / template.name
            shutil.copyfile(template, path)
            db = dbm.connect(path)
            dbm.execute(db, "DELETE FROM settings WHERE key = 'device_id'")
            link.pair_with_hub(db, hub.url, devices.make_code(hub_db, [site["id"]], by=admin["id"]), name=f"d{n}")
            store = BlobStore(folder / "blobs")
            client.sync_once(db, store)  # reference data down, one device at a time
            local_site = dbm.query_one(db, "SELECT * FROM sites")
            db.conn.execute("PRAGMA synchronous=OFF")
            for a in range(audits_each):
                audit = audits.create_audit(db, site=local_site, checklist_version_id=version["id"],
                                            auditor_id=auditor["id"])
                for qid, value in FULL_ANSWERS.items():
                    audits.save_answer(db, audit, qid, value, None, auditor["id"])
                evidence.attach(db, store, audit, [jpeg(n * 100 + a)], by=auditor["id"], question_id="guard")
            db.conn.execute("PRAGMA synchronous=FULL")
            fleet_devices.append((db, store))
        first, first_wall = _at_once(fleet_devices)
        idle, idle_wall = _at_once(fleet_devices)
        hub_count = dbm.scalar(hub_db, "SELECT COUNT(*) FROM sync_received")
    finally:
        hub.stop()
    errors = [r for r in first + idle if isinstance(r, Exception)]
    pushed = sum(r[1]["pushed"] for r in first if not isinstance(r, Exception))
    photos = sum(r[1]["photos"] for r in first if not isinstance(r, Exception))
    times = [r[0] for r in first if not isinstance(r, Exception)]
    idle_times = [r[0] for r in idle if not isinstance(r, Exception)]
    rows = [
        f"| {count} devices at once, each {audits_each} audits ({audits_each * len(FULL_ANSWERS)} answers) and "
        f"{audits_each} photos: errors | {len(errors)}{' (' + repr(errors[0])[:120] + ')' if errors else ''} |",
        f"| ... wall time; changes pushed; throughput | {first_wall:.2f} s; {pushed} changes and {photos} photo "
        f"files; {pushed / first_wall:.0f} changes/s, {len(times) / first_wall:.1f} syncs/s |",
        f"| ... one device's sync: median / slowest | {statistics.median(times):.2f} s / {max(times):.2f} s |"
        if times else "| ... one device's sync | none finished |",
        f"| {count} devices at once with nothing to do: wall; median / slowest | {idle_wall * 1000:.0f} ms; "
        f"{statistics.median(idle_times) * 1000:.0f} / {max(idle_times) * 1000:.0f} ms |"
        if idle_times else "| nothing to do at once | none finished |",
    ]
    if hub_count < pushed:
        rows.append(f"| hub kept fewer results than pushed | {hub_count} < {pushed} |")
    return rows


def _at_once(fleet_devices) -> tuple[list, float]:
    """Start every device's sync at the same moment; [(seconds, summary) or the exception], wall seconds."""
    results = [None] * len(fleet_devices)
    gate = threading.Barrier(len(fleet_devices) + 1)

    def run(n, db, store):
        gate.wait()
        start = time.perf_counter()
        try:
            summary = client.sync_once(db, store)
            results[n] = (time.perf_counter() - start, summary)
        except Exception as exc:  # noqa: BLE001 -- an error is what this counts
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, db, store)) for n, (db, store) in enumerate(fleet_devices)]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - start
