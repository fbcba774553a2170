"""Lighthouse (npm) against Debian's Chromium, mobile profile, on the demo plant: performance, accessibility and best
practices of the sign-in page, home, an audit section, the CAPA list, the station search (label scanner) and a
station page. A benchmark, not a test: it needs Node and Lighthouse, which the test suite does not.

    npm install --prefix ~/.cache/fieldaudit-lighthouse lighthouse@13        # once, outside the checkout
    python bench/lighthouse.py --lighthouse ~/.cache/fieldaudit-lighthouse/node_modules/.bin/lighthouse

Signed-in pages get the session cookie through Lighthouse's --extra-headers. Prints a Markdown table (the median
score of --runs runs per page) and the targets; exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as `python bench/lighthouse.py` from a checkout, installed or not

from fieldaudit import config, create_app, demo  # noqa: E402
from fieldaudit import db as dbm  # noqa: E402
from fieldaudit.appdb import blob_store_of  # noqa: E402
from fieldaudit.cli import server_options  # noqa: E402

FAST_HASH = "pbkdf2:sha256:1000"  # bench only; production hashes with scrypt
CATEGORIES = ("performance", "accessibility", "best-practices")
# Pages whose scores were 1.00 before the offline-tablets work; they must stay there.
KEEP_PERFECT = ("login", "home", "CAPA list")


def serve(data_dir: Path):
    """The demo plant (with its history) behind waitress with `serve`'s options, in a thread; (server, url, app)."""
    import waitress

    app = create_app({"DATA_DIR": str(data_dir), "PASSWORD_HASH_METHOD": FAST_HASH})
    db = dbm.connect(config.database_path(app.config))
    try:
        passwords = demo.load(db, blob_store_of(app), hash_method=FAST_HASH).passwords
    finally:
        db.conn.close()
    server = waitress.create_server(app, host="127.0.0.1", port=0, **server_options(app.config))
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}", app, passwords


