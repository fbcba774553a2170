"""Taking a 20-section audit offline in Chromium: every page it needs fetched and written to Cache Storage by
offline.js, against the same fetches without storing (the baseline, in the same run), and the storage it takes."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as `python bench/bench_offline.py` from a checkout, installed or not

from fieldaudit import config, create_app, demo  # noqa: E402
from fieldaudit import db as dbm  # noqa: E402
from fieldaudit.audits import data  # noqa: E402
from fieldaudit.auth import users  # noqa: E402
from fieldaudit.checklists import parse_checklist, store  # noqa: E402
from fieldaudit.stations import data as stations  # noqa: E402

FAST_HASH = "pbkdf2:sha256:1000"
SECTIONS, QUESTIONS_PER_SECTION = 20, 8
TARGET_MS = 2000.0
KINDS = ["type: yes_no\n        allow_na: true", "type: pass_fail", "type: rating\n        scale: {min: 1, max: 5}",
         "type: numeric\n        unit: Nm\n        min: 22\n        max: 26", "type: text\n        required: false"]
BASELINE_JS = """async urls => {
  const started = performance.now();
  let next = 0, bytes = 0;
  async function run() { while (next < urls.length) { const r = await fetch(urls[next++], {cache: "no-store"});
                                                       bytes += (await r.blob()).size; } }
  await Promise.all([run(), run(), run(), run()]);   // the same 4 at a time as offline.js
  return {ms: performance.now() - started, bytes};
}"""


def checklist_yaml() -> str:
    """20 sections of 8 questions with guidance, like a long line audit."""
    lines = ["id: bench-offline", "version: 1", "title: Bench offline walk", "sections:"]
    for s in range(SECTIONS):
        lines += [f"  - id: s{s:02d}", f"    title: Section {s + 1}", "    questions:"]
        for q in range(QUESTIONS_PER_SECTION):
            lines += [f"      - id: q{s:02d}-{q}", f"        text: Check {q + 1} of section {s + 1} is as the"
                      " work instruction requires", "        guidance: Look at the station, the label and the"
                      " last shift's record before answering.", f"        {KINDS[q % len(KINDS)]}"]
    return "\n".join(lines) + "\n"


def build(folder: Path):
    """App with the demo people and places, the 20-section checklist and an audit at PLT1's first workstation."""
    app = create_app({"DATA_DIR": str(folder), "PASSWORD_HASH_METHOD": FAST_HASH})
    db = dbm.connect(config.database_path(app.config))
    try:
        passwords = demo.seed(db, hash_method=FAST_HASH)
        version, _ = store.publish(db, parse_checklist(checklist_yaml(), "bench-offline.yaml"), by=None)
        site = stations.get_site_by_code(db, "PLT1")
        auditor = users.get_user_by_username(db, "auditor")
        audit = data.create_audit(db, site=site, checklist_version_id=version["id"], auditor_id=auditor["id"],
                                  workstation=stations.list_workstations(db, site["id"])[0], auditees="", scope="")
    finally:
        db.conn.close()
    return app, passwords["auditor"], audit


def server_ms(app, password: str, urls: list[str], runs: int) -> float:
    """Median over runs of the server's own time for the same pages, in-process and one after another (no
    browser, no sockets): the part of taking an audit offline that is the site server rendering pages."""
    import re
    import time

    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    client.post("/login", data={"username": "auditor", "password": password, "csrf_token": token})
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for url in urls:
            client.get(url, headers={"X-FieldAudit-Store": "1"}).close()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 runs")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    import waitress
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="fieldaudit-bench-offline-"))
    try:
        app, password, audit = build(folder / "data")
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8, ident="FieldAudit")
        threading.Thread(target=server.run, daemon=True).start()
        url = f"http://127.0.0.1:{server.effective_port}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 768, "height": 1024})
            page.goto(f"{url}/login")
            page.get_by_label("Username").fill("auditor")
            page.get_by_label("Password", exact=True).fill(password)
            with page.expect_navigation():
                page.get_by_role("button", name="Sign in").click()
            page.goto(f"{url}/")
            page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
            list_url = f"/offline/audits/{audit['id']}"
            urls = page.evaluate("u => fetch(u).then(r => r.json()).then(j => j.urls)", list_url)
            page.evaluate("u => FieldAuditOffline.takeAudit(u)", list_url)  # warm-up: templates, connections
            taken, plain, entry = [], [], None
            for _ in range(runs):
                plain.append(page.evaluate(BASELINE_JS, urls)["ms"])
                entry = page.evaluate("u => FieldAuditOffline.takeAudit(u)", list_url)
                taken.append(entry["ms"])
            estimate = page.evaluate("navigator.storage.estimate()")
            browser.close()
        server.close()
        rendering = server_ms(app, password, urls, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    take_ms, plain_ms = statistics.median(taken), statistics.median(plain)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {runs} runs, Chromium headless\n")
    print("| audit | addresses | take offline median | fetch only median (baseline) | ratio |"
          " server rendering, in-process, sequential | stored bodies | origin storage (estimate) |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {SECTIONS} sections × {QUESTIONS_PER_SECTION} questions | {len(urls)} | {take_ms:.0f} ms |"
          f" {plain_ms:.0f} ms | {take_ms / plain_ms:.2f} | {rendering:.0f} ms | {entry['bytes'] / 1024:.0f} kB |"
          f" {estimate['usage'] / 1024:.0f} kB |")
    ok = take_ms <= TARGET_MS and entry["missing"] == 0
    print(f"\n{SECTIONS}-section audit taken offline ≤ {TARGET_MS:.0f} ms, nothing missing: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
