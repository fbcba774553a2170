"""Report jobs: long PDFs are made in a background thread while the page polls their progress.

Jobs live in this process only (the site server is one process); a restart forgets them and the user simply asks
again. Finished files go to the data folder's reports/ and are served once to the person who asked.
"""
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .. import ids

_jobs: dict[str, "Job"] = {}
_lock = threading.Lock()
MAX_JOBS = 200


@dataclass
class Job:
    """One report being made."""

    id: str
    user_id: str
    site_id: str
    title: str
    filename: str
    done: int = 0
    total: int = 1
    message: str = "starting"
    path: Path | None = None
    error: str | None = None
    finished: bool = False
    created: str = field(default_factory=ids.now_iso)

    @property
    def percent(self) -> int:
        return 100 if self.finished else int(100 * self.done / max(self.total, 1))


def start(*, user_id: str, site_id: str, title: str, filename: str, folder: Path, work) -> Job:
    """Run `work(progress) -> bytes` in a thread and keep the PDF in `folder`."""
    job = Job(ids.new_id(), user_id, site_id, title, filename)
    with _lock:
        if len(_jobs) >= MAX_JOBS:
            for old in sorted(_jobs.values(), key=lambda j: j.created)[: MAX_JOBS // 2]:
                _jobs.pop(old.id, None)
        _jobs[job.id] = job

    def progress(done, total, message):
        job.done, job.total, job.message = done, total, message

    def run():
        try:
            data = work(progress)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{job.id}.pdf"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
            job.path = path
        except Exception as exc:  # noqa: BLE001 - the user sees that it failed and why; the log has the rest
            job.error = f"The report could not be made: {exc}"
        finally:
            job.finished = True

    threading.Thread(target=run, name=f"report-{job.id}", daemon=True).start()
    return job


def get(job_id: str) -> Job | None:
    """A job by id."""
    return _jobs.get(job_id)
