"""Audit answer saves and section pages: htmx round trips through the app with 1k, 10k and 100k stored audits."""

from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import io
import json
import math
import os
import pstats
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as `python bench/bench_audits.py` from a checkout, installed or not

import flask  # noqa: E402
from markupsafe import escape  # noqa: E402

from fieldaudit import config, create_app, ids  # noqa: E402
from fieldaudit import db as dbm  # noqa: E402
from fieldaudit.audits import data  # noqa: E402
from fieldaudit.auth import users  # noqa: E402
from fieldaudit.checklists import parse_checklist, rules, store  # noqa: E402
from fieldaudit.stations import data as stations  # noqa: E402

FAST_HASH = "pbkdf2:sha256:1000"  # bench only, like the tests; production hashes with scrypt
PASSWORD = "correct-horse-battery"
QUESTIONS = 50
ANSWERS_PER_AUDIT = 20
SAVE_TARGET_MEDIAN_MS, SAVE_TARGET_P99_MS = 5.0, 20.0
PAGE_TARGET_MS, PAGE_TARGET_KB = 30.0, 60.0
# "Does not grow": the 100k median may be at most this much above the 1k median (run-to-run noise is ~10-20 %).
GROWTH_LIMIT = 1.25
SITES = ("PLT1", "PLT2", "PLT3")
AUDITORS = 12
FLOOR_TEMPLATE = "<!doctype html><title>floor</title><p>{{ n }} · {{ current_user.display_name }}</p>"

# One block of six question types, repeated to 50: (type, YAML extra keys, two answers a save alternates between).
KINDS = [
    ("yes_no", "allow_na: true", ("yes", "no")),
    ("pass_fail", "", ("pass", "fail")),
    ("rating", "scale: {min: 1, max: 5}\n        finding: {when: [1, 2], severity: minor}", ("4", "2")),
    ("numeric", ("unit: Nm\n        min: 22\n        max: 26\n        decimals: 1\n"
                 "        finding: {out_of_limits: major}"), ("24.5", "26.8")),
    ("text", "required: false", ("Guard fitted and locked; key with the shift lead.",
                                 "Guard fitted, lock missing: raised with maintenance.")),
    ("single_choice", "options: [early, late, night]", ("early", "night")),
]
SUBJECTS = ["machine guard", "torque tool", "work instruction", "first-part approval", "scrap bin", "gauge",
            "labelling", "ESD wrist strap", "fire extinguisher", "kanban card"]


def checklist_yaml(questions: int = QUESTIONS) -> str:
    """One section of `questions` mixed questions, each with guidance and a clause.

    Texts average ~71 characters and guidance ~95, like the checklists shipped in checklists/ (77 and 95).
    """
    lines = ["id: bench-line-audit", "version: 1", "title: Line audit (bench)", "standard: ISO 9001:2015",
             "sections:", "  - id: line", "    title: Line and station", "    questions:"]
    for n in range(questions):
        kind, extra, _ = KINDS[n % len(KINDS)]
        subject = SUBJECTS[n % len(SUBJECTS)]
        lines += [f"      - id: q{n + 1:02d}",
                  f"        text: \"Check {n + 1}: the {subject} at the station meets the standard ({kind})\"",
                  f"        type: {kind}",
                  f"        clause: \"8.{n % 7 + 1}.{n % 4 + 1}\"",
                  (f"        guidance: \"Look at the {subject} itself, not the paperwork; compare it with the posted "
                   f"standard (item {n + 1}).\"")]
        lines += [f"        {line.strip()}" for line in extra.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


# -- the data folder ------------------------------------------------------------------------------------------

def build(folder: Path) -> dict:
    """App, sites, workstations, auditors and the published checklist in a fresh data folder."""
    app = create_app({"DATA_DIR": str(folder), "PASSWORD_HASH_METHOD": FAST_HASH})
    # The floor of a round trip: the same app (sign-in check, CSRF, security headers), a tiny template.
    app.add_url_rule("/_bench/floor", "bench_floor", lambda: flask.render_template_string(FLOOR_TEMPLATE, n=1),
                     methods=["GET", "POST"])
    db = dbm.connect(config.database_path(app.config))
    sites, workstations = [], []
    for code in SITES:
        site = stations.create_site(db, code, f"Plant {code}", "Europe/Berlin")
        area = stations.create_area(db, site["id"], "ASM", "Final assembly")
        sites.append(site)
        workstations += [stations.create_workstation(db, site["id"], area["id"], f"{code}-{w:02d}", f"Station {w}")
                         for w in range(1, 9)]
    auditors = []
    for n in range(AUDITORS):
        user = users.create_user(db, f"auditor{n:02d}", f"Auditor {n:02d}", PASSWORD, hash_method=FAST_HASH)
        for site in sites:
            users.add_membership(db, user["id"], site["id"], "auditor")
        auditors.append(user)
    checklist = parse_checklist(checklist_yaml(), "bench-line-audit.yaml")
    version, _ = store.publish(db, checklist, by=None)
    return {"app": app, "db": db, "sites": sites, "workstations": workstations, "auditors": auditors,
            "checklist": checklist, "version": version, "filled": 0}


_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]


