"""Sync over loopback, the hub `fieldaudit serve` in its own process: a first sync device → hub, nothing to do,
an incremental sync's bytes, the same bytes copied over a loopback socket beside it, 50 devices at once."""
import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fieldaudit import appdb, config, create_app  # noqa: E402
from fieldaudit import db as dbm  # noqa: E402
from fieldaudit.audits import data as audits  # noqa: E402
from fieldaudit.checklists import parse_checklist, store  # noqa: E402
from fieldaudit.evidence import data as evidence  # noqa: E402
from fieldaudit.sync import client, devices, link  # noqa: E402
from bench.sync_fleet import fleet  # noqa: E402
from tests.sync.processes import ServeProcess  # noqa: E402
from tests.factories import CHECKLIST, FAST_HASH, FULL_ANSWERS, make_site, make_user  # noqa: E402
from tests.sync.helpers import jpeg  # noqa: E402


def loopback_copy(nbytes: int) -> float:
    """Seconds to send `nbytes` through a loopback TCP socket."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def sink():
        conn, _ = server.accept()
        while conn.recv(1 << 20):
            pass
        conn.close()

    thread = threading.Thread(target=sink)
    thread.start()
    block = b"x" * (1 << 20)
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as out:
        left = nbytes
        while left > 0:
            out.sendall(block[:min(left, len(block))])
            left -= len(block)
    thread.join()
    server.close()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--devices", type=int, help="devices syncing at once (default 50; 10 with --quick)")
    args = parser.parse_args()
    answers, photos = (1000, 20) if args.quick else (10_000, 200)
    count = args.devices if args.devices is not None else (10 if args.quick else 50)
    root = Path(tempfile.mkdtemp(prefix="fa-bench-sync-"))
    hub_app = create_app({"DATA_DIR": str(root / "hub"), "PASSWORD_HASH_METHOD": FAST_HASH})
    hub_app.config["MODE"] = "hub"
    hub = dbm.connect(config.database_path(hub_app.config))
    site = make_site(hub, "PLT1")
    auditor = make_user(hub, "aud", "auditor", site)
    admin = make_user(hub, "root", "admin", all_sites=True)
    version, _ = store.publish(hub, parse_checklist(CHECKLIST, "walk.yaml"), by=None)
    server = ServeProcess(root / "hub", MODE="hub").start()  # the hub in its own process, as in the field
    dev_app = create_app({"DATA_DIR": str(root / "device"), "PASSWORD_HASH_METHOD": FAST_HASH})
    dev = dbm.connect(config.database_path(dev_app.config))
    blobs = appdb.blob_store_of(dev_app)
    link.pair_with_hub(dev, server.url, devices.make_code(hub, [site["id"]], by=admin["id"]), name="bench")
    client.sync_once(dev, blobs)
    empty = [timed(lambda: client.sync_once(dev, blobs)) for _ in range(10)]
    dev.conn.execute("PRAGMA synchronous=OFF")  # filling the device fast; the syncs below run as shipped
    local_site = dbm.query_one(dev, "SELECT * FROM sites")
    made = []
    for n in range(answers // len(FULL_ANSWERS)):
        audit = audits.create_audit(dev, site=local_site, checklist_version_id=version["id"], auditor_id=auditor["id"])
        for qid, value in FULL_ANSWERS.items():
            audits.save_answer(dev, audit, qid, value, None, auditor["id"])
        made.append(audit)
    for n in range(photos):
        evidence.attach(dev, blobs, made[n % len(made)], [jpeg(n)], by=auditor["id"], question_id="guard")
    dev.conn.execute("PRAGMA synchronous=FULL")
    start = time.perf_counter()
    summary = client.sync_once(dev, blobs)
    first = time.perf_counter() - start
    copy = loopback_copy(summary["bytes"])
    idle = [timed(lambda: client.sync_once(dev, blobs)) for _ in range(10)]
    audits.save_answer(dev, made[0], "guard", "no", None, auditor["id"])
    incremental = client.sync_once(dev, blobs)
    server.stop()
    template = create_app({"DATA_DIR": str(root / "template"), "PASSWORD_HASH_METHOD": FAST_HASH})
    fleet_rows = fleet(root, root / "hub", config.database_path(template.config), site, admin, auditor, version,
                       count, 4) if count else []
    rows = dbm.scalar(dev, "SELECT COUNT(*) FROM changes")
    print("| measure | value |\n|---|---|")
    print(f"| first sync: {summary['pushed']} changes ({answers} answers), {summary['photos']} photo files | "
          f"{first:.2f} s, {summary['bytes'] / 1e6:.1f} MB on the wire |")
    print(f"| the same bytes copied over a loopback socket (the limit) | {copy * 1000:.0f} ms "
          f"(first sync / copy = {first / copy:.0f}×) |")
    print(f"| sync with nothing to do, empty device (median of 10) | {statistics.median(empty) * 1000:.1f} ms |")
    print(f"| sync with nothing to do, {rows} logged changes (median of 10) | "
          f"{statistics.median(idle) * 1000:.1f} ms |")
    print(f"| incremental sync of one changed answer | {incremental['pushed']} change, {incremental['bytes']} bytes"
          " on the wire |")
    print("\n".join(fleet_rows))
    missed = first > 15 or statistics.median(idle) > 0.05
    print(f"\nfirst sync ≤ 15 s: {'MISSED' if first > 15 else 'met'}; "
          f"nothing to do ≤ 50 ms: {'MISSED' if statistics.median(idle) > 0.05 else 'met'}")
    return 1 if missed and not args.quick else 0


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
