"""Builder autosave: one question edit (save + validate + the whole editor fragment with its preview) on a draft
of the largest shipped checklist, against only rendering that fragment (the baseline, same run)."""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as `python bench/bench_builder.py` from a checkout, installed or not

from fieldaudit import config, create_app  # noqa: E402
from fieldaudit import db as dbm  # noqa: E402
from fieldaudit.auth import users  # noqa: E402
from fieldaudit.checklists import drafts, load_checklist, shipped_checklist_paths  # noqa: E402
from fieldaudit.stations import data as stations  # noqa: E402

FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "correct-horse-battery"
EDIT_TARGET_MEDIAN_MS = 250.0  # an autosave on leaving a field should feel immediate on the plant's server


def main() -> int:
    """Time edits and renders; print a Markdown table and whether the target is met."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20 edits instead of 100")
    args = parser.parse_args()
    rounds = 20 if args.quick else 100
    largest = max(shipped_checklist_paths(), key=lambda p: sum(1 for _ in load_checklist(p).all_questions()))
    checklist = load_checklist(largest)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATA_DIR": str(Path(folder) / "data"), "PASSWORD_HASH_METHOD": FAST_HASH})
        db = dbm.connect(config.database_path(app.config))
        site = stations.create_site(db, "PLT1", "Plant 1", "Europe/Berlin")
        manager = users.create_user(db, "qm", "QM", PASSWORD, hash_method=FAST_HASH)
        users.add_membership(db, manager["id"], site["id"], "quality_manager")
        draft = drafts.save_draft(db, checklist.id, checklist.to_dict(), by=manager["id"])
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        client.post("/login", data={"username": "qm", "password": PASSWORD, "csrf_token": token})
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/account").get_data(as_text=True)).group(1)
        headers = {"HX-Request": "true", "X-CSRFToken": token}
        url = f"/builder/drafts/{draft['id']}"
        first = checklist.sections[0].questions[0]
        renders, edits, size = [], [], 0
        for n in range(rounds):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            renders.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            revision = drafts.get(db, draft["id"])[0]["revision"]
            started = time.perf_counter()
            response = client.post(url, headers=headers, data={
                "op": "question", "section": 0, "question": 0, "revision": revision, "id": first.id,
                "text": f"{first.text} ({n})", "type": first.type, "required_shown": "1", "required": "1"})
            edits.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            size = len(response.data)
        db.conn.close()
    questions = sum(1 for _ in checklist.all_questions())
    render, edit = statistics.median(renders), statistics.median(edits)
    print(f"load average {os.getloadavg()[0]:.2f}; {largest.name}: {questions} questions in "
          f"{len(checklist.sections)} sections; {rounds} rounds\n")
    print("| measure | median ms | p90 ms |\n|---|---|---|")
    for name, values in (("editor fragment render (baseline)", renders), ("question edit: save + render", edits)):
        print(f"| {name} | {statistics.median(values):.1f} | {sorted(values)[int(len(values) * 0.9)]:.1f} |")
    print(f"\nedit / render = {edit / render:.2f}; fragment {size / 1024:.0f} kB")
    met = edit <= EDIT_TARGET_MEDIAN_MS
    print(f"target: edit median <= {EDIT_TARGET_MEDIAN_MS:.0f} ms: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