def _ulid(ms: int, rng: random.Random) -> str:
    """A ULID of a past instant (ids.new_id only makes ones for now)."""
    value = (ms << 80) | rng.getrandbits(80)
    return "".join(_PAIRS[(value >> shift) & 1023] for shift in range(120, -1, -10))[0:26]


def _answer_value(question, n: int):
    """A valid stored answer for a filled audit."""
    kind = question.type
    if kind == "yes_no":
        return "no" if n % 9 == 0 else "yes"
    if kind == "pass_fail":
        return "fail" if n % 11 == 0 else "pass"
    if kind == "rating":
        return 1 + n % 5
    if kind == "numeric":
        return round(21.5 + (n % 50) / 10, 1)
    if kind == "single_choice":
        return ("early", "late", "night")[n % 3]
    return f"Seen at the station, nothing to add (#{n})."


def fill(ctx: dict, total: int) -> float:
    """Bulk-insert stored audits until there are `total`; returns seconds. In one transaction, fsync once.

    Audits go in as in_progress with their answers and findings, then most are flipped to submitted in one
    UPDATE: the triggers refuse answers for a submitted audit and any UPDATE of one.
    """
    start, started = ctx["filled"], time.perf_counter()
    if total <= start:
        return 0.0
    rng = random.Random(start)
    questions = list(ctx["checklist"].all_questions())
    device = dbm.scalar(ctx["db"], "SELECT value FROM settings WHERE key = 'device_id'")
    version_id, sites, auditors = ctx["version"]["id"], ctx["sites"], ctx["auditors"]
    # Three years of history, one audit every ~15 minutes, ending a day ago (the measured audit is "now").
    first_ms = int(time.time() * 1000) - 86_400_000 - 100_000 * 900_000
    db = dbm.connect(config.database_path(ctx["app"].config))
    db.conn.execute("PRAGMA synchronous=OFF")  # this connection only: a bench fill, not the app's writes
    db.conn.execute("PRAGMA cache_size=-262144")
    audits, answers, findings, submitted = [], [], [], []
    for k in range(start, total):
        ms = first_ms + k * 900_000 + rng.randrange(600_000)
        stamp = ids.iso(datetime.fromtimestamp(ms / 1000, UTC))
        audit_id = _ulid(ms, rng)
        site_no = k % len(SITES)
        ws = ctx["workstations"][k % len(ctx["workstations"])]
        auditor = auditors[k % len(auditors)]["id"]
        is_open = k % 10 == 0
        audits.append({
            "id": audit_id, "number": f"AUD-{SITES[site_no]}-{k // len(SITES) + 1:06d}",
            "site_id": sites[site_no]["id"], "area_id": ws["area_id"], "workstation_id": ws["id"],
            "checklist_version_id": version_id, "auditor_id": auditor, "auditees": "Line lead, shift B",
            "scope": "Final assembly line, all stations", "status": "in_progress", "current_section": "line",
            "started_at": stamp, "submitted_at": None, "score_percent": None,
            "answered_count": ANSWERS_PER_AUDIT, "visible_count": QUESTIONS, "record_hash": None,
            "created_at": stamp, "updated_at": stamp, "origin": device})
        if not is_open:
            submitted.append((stamp, 60 + k % 40, f"{rng.getrandbits(256):064x}", audit_id))
        offset = k % QUESTIONS
        for j in range(ANSWERS_PER_AUDIT):
            question = questions[(offset + j) % QUESTIONS]
            answers.append({
                "id": audit_id[:24] + _PAIRS[j], "audit_id": audit_id, "question_id": question.id,
                "value": json.dumps(_answer_value(question, k + j)), "note": "" if (k + j) % 7 else "See photo.",
                "answered_by": auditor, "answered_at": stamp, "created_at": stamp, "updated_at": stamp,
                "origin": device})
        for n in range(1, k % 4):  # 0, 1 or 2 findings
            findings.append({
                "id": audit_id[:24] + _PAIRS[100 + n], "audit_id": audit_id, "number": n,
                "question_id": questions[offset].id, "severity": ("minor", "observation")[n % 2],
                "clause": "8.5.1", "description": "Torque tool calibration sticker expired last month.",
                "requirement": "Monitoring and measuring resources are calibrated.", "evidence": "Tool T-114.",
                "created_by": auditor, "created_at": stamp, "updated_at": stamp, "origin": device})
    with dbm.transaction(db):
        db["audits"].insert_all(audits, batch_size=500)
        db["answers"].insert_all(answers, batch_size=500)
        db["findings"].insert_all(findings, batch_size=500)
        db.conn.executemany("UPDATE audits SET status = 'submitted', submitted_at = ?, score_percent = ?,"
                            " record_hash = ? WHERE id = ?", submitted)
        for site_no, code in enumerate(SITES):
            last = (total - 1 - site_no) // len(SITES) + 1
            db.conn.execute("INSERT INTO counters (scope, value) VALUES (?, ?) ON CONFLICT (scope)"
                            " DO UPDATE SET value = excluded.value", (f"AUD-{code}", last))
    # Write the fill into the database file and get it onto the disk now, so the kernel's writeback of
    # hundreds of MB does not land in the middle of the timed saves (whose commits wait for fsync).
    db.conn.execute("PRAGMA synchronous=FULL")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    if hasattr(os, "sync"):
        os.sync()
    ctx["filled"] = total
    return time.perf_counter() - started


