"""Report jobs on a hub of several processes: a job run by one process shows its progress on another, is said to
be interrupted only once its process is gone (lease run out), and its file is served by any process."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldaudit import create_app, jobs
from fieldaudit import db as dbm
from tests.factories import FAST_HASH, make_user

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.both_engines

# The other hub process: submits a job whose work takes `steps` × 50 ms, prints its id, and stays up.
RUNNER = """
import sys, time
from fieldaudit import create_app, jobs
app = create_app({"DATA_DIR": sys.argv[1], "DATABASE_URL": sys.argv[4] or None, "TESTING": True,
                  "JOB_LEASE_SECONDS": 2, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
steps = int(sys.argv[3])
def work(db, progress):
    for i in range(steps):
        progress(i, steps, f"page {i}")
        time.sleep(0.05)
    return b"%PDF-1.4 made elsewhere"
job = jobs.submit(app.config, "test", {}, by=sys.argv[2], site_id=None, title="T", filename="t.pdf", work=work)
print(job["id"], flush=True)
time.sleep(600)
"""


@pytest.fixture
def other_process(app, db):
    """Start the other process's job; yields (job id, user id, process)."""
    started = []

    def start(steps: int):
        user = make_user(db, f"asker{len(started)}", "admin", all_sites=True)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        process = subprocess.Popen([sys.executable, "-c", RUNNER, str(app.config["DATA_DIR"]), user["id"], str(steps),
                                    app.config.get("DATABASE_URL") or ""],
                                   stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        started.append(process)
        return process.stdout.readline().strip(), user["id"], process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()


def this_process(app):
    """A second hub process on the same data folder, as far as jobs are concerned: it does not run the job."""
    return create_app({"DATA_DIR": str(app.config["DATA_DIR"]), "DATABASE_URL": app.config.get("DATABASE_URL"),
                       "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})


def poll(db, job_id, user_id, until, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        job = jobs.get(db, job_id, user_id)
        if until(job) or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_progress_of_a_job_run_elsewhere_is_shown_here_and_a_killed_runner_reads_as_interrupted(app, db,
                                                                                                 other_process):
    job_id, user_id, process = other_process(2000)
    assert job_id not in jobs._live  # this process does not run it
    job = poll(db, job_id, user_id, lambda j: j["percent"] > 0)
    assert job["status"] == "running" and not job["finished"] and job["percent"] > 0
    assert job["message"].startswith("page ")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    job = poll(db, job_id, user_id, lambda j: j["status"] != "running", timeout=10)
    assert job["status"] == "interrupted" and job["error"] == jobs.INTERRUPTED


def test_a_job_finished_by_one_process_is_downloadable_from_another(app, db, other_process):
    job_id, user_id, _ = other_process(5)
    job = poll(db, job_id, user_id, lambda j: j["finished"])
    assert job["status"] == "done"
    path = jobs.file_of(this_process(app).config, job)
    assert path is not None and path.read_bytes() == b"%PDF-1.4 made elsewhere"


def test_a_running_row_without_a_live_lease_is_interrupted(app, db, plant):
    with dbm.transaction(db):
        db["jobs"].insert({"id": "J1", "kind": "k", "title": "t", "filename": "f.pdf", "requested_by": plant["qm"]["id"],
                           "state": "running", "created_at": "2026-01-01T00:00:00.000Z", "runner": "gone:1:x",
                           "lease_until": "2026-01-01T00:00:30.000Z"})
    assert jobs.get(db, "J1", plant["qm"]["id"])["status"] == "interrupted"