def session_cookie(url: str, username: str, password: str) -> str:
    """Sign in through the real form; the Cookie header value of the session."""
    browser = requests.Session()
    page = browser.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    reply = browser.post(f"{url}/login", data={"username": username, "password": password, "csrf_token": token},
                         allow_redirects=False, timeout=30)
    if reply.status_code != 303:
        raise SystemExit(f"sign-in as {username} failed ({reply.status_code})")
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def pages(app, url: str, cookies: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """(name, URL, user) of each page measured."""
    db = dbm.connect(config.database_path(app.config))
    try:
        audit = dbm.query_one(db, "SELECT a.id FROM audits a JOIN users u ON u.id = a.auditor_id "
                                  "WHERE a.status = 'in_progress' AND u.username = 'auditor' ORDER BY a.number")
    finally:
        db.conn.close()
    # /run redirects to the section to answer next (followed by hand: requests drops a set Cookie on redirects).
    run = requests.get(f"{url}/audits/{audit['id']}/run", headers={"Cookie": cookies["auditor"]},
                       allow_redirects=False, timeout=30)
    return [("login", f"{url}/login", None), ("home", f"{url}/", "quality"),
            ("audit section", url + run.headers["Location"].replace(url, ""), "auditor"),
            ("CAPA list", f"{url}/capa/", "quality"),
            ("station search (scanner)", f"{url}/w/", "auditor"), ("station page", f"{url}/w/ASM-01", "auditor")]


def lighthouse(binary: list[str], chrome: str, target: str, cookie: str | None, out: Path,
               cpu_slowdown: float | None) -> dict[str, float]:
    """One Lighthouse run, mobile profile (its default); the category scores and the machine's benchmark index."""
    command = binary + [target, "--output=json", f"--output-path={out}", "--quiet",
                        f"--only-categories={','.join(CATEGORIES)}",
                        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    if cpu_slowdown is not None:
        command.append(f"--throttling.cpuSlowdownMultiplier={cpu_slowdown}")
    for attempt in range(3):
        # Lighthouse sometimes loses its own trace ("NO_NAVSTART ... Please run Lighthouse again"): run it again,
        # twice at most, rather than lose the whole bench.
        done = subprocess.run(command, env={**os.environ, "CHROME_PATH": chrome}, timeout=300,
                              stdout=subprocess.DEVNULL)
        if done.returncode == 0:
            break
        print(f"lighthouse failed on {target} (exit {done.returncode}); run {attempt + 2} of 3", file=sys.stderr)
    else:
        raise SystemExit(f"lighthouse failed three times on {target}")
    report = json.loads(out.read_text())
    out.with_suffix(".failed.txt").write_text("\n".join(
        f"{a['id']}: {a.get('title')} ({a.get('displayValue', '')})" for a in report["audits"].values()
        if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") in ("binary", "numeric")))
    return {**{c: report["categories"][c]["score"] for c in CATEGORIES},
            "benchmark": report["environment"]["benchmarkIndex"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE") or shutil.which("lighthouse"),
                        help="the lighthouse executable (default: $LIGHTHOUSE, else on PATH; else npx)")
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH") or shutil.which("chromium") or
                        "/usr/bin/chromium", help="Chromium (default: $CHROME_PATH, else Debian's chromium)")
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median is reported (default 3)")
    parser.add_argument("--cpu-slowdown", type=float,
                        help="Lighthouse's CPU slowdown (default 4, meant for a fast desktop; a machine whose "
                             "benchmark index is already at a mid-range phone's (~300 or below) wants 1)")
    parser.add_argument("--keep", type=Path, help="keep the JSON reports (and failed audits) in this folder")
    parser.add_argument("--pages", help="measure only these pages, comma-separated names (e.g. 'login,home')")
    args = parser.parse_args()
    binary = [args.lighthouse] if args.lighthouse else ["npx", "--yes", "lighthouse@13"]
    version = subprocess.run(binary + ["--version"], capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        reports = args.keep or Path(tmp) / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        _server, url, app, passwords = serve(Path(tmp) / "data")  # a daemon thread: ends with the bench
        cookies = {user: session_cookie(url, user, passwords[user]) for user in ("auditor", "quality")}
        rows, missed = [], []
        wanted = {p.strip().lower() for p in args.pages.split(",")} if args.pages else None
        for name, target, user in pages(app, url, cookies):
            if wanted and name.lower() not in wanted:
                continue
            runs = []
            for n in range(args.runs):
                out = reports / f"{re.sub(r'[^a-z]+', '-', name.lower())}-{n}.json"
                runs.append(lighthouse(binary, args.chrome, target, cookies.get(user), out, args.cpu_slowdown))
            scores = {c: statistics.median(r[c] for r in runs) for c in CATEGORIES + ("benchmark",)}
            rows.append((name, target.replace(url, ""), user or "signed out", scores))
            if name in KEEP_PERFECT and any(scores[c] < 1 for c in CATEGORIES):
                missed.append(name)
    slowdown = "default 4" if args.cpu_slowdown is None else f"{args.cpu_slowdown:g}"
    print(f"Lighthouse {version}, mobile profile (CPU slowdown {slowdown}), {args.chrome}, median of {args.runs} "
          f"run(s); load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs:\n")
    print("| page | path | as | performance | accessibility | best practices | benchmark index |")
    print("|---|---|---|---|---|---|---|")
    for name, path, who, scores in rows:
        print(f"| {name} | `{path}` | {who} | " + " | ".join(f"{scores[c]:.2f}" for c in CATEGORIES) +
              f" | {scores['benchmark']:.0f} |")
    print()
    for name in KEEP_PERFECT:
        if wanted and name.lower() not in wanted:
            continue
        print(f"{name}: 1.00 in all three categories: {'MISSED' if name in missed else 'met'}")
    return 1 if missed else 0

if __name__ == "__main__":
    sys.exit(main())
