"""Background jobs: a long piece of work (a PDF, …) runs in a thread while the page polls its progress.

Every job is recorded in the `jobs` table when it is asked for and again when it ends, and its file is kept in the
data folder's reports/ for REPORT_KEEP_HOURS, so a finished job survives a restart of the server (and a private
report does not stay downloadable, or on the disk, for ever). A job runs in the process that was asked for it,
which writes its progress into the row and renews a lease (JOB_LEASE_SECONDS) about once a second: on a hub of
several processes behind a load balancer any process can then show the progress, and a job still marked running
whose lease ran out was cut off (its process died or restarted) and says so instead of spinning forever.
"""
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from . import config as configuration
from . import db as dbm
from . import ids

Progress = Callable[[int, int, str], None]
Work = Callable[[object, Progress], bytes]

INTERRUPTED = "Interrupted by a restart of the server before it was ready; ask for it again."


@dataclass
class _Live:
    done: int = 0
    total: int = 1
    message: str = "starting"


_live: dict[str, _Live] = {}
_lock = threading.Lock()
# This process, as the `runner` of the jobs it runs (a restarted process is a new runner).
RUNNER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _lease(config: Mapping) -> float:
    return float(config.get("JOB_LEASE_SECONDS", 30))


def _until(seconds: float) -> str:
    return ids.iso(ids.utc_now() + timedelta(seconds=seconds))


def folder_of(config: Mapping) -> Path:
    """Where job files are kept: the data folder's reports/ (safe to delete; a deleted file is asked for again)."""
    return Path(config["DATA_DIR"]) / "reports"


def _keep(config: Mapping) -> timedelta:
    return timedelta(hours=int(config.get("REPORT_KEEP_HOURS", 24)))


def expire(config: Mapping) -> int:
    """Remove job files older than REPORT_KEEP_HOURS (and strays as old); their jobs then say "ask again".

    Run at start and whenever a job is asked for; returns how many files were removed.
    """
    folder = folder_of(config)
    if not folder.is_dir():
        return 0
    cutoff = ids.utc_now() - _keep(config)
    db = dbm.connect(configuration.database_target(config))
    try:
        with dbm.transaction(db):
            dbm.execute(db, "UPDATE jobs SET file = NULL WHERE file IS NOT NULL AND finished_at < ?",
                        (ids.iso(cutoff),))
            named = {r["file"] for r in dbm.query(db, "SELECT file FROM jobs WHERE file IS NOT NULL")}
    finally:
        dbm.close(db)
    removed, oldest = 0, time.time() - _keep(config).total_seconds()
    for path in folder.iterdir():
        try:
            # Only as old as the limit: a younger stray may be a job's file being written right now.
            if path.is_file() and path.name not in named and path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def submit(config: Mapping, kind: str, params: dict, *, by: str, site_id: str | None, title: str, filename: str,
           work: Work, permission: str | None = None) -> dict:
    """Record a job and run `work(db, progress) -> bytes` in a thread with its own connection; returns the job.

    `permission` is what the asker must still hold at `site_id` to see the job and fetch its file.
    """
    expire(config)
    database = configuration.database_target(config)
    job_id = ids.new_id()
    db = dbm.connect(database)
    try:
        with dbm.transaction(db):
            db["jobs"].insert({"id": job_id, "kind": kind, "params": json.dumps(params, sort_keys=True),
                               "title": title, "filename": filename, "requested_by": by, "site_id": site_id,
                               "permission": permission, "state": "running", "file": None, "error": None,
                               "created_at": ids.now_iso(), "finished_at": None, "runner": RUNNER,
                               "lease_until": _until(_lease(config))})
    finally:
        dbm.close(db)
    live = _Live()
    with _lock:
        _live[job_id] = live
    thread = threading.Thread(target=_run, args=(database, folder_of(config), job_id, Path(filename).suffix, live,
                                                 work, _lease(config)), name=f"job-{kind}-{job_id}", daemon=True)
    thread.start()
    return _status(_row(database, job_id), live)