# -- round trips ----------------------------------------------------------------------------------------------

def csrf_from(html: str) -> str:
    """The CSRF token a page carries in its meta tag."""
    marker = 'name="csrf-token" content="'
    return html.split(marker, 1)[1].split('"', 1)[0]


def sign_in(app, username: str):
    """A test client signed in through the real login form."""
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, f"sign-in failed with {response.status_code}"
    return client


def timed(fn, runs: int) -> list[float]:
    """Wall times in ms of `runs` calls of fn(i)."""
    return interleaved({"only": fn}, runs)["only"][0]


def interleaved(calls: dict, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Call each fn(i) in turn `runs` times; name → (wall ms, CPU ms) per call.

    Taking turns spreads whatever else the machine does evenly over the calls compared. CPU time (of this
    process) leaves out waiting for the disk or for a core another program holds, so a wall-time tail that
    CPU time does not share comes from the machine, not from the work.
    """
    out = {name: ([], []) for name in calls}
    for i in range(runs):
        for name, fn in calls.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            fn(i)
            out[name][0].append((time.perf_counter() - started) * 1000)
            out[name][1].append((time.process_time() - started_cpu) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    """The p-th percentile by nearest rank (p99 of 300 saves is the 297th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Session:
    """One auditor's browser: a signed-in client, the CSRF token htmx sends, and an open audit."""

    def __init__(self, ctx: dict, auditor: dict, site: dict):
        self.ctx, self.app = ctx, ctx["app"]
        self.client = sign_in(self.app, auditor["username"])
        self.questions = list(ctx["checklist"].all_questions())
        audit = data.create_audit(ctx["db"], site=site, checklist_version_id=ctx["version"]["id"],
                                  auditor_id=auditor["id"], workstation=ctx["workstations"][0],
                                  auditees="Line lead", scope="Bench")
        self.audit_id, self.number = audit["id"], audit["number"]
        self.section_url = f"/audits/{self.audit_id}/sections/line"
        self.token = csrf_from(self.client.get(self.section_url).get_data(as_text=True))
        self.headers = {"HX-Request": "true", "HX-Current-URL": f"http://localhost{self.section_url}",
                        "HX-Target": "", "X-CSRFToken": self.token}
        self.last = {}

    def save(self, i: int) -> None:
        """Save answer i: question i mod 50, flipping between its two values on every pass."""
        question = self.questions[i % QUESTIONS]
        value = KINDS[i % QUESTIONS % len(KINDS)][2][(i // QUESTIONS) % 2]
        self.headers["HX-Target"] = self.headers["HX-Trigger"] = f"q-{question.id}"
        # htmx sends the whole section form (every question's v-/n- fields), as a tablet does.
        self.last[question.id] = value
        form = {"csrf_token": self.token}
        for q in self.questions:
            if q.id in self.last:
                form[f"v-{q.id}"] = self.last[q.id]
            form[f"n-{q.id}"] = ""
        response = self.client.post(f"/audits/{self.audit_id}/answers/{question.id}", data=form,
                                    headers=self.headers)
        body = response.get_data()
        assert response.status_code == 200, (response.status_code, body[:300])
        assert b"<html" not in body and f'id="q-{question.id}"'.encode() in body, body[:300]
        self.last[question.id] = value

    def page(self, i: int = 0) -> bytes:
        """GET the 50-question section page."""
        response = self.client.get(self.section_url)
        body = response.get_data()
        assert response.status_code == 200, response.status_code
        return body

    def floor(self, i: int = 0) -> None:
        """POST the same headers and form to the tiny-template route."""
        response = self.client.post("/_bench/floor", data={"csrf_token": self.token, "value": "yes", "note": ""},
                                    headers=self.headers)
        response.get_data()
        assert response.status_code == 200, response.status_code

    def check_stored(self) -> None:
        """The last value saved for each question is what the database holds."""
        stored = data.values(data.answers_of(self.ctx["db"], self.audit_id))
        for qid, raw in self.last.items():
            question = self.ctx["checklist"].question(qid)
            assert stored[qid] == rules.normalize_answer(question, raw), (qid, stored[qid], raw)


class DiskProbe:
    """What one commit's flush costs on this disk: append 8 KB (two WAL frames, like a save) and fdatasync."""

    def __init__(self, path: Path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.block = os.urandom(8240)

    def write(self, i: int = 0) -> None:
        """One append and flush; the file restarts every 500 writes, as the WAL does after a checkpoint."""
        if i % 500 == 0:
            os.lseek(self.fd, 0, os.SEEK_SET)
        os.write(self.fd, self.block)
        (getattr(os, "fdatasync", None) or os.fsync)(self.fd)

    def close(self) -> None:
        """Close and remove the probe file."""
        os.close(self.fd)
        self.path.unlink()


def bare_flask_floor(runs: int) -> list[float]:
    """A bare Flask app (no hooks, no database) rendering the same tiny template: the framework's own floor."""
    app = flask.Flask("bare")
    app.add_url_rule("/", "floor", lambda: flask.render_template_string("<p>{{ n }}</p>", n=1))
    client = app.test_client()
    for _ in range(20):
        client.get("/").get_data()
    return timed(lambda i: client.get("/").get_data(), runs)


def check_page(ctx: dict, html: str) -> list[str]:
    """What the section page lacks: question texts, guidance, clauses, units, choice labels, named inputs."""
    missing = []
    for q in ctx["checklist"].all_questions():
        wanted = [q.text, q.guidance, q.clause] + ([q.unit] if q.unit else []) + [o.label for o in q.options]
        wanted += {"yes_no": ["Yes", "No", "N/A"], "pass_fail": ["Pass", "Fail"]}.get(q.type, [])
        missing += [f"{q.id}: {w!r}" for w in wanted if str(escape(w)) not in html]
        block = html.partition(f'<div id="q-{q.id}"')[2]
        form = re.split(r'<div id="q-|</form>', block, maxsplit=1)[0]
        # Screen readers need the question as the name of its inputs: a legend, or an aria label of either kind.
        if not any(marker in form for marker in ("<legend", "aria-labelledby=", "aria-label=")):
            missing.append(f"{q.id}: accessible name of its inputs")
    return missing


def assets(client, html: str) -> list[tuple[str, int, str]]:
    """(url, bytes, Cache-Control) of each versioned static file the page loads."""
    found = []
    for chunk in html.split('"/assets/')[1:]:
        url = "/assets/" + chunk.split('"', 1)[0]
        if any(url == f[0] for f in found):
            continue
        response = client.get(url)
        found.append((url, len(response.get_data()), response.headers.get("Cache-Control", "")))
        response.close()
    return found


# -- the run --------------------------------------------------------------------------------------------------

def measure_level(ctx: dict, level: int, saves: int, pages: int, profile: bool) -> dict:
    """Figures for one number of stored audits."""
    fill_s = fill(ctx, level)
    session = Session(ctx, ctx["auditors"][0], ctx["sites"][0])
    warm = Session(ctx, ctx["auditors"][1], ctx["sites"][0])  # compile templates, fill caches, elsewhere
    for i in range(2 * QUESTIONS):
        warm.save(i)
        warm.floor()
    warm.page()
    gc.collect()
    probe = DiskProbe(config.database_path(ctx["app"].config).parent / "fsync-probe")
    runs = interleaved({"floor": session.floor, "save": session.save, "fsync": probe.write}, saves)
    probe.close()
    (floor, floor_cpu), (save, save_cpu) = runs["floor"], runs["save"]
    session.check_stored()
    page_times = timed(session.page, pages)
    html = session.page().decode()
    result = {"level": level, "fill_s": fill_s, "save": save, "save_cpu": save_cpu, "floor": floor,
              "floor_cpu": floor_cpu,
              "fsync": runs["fsync"][0], "page": page_times,
              "page_kb": len(html.encode()) / 1024, "missing": check_page(ctx, html),
              "db_mb": os.path.getsize(config.database_path(ctx["app"].config)) / 2**20, "html": html,
              "session": session}
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(saves, saves + 200):
            session.save(i)
        profiler.disable()
        result["profile"] = profiler
    return result


def phase_breakdown(session: Session, runs: int = 200) -> dict[str, float]:
    """Mean ms per save spent in the app's main steps, by wrapping them (in this process only, then undone)."""
    from fieldaudit import auth, htmx
    from fieldaudit.audits import pages

    spent: dict[str, float] = {}
    patched = []

    def wrap(owner, name, label):
        original = getattr(owner, name, None)
        if original is None:  # the app moved on: leave that step out rather than fail
            return

        def timed_call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
        setattr(owner, name, timed_call)
        patched.append((owner, name, original))

    original_transaction = dbm.transaction

    @contextmanager
    def transaction(db):
        """The app's transaction; the time of its exit is the COMMIT (with synchronous=FULL, the WAL fsync)."""
        manager = original_transaction(db)
        manager.__enter__()
        try:
            yield db
        except BaseException:
            manager.__exit__(*sys.exc_info())
            raise
        started = time.perf_counter()
        manager.__exit__(None, None, None)
        spent["COMMIT (every write transaction)"] = (spent.get("COMMIT (every write transaction)", 0.0)
                                                     + time.perf_counter() - started)

    wrap(dbm, "connect", "open connection + pragmas")
    wrap(auth.sessions, "check", "session check (sign-in)")
    wrap(auth.users, "memberships", "user's roles (sign-in)")
    wrap(data, "save_answer", "data.save_answer, incl. its COMMIT")
    wrap(pages, "section_context", "section context rebuilt after the save")
    wrap(htmx, "render_template", "render the fragment")
    dbm.transaction = transaction
    try:
        total = sum(timed(lambda i: session.save(10_000 + i), runs))
    finally:
        dbm.transaction = original_transaction
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
    out = {label: seconds * 1000 / runs for label, seconds in spent.items()}
    out["whole round trip"] = total / runs
    return out


def filesystem(path: Path) -> str:
    """The file system type holding `path` (fsync cost depends on it), from /proc/mounts where there is one."""
    try:
        mounts = [line.split()[1:3] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown file system"
    path = str(path.resolve())
    point, kind = max(((p, k) for p, k in mounts if path == p or path.startswith(p.rstrip("/") + "/")),
                      key=lambda m: len(m[0]), default=("?", "unknown"))
    return f"{kind} ({point})"


def print_profile(profiler: cProfile.Profile, saves: int) -> None:
    """The app's own functions by cumulative time, then everything by own time, for `saves` saves."""
    for order, only, title in (("cumulative", r"/fieldaudit/", "fieldaudit functions by cumulative time"),
                               ("tottime", "", "all functions by own time")):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(order)
        stats.print_stats(only, 10) if only else stats.print_stats(10)
        table = out.getvalue()
        table = table[table.index("   ncalls"):].rstrip()
        for prefix in (str(ROOT) + os.sep, os.path.dirname(flask.__path__[0]) + os.sep):
            table = table.replace(prefix, "")
        print(f"\ncProfile of {saves} saves at 10k stored audits, top 10 {title} (seconds for all {saves}, "
              f"profiler overhead included):\n```\n{table}\n```")


def page_anatomy(html: str) -> list[tuple[str, float]]:
    """What the section page's bytes are made of (KB), to show where a smaller page would come from."""
    forms = re.findall(r'<div id="q-.*?(?=<div id="q-|<noscript>)', html, re.DOTALL)
    parts = [
        ("whole page", len(html.encode())),
        (f"{len(forms)} questions", sum(len(f.encode()) for f in forms)),
        ("indentation and blank lines", len(html.encode()) - len(re.sub(r"\n\s+", "\n", html).encode())),
        ("accessible names (aria-labelledby pointing at the visible text, aria-label)",
         sum(len(m.encode()) for m in re.findall(r' aria-labelledby="[^"]*"| aria-label="[^"]*"', html))),
        ("hx-post/-trigger (per question) and -target/-swap/-sync (once on the form)",
         sum(len(m) for m in re.findall(r' ?hx-(?:post|trigger|target|swap|sync)="[^"]*"', html))),
        ("CSRF hidden inputs (section form and sign-out form)", sum(len(m) for m in re.findall(r'<input type="hidden" name="csrf_token"'
                                                                           r' value="[^"]*">', html))),
        ("'Finding…' buttons and the <noscript> Save-section button",
         sum(len(m.encode()) for m in re.findall(r'<button class="btn btn-quiet" name="raise"[^>]*>Finding…</button>|'
                                                 r'<noscript>.*?</noscript>', html, re.DOTALL))),
        ("question texts, guidance, clauses and choice labels themselves (approx.)",
         sum(len(m.encode()) for m in re.findall(r'<span class="q-text"[^>]*>.*?</span>|<p class="q-guidance">.*?</p>|'
                                                 r'<span class="badge clause">.*?</span>|<span>[^<]*</span>', html))),
        ("gzip -6 of the whole page", len(gzip.compress(html.encode(), 6))),
    ]
    return [(label, size / 1024) for label, size in parts]


def load_average() -> str:
    """The 1-minute load average, or n/a where there is none."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def main() -> int:
    """Print the figures as Markdown tables and check the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1k and 10k audits, 100 saves, 20 page loads")
    parser.add_argument("--saves", type=int, help="timed answer saves per level (default 300)")
    parser.add_argument("--pages", type=int, help="timed section page loads per level (default 50)")
    parser.add_argument("--levels", help="stored audits, comma-separated (default 1000,10000,100000)")
    parser.add_argument("--dir", help="parent folder of the temporary data folder (default: the system temp)")
    args = parser.parse_args()
    levels = [int(n) for n in (args.levels or ("1000,10000" if args.quick else "1000,10000,100000")).split(",")]
    saves = args.saves or (100 if args.quick else 300)
    pages = args.pages or (20 if args.quick else 50)
    started, load_before = time.perf_counter(), load_average()
    with tempfile.TemporaryDirectory(prefix="fieldaudit-bench-", dir=args.dir) as tmp:
        ctx = build(Path(tmp) / "data")
        print(f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, Flask "
              f"{importlib_version('flask')}, sqlite-utils {importlib_version('sqlite-utils')}, "
              f"{os.cpu_count()} CPUs; data folder on {filesystem(Path(tmp))}")
        print(f"{saves} timed saves and {pages} section page loads per level after warm-up, one open audit; "
              f"{QUESTIONS} questions in the section, {ANSWERS_PER_AUDIT} answers per stored audit\n", flush=True)
        results = []
        for level in levels:
            results.append(measure_level(ctx, level, saves, pages, profile=level == 10_000))
            print(f"  {level:>7,} audits: filled in {results[-1]['fill_s']:.1f} s, save median "
                  f"{statistics.median(results[-1]['save']):.2f} ms", file=sys.stderr, flush=True)
        bare = bare_flask_floor(saves)
        profiled = next((r for r in results if "profile" in r), results[-1])
        breakdown = phase_breakdown(profiled["session"])
        first = results[0]
        asset_list = assets(first["session"].client, first["html"])
        ctx["db"].conn.close()

    base_median = statistics.median(first["save"])
    print("| stored audits | fill | DB size | save median | save p95 | save p99 | floor median | save ÷ floor "
          f"| save ÷ {first['level'] // 1000}k | page median | page p99 | page HTML (gzip) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        median, floor = statistics.median(r["save"]), statistics.median(r["floor"])
        print(f"| {r['level']:,} | {r['fill_s']:.1f} s | {r['db_mb']:.0f} MB | {median:.2f} ms | "
              f"{pct(r['save'], 95):.2f} ms | {pct(r['save'], 99):.2f} ms | {floor:.2f} ms | {median / floor:.1f}× | "
              f"{median / base_median:.2f}× | {statistics.median(r['page']):.2f} ms | {pct(r['page'], 99):.2f} ms | "
              f"{r['page_kb']:.1f} KB ({len(gzip.compress(r['html'].encode(), 6)) / 1024:.1f} KB) |")
    print(f"\nfloor = POST with the same headers and form to a route of the same app (sign-in check, CSRF, "
          f"security headers) that renders a one-line template, timed in turn with the saves; a bare Flask app "
          f"with no hooks and no database answers the same template in {statistics.median(bare):.2f} ms (median).")
    print(f"\nTail of the saves (load average {load_before} at the start, {load_average()} at the end):\n")
    print("| stored audits | save p99 wall | save p99 CPU | floor p99 wall | 8 KB append + fdatasync median / p99 "
          "| saves > 20 ms |\n|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['level']:,} | {pct(r['save'], 99):.2f} ms | {pct(r['save_cpu'], 99):.2f} ms | "
              f"{pct(r['floor'], 99):.2f} ms | {statistics.median(r['fsync']):.2f} / {pct(r['fsync'], 99):.2f} ms | "
              f"{sum(t > SAVE_TARGET_P99_MS for t in r['save'])} of {len(r['save'])} |")
    print("\nCPU time leaves out waiting for the disk or for a core; the append + fdatasync is what the commit of "
          "a save must wait for with synchronous=FULL, timed in turn with the saves on the same disk.")

    print("\nSection page on first load (after that only the HTML travels; static files are versioned and "
          "cached for a year):")
    for url, size, cache in asset_list:
        print(f"- `{url}` {size / 1024:.1f} KB, `Cache-Control: {cache}`")
    missing = sorted({m for r in results for m in r["missing"]})
    print(f"- page check: every question text, guidance, clause, unit and choice label present, inputs named: "
          f"{'yes' if not missing else 'NO, missing ' + ', '.join(missing[:10])}")
    print("\nWhat the section page is made of:\n\n| part | KB |\n|---|---|")
    for label, kb in page_anatomy(first["html"]):
        print(f"| {label} | {kb:.1f} |")

    print(f"\nWhere one save's time goes at {profiled['level']:,} audits (mean ms per save over 200 saves, steps "
          "wrapped in the bench; nested steps overlap):\n")
    print("| step | ms |\n|---|---|")
    for label, ms in sorted(breakdown.items(), key=lambda item: -item[1]):
        print(f"| {label} | {ms:.2f} |")
    if "profile" in profiled:
        print_profile(profiled["profile"], 200)

    checks = []
    measured = next((r for r in results if r["level"] == 10_000), results[-1])
    at = f"{measured['level'] // 1000}k"
    checks += [(f"save median ≤ {SAVE_TARGET_MEDIAN_MS:g} ms at {at}", statistics.median(measured["save"]),
                SAVE_TARGET_MEDIAN_MS, "ms"),
               (f"save p99 ≤ {SAVE_TARGET_P99_MS:g} ms at {at}", pct(measured["save"], 99), SAVE_TARGET_P99_MS, "ms"),
               (f"page median ≤ {PAGE_TARGET_MS:g} ms at {at}", statistics.median(measured["page"]), PAGE_TARGET_MS,
                "ms"),
               (f"page HTML ≤ {PAGE_TARGET_KB:g} KB", measured["page_kb"], PAGE_TARGET_KB, "KB")]
    if len(results) > 1:
        growth = statistics.median(results[-1]["save"]) / base_median
        label = f"save median {results[-1]['level'] // 1000}k ÷ {first['level'] // 1000}k ≤ {GROWTH_LIMIT:g}"
        checks.append((label, growth, GROWTH_LIMIT, "×"))
    print("\n| target | measured | result |\n|---|---|---|")
    ok = not missing
    for label, value, limit, unit in checks:
        ok &= value <= limit
        print(f"| {label} | {value:.2f} {unit} | {'met' if value <= limit else 'MISSED'} |")
    print(f"| labels and help text kept | {'all present' if not missing else 'missing'} | "
          f"{'met' if not missing else 'MISSED'} |")
    print(f"\nwhole bench: {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


def importlib_version(name: str) -> str:
    """An installed distribution's version."""
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    sys.exit(main())