def _heartbeat(database: Path, job_id: str, live: _Live, lease: float, stop: threading.Event) -> None:
    """Write the job's progress and renew its lease until `stop`; its own connection, as the work may hold one."""
    db = dbm.connect(database)
    try:
        while not stop.wait(min(1.0, lease / 3)):
            with dbm.transaction(db):
                dbm.execute(db, "UPDATE jobs SET progress_done = ?, progress_total = ?, progress_message = ?,"
                                " lease_until = ? WHERE id = ? AND state = 'running'",
                            (live.done, live.total, live.message, _until(lease), job_id))
    except Exception:  # noqa: BLE001 - a store that cannot be written: the lease runs out, the job reads as
        pass  # interrupted, which is what it is without a heartbeat
    finally:
        dbm.close(db)


def _run(database: Path, folder: Path, job_id: str, suffix: str, live: _Live, work: Work,
         lease: float = 30.0) -> None:
    def progress(done: int, total: int, message: str) -> None:
        live.done, live.total, live.message = done, total, message

    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(database, job_id, live, lease, stop),
                            name=f"job-lease-{job_id}", daemon=True)
    beat.start()
    db = dbm.connect(database)
    try:
        try:
            body = work(db, progress)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{job_id}{suffix}"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.replace(path)
            outcome = {"state": "done", "file": path.name}
        except Exception as exc:  # noqa: BLE001 - the asker sees that it failed and why; the log has the rest
            outcome = {"state": "failed", "error": f"It could not be made: {exc}"}
        stop.set()
        beat.join()
        with dbm.transaction(db):
            dbm.execute(db, "UPDATE jobs SET state = ?, file = ?, error = ?, finished_at = ? WHERE id = ?",
                        (outcome["state"], outcome.get("file"), outcome.get("error"), ids.now_iso(), job_id))
    finally:
        stop.set()
        # Only after the row says how it ended: a reader never finds it neither live nor finished.
        with _lock:
            _live.pop(job_id, None)
        dbm.close(db)


def _row(database: Path, job_id: str) -> dict | None:
    db = dbm.connect(database)
    try:
        return dbm.query_one(db, "SELECT * FROM jobs WHERE id = ?", (job_id,))
    finally:
        dbm.close(db)


def get(db, job_id: str, requested_by: str) -> dict | None:
    """A job as its asker sees it (None for anyone else: a job is not disclosed to others), with its status."""
    # Looked up before the row: the runner writes the outcome before it leaves _live, so a job that ends in
    # between is seen live or finished, never as cut off.
    live = _live.get(job_id)
    row = dbm.query_one(db, "SELECT * FROM jobs WHERE id = ? AND requested_by = ?", (job_id, requested_by))
    return _status(row, live) if row is not None else None


def _status(row: dict, live: _Live | None) -> dict:
    """The job with `status` (running, done, failed, interrupted), `percent`, `message` and `finished`.

    Progress comes from this process when it runs the job, else from the row another process keeps writing.
    """
    job = dict(row)
    live = live if job["state"] == "running" else None
    if live is None and job["state"] == "running" and (job.get("lease_until") or "") > ids.now_iso():
        live = _Live(job["progress_done"], job["progress_total"], job["progress_message"])
    if job["state"] == "running" and live is None:
        job.update(status="interrupted", error=INTERRUPTED)
    else:
        job["status"] = job["state"]
    job["finished"] = job["status"] != "running"
    job["message"] = live.message if live else job["status"]
    job["percent"] = int(100 * live.done / max(live.total, 1)) if live else 100
    return job


def file_of(config: Mapping, job: dict) -> Path | None:
    """The finished job's file, if it is still there."""
    if job["status"] != "done" or not job["file"]:
        return None
    if job["finished_at"] and ids.parse_iso(job["finished_at"]) < ids.utc_now() - _keep(config):
        return None  # expired, even if the clean-up has not run yet
    path = folder_of(config) / job["file"]
    return path if path.is_file() else None
