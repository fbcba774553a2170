"""A hub and site servers as real `fieldaudit serve` processes on loopback, the devices reaching the hub only
through the fault proxy, and people using each server's web pages over HTTP (for the tests in test_loopback_*.py).

The hub's store is its SQLite file, or a PostgreSQL database (`template(..., hub_database=URL)`): each world then
gets its own copy of the template's database, and `read`/`integrity_ok` on the hub look there."""
import base64
import io
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests
from PIL import Image, ImageDraw

from tests.sync.processes import ROOT, ServeProcess, cli, env_for
from tests.sync.proxy import FaultProxy

HUB = {"MODE": "hub"}
_worlds = itertools.count(1)


class Web:
    """One person's browser session on one server: sign in through the login form, then forms with the CSRF token."""

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()
        self.csrf = None

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url + path, timeout=60, allow_redirects=False, **kwargs)

    def login(self, username: str, password: str) -> "Web":
        token = _csrf(self.get("/login").text)
        answer = self.http.post(self.url + "/login", data={"username": username, "password": password,
                                                           "csrf_token": token}, allow_redirects=False, timeout=30)
        assert answer.status_code == 303, answer.text[:500]
        self.csrf = _csrf(self.get("/account").text)
        return self

    def post(self, path: str, data=None, files=None, htmx=False) -> requests.Response:
        data = dict(data or {})
        headers = {}
        if htmx:
            headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
        else:
            data.setdefault("csrf_token", self.csrf)
        return self.http.post(self.url + path, data=data, files=files, headers=headers, allow_redirects=False,
                              timeout=120)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF meta tag"
    return match.group(1)


@dataclass
class Device:
    """A site server: its data folder, its `fieldaudit serve` process, and `fieldaudit sync` runs."""

    folder: Path
    serve: ServeProcess
    settings: dict = field(default_factory=dict)

    def sync(self, timeout: float = 120) -> subprocess.CompletedProcess:
        return cli(self.folder, "sync", timeout=timeout, **self.settings)

    def sync_until_done(self, tries: int = 6) -> list[subprocess.CompletedProcess]:
        """Run `fieldaudit sync` as a person would after a failure: again, until it ends well (at most `tries`)."""
        runs = []
        for _ in range(tries):
            runs.append(self.sync())
            if runs[-1].returncode == 0:
                return runs
        raise AssertionError(f"sync never ended well: {[r.stdout + r.stderr for r in runs]}")

    def start_sync(self) -> subprocess.Popen:
        """`fieldaudit sync` as a process of its own (to be killed mid-way)."""
        return _started(self.folder, "sync", **self.settings)


@dataclass
class World:
    """A hub process, the proxy in front of it, site servers of PLT1 paired through the proxy, the demo's people."""

    hub: ServeProcess
    proxy: FaultProxy
    devices: list[Device]
    passwords: dict

    def stop(self) -> None:
        for device in self.devices:
            device.serve.stop()
        self.proxy.stop()
        self.hub.stop()
        if self.hub.settings.get("DATABASE_URL"):
            _admin(self.hub.settings["DATABASE_URL"], "DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def web(self, server, username: str) -> Web:
        url = server.url if isinstance(server, ServeProcess) else server.serve.url
        return Web(url).login(username, self.passwords[username])


def world_from(template: Path, tmp: Path, seed: int = 0, **device_settings: str) -> World:
    """A fresh world copied from a stopped one (see `template`): the hub behind a new proxy, whose address the
    site servers are told (the hub moved), every server serving; a fraction of the set-up time under load."""
    shutil.copytree(template, tmp, dirs_exist_ok=True)
    made = json.loads((tmp / "world.json").read_text())
    hub_settings = dict(HUB)
    if made.get("hub_database"):
        hub_settings["DATABASE_URL"] = copy_database(made["hub_database"], f"w{os.getpid()}_{next(_worlds)}")
    hub = ServeProcess(tmp / "hub", **hub_settings).start(timeout=120)
    proxy = FaultProxy(hub.port, seed=seed)
    world = World(hub, proxy, [], made["passwords"])
    for n in range(1, made["devices"] + 1):
        folder = tmp / f"device{n}"
        db = sqlite3.connect(folder / "fieldaudit.sqlite3")
        with db:
            db.execute("UPDATE settings SET value = ? WHERE key = 'hub_url'", (proxy.url,))
        db.close()
        world.devices.append(Device(folder, ServeProcess(folder, **device_settings).start(timeout=120),
                                    device_settings))
    return world


def template(tmp: Path, devices: int = 2, hub_database: str | None = None) -> Path:
    """A world made once and stopped, its folders to copy: hub and site servers paired and synced once (the hub's
    store in the PostgreSQL database `hub_database` when given, which each world then copies)."""
    made = make_world(tmp, devices, hub_database=hub_database)
    for device in made.devices:
        device.serve.stop()
    made.proxy.stop()
    made.hub.stop()  # not World.stop: the template's database stays, to be copied
    (tmp / "world.json").write_text(json.dumps({"passwords": made.passwords, "devices": devices,
                                                "hub_database": hub_database}))
    for name in ("hub", *(f"device{n}" for n in range(1, devices + 1))):
        (tmp / f"{name}-serve.log").unlink(missing_ok=True)
    return tmp


def make_world(tmp: Path, devices: int = 2, seed: int = 0, hub_database: str | None = None,
               **device_settings: str) -> World:
    """A hub with the demo plant's sites and people and the tests' checklist, and `devices` site servers of PLT1,
    each `fieldaudit init`, paired through the proxy with `fieldaudit sync pair`, synced once and serving. The hub's
    store is the migrated PostgreSQL database `hub_database` when given, else its SQLite file."""
    hub_dir = tmp / "hub"
    hub_settings = {**HUB, "DATABASE_URL": hub_database} if hub_database else dict(HUB)
    inits = [_started(tmp / f"device{n}", "init", **device_settings) for n in range(1, devices + 1)]
    seeded = subprocess.run([sys.executable, "-m", "tests.sync.seed_hub", str(devices)], capture_output=True,
                            text=True, env=env_for(hub_dir, **hub_settings), cwd=ROOT, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    made = json.loads(seeded.stdout.strip().splitlines()[-1])
    hub = ServeProcess(hub_dir, **hub_settings).start(timeout=120)
    proxy = FaultProxy(hub.port, seed=seed)
    world = World(hub, proxy, [], made["passwords"])
    for init in inits:
        _finished(init)
    pairs = [_started(tmp / f"device{n}", "sync", "pair", proxy.url, code, "--name", f"Plant 1 server {n}",
                      **device_settings) for n, code in enumerate(made["codes"], 1)]
    for n, pair in enumerate(pairs, 1):
        _finished(pair)
        folder = tmp / f"device{n}"
        world.devices.append(Device(folder, ServeProcess(folder, **device_settings), device_settings))
    firsts = [device.start_sync() for device in world.devices]
    for device, first in zip(world.devices, firsts):
        _finished(first)
        device.serve.start(timeout=120)
    return world


def _finished(process: subprocess.Popen) -> str:
    """Wait for a started command (its pipe read and closed); it must have ended well. Returns its output."""
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


def _started(folder: Path, *args: str, **settings: str) -> subprocess.Popen:
    """`fieldaudit ARGS` started in the background (setup steps of several servers run side by side)."""
    return subprocess.Popen([sys.executable, "-m", "fieldaudit.cli", *args], env=env_for(folder, **settings),
                            cwd=folder.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def copy_database(url: str, suffix: str) -> str:
    """A new PostgreSQL database copied from the one at `url` (nobody may be connected to it); returns its URL."""
    base, template_name = url.rsplit("/", 1)
    name = f"{template_name}_{suffix}"
    _admin(url, f"CREATE DATABASE {name} TEMPLATE {{name}}")
    return f"{base}/{name}"


def _admin(url: str, sql: str) -> None:
    """One statement about the database at `url` ({name} in `sql`), run on its server's maintenance database."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.format(name=name))


def _store_of(place) -> tuple[str, Path | str]:
    """("postgres", URL) for a server process whose store is PostgreSQL, else ("sqlite", its SQLite file)."""
    url = getattr(place, "settings", {}).get("DATABASE_URL")
    if url:
        return "postgres", url
    return "sqlite", Path(getattr(place, "data_dir", place)) / "fieldaudit.sqlite3"


def read(place, sql: str, params=()) -> list[dict]:
    """Rows of a server's database (the test only reads; the servers write). `place`: a server's data folder, or
    its ServeProcess (the hub's: its store may be PostgreSQL; the SQL is then translated as the hub's own)."""
    kind, target = _store_of(place)
    if kind == "postgres":
        from fieldaudit import db as dbm
        from fieldaudit.engines import postgres

        db = postgres.connect(target, pooled=False)
        try:
            return [dict(r) for r in dbm.query(db, sql, params)]
        finally:
            db.conn.close()
    db = sqlite3.connect(target, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql, params)]
    finally:
        db.close()


def integrity_ok(place) -> bool:
    """SQLite: the file passes PRAGMA integrity_check. PostgreSQL (crash-safe storage, no such check): every
    signed record, trail chain and blob passes `fieldaudit verify`, the store-level check the hub itself offers."""
    kind, target = _store_of(place)
    if kind == "sqlite":
        return read(place, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    from fieldaudit import integrity
    from fieldaudit.engines import postgres
    from fieldaudit.evidence.blobstore import BlobStore

    db = postgres.connect(target, pooled=False)
    try:
        problems = integrity.verify(db, BlobStore(Path(place.data_dir) / "blobs"))
    finally:
        db.conn.close()
    assert not problems, problems
    return True


def photo(seed: int, size=(640, 480)) -> bytes:
    """A photo with real content, different per seed."""
    im = Image.effect_noise(size, 20 + seed % 60).convert("RGB")
    ImageDraw.Draw(im).ellipse((30 + seed % 200, 40, 300, 300), outline=(200, seed % 255, 40), width=12)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def drawing() -> str:
    """A drawn signature as the signature pad posts it (a PNG data: URL)."""
    im = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(im).line([(10, 80), (80, 20), (150, 70), (290, 15)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    im.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def audit_through_ui(web: Web, folder: Path, photos: list[bytes], password: str, station: str = "ASM-01") -> dict:
    """An auditor's whole audit on a server's pages: start at a station, answer every question (htmx), attach
    photos to a question, sign (password and drawing) and submit; returns the audit row."""
    from tests.factories import FULL_ANSWERS

    site = read(folder, "SELECT id FROM sites WHERE code = 'PLT1'")[0]
    workstation = read(folder, "SELECT id FROM workstations WHERE code = ?", (station,))[0]
    version = read(folder, "SELECT v.id FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id"
                           " WHERE c.key = 'test-walk' AND v.status = 'published'")[0]
    started = web.post("/audits/new", {"site_id": site["id"], "workstation_id": workstation["id"],
                                       "checklist_version_id": version["id"], "auditees": "Sam Keller"})
    assert started.status_code == 303, started.text[:800]
    audit_id = re.search(r"/audits/([0-9A-Z]{26})", started.headers["Location"]).group(1)
    for qid, value in FULL_ANSWERS.items():
        saved = web.post(f"/audits/{audit_id}/answers/{qid}", {"value": value}, htmx=True)
        assert saved.status_code == 200, saved.text[:800]
    for n, data in enumerate(photos):
        attached = web.post(f"/audits/{audit_id}/evidence", {"question_id": "guard"},
                            files={"photos-guard": (f"IMG_{n}.jpg", data, "image/jpeg")})
        assert attached.status_code == 303, attached.text[:800]
    signed = web.post(f"/audits/{audit_id}/submit", {"confirm": "yes", "no_finding_needed": "yes",
                                                     "password": password, "drawing": drawing()})
    assert signed.status_code == 303, signed.text[:1500]
    return read(folder, "SELECT * FROM audits WHERE id = ?", (audit_id,))[0]


def blob(folder: Path, sha: str) -> Path:
    """Where a server keeps a blob (fieldaudit.evidence.blobstore's layout)."""
    from fieldaudit.evidence.blobstore import BlobStore
    return BlobStore(folder / "blobs").path(sha)


UPWARD = ("audits", "answers", "findings", "evidence", "signatures")


def assert_converged(hub, device: Path) -> None:
    """Every field record and CAPA of the device is on the hub exactly once and equal field by field, with every
    photo the rows name (bytes matching their hash), and nothing the device did not make under its audits. `hub`:
    the hub's ServeProcess (or its data folder when its store is SQLite)."""
    import hashlib
    hub_dir = Path(getattr(hub, "data_dir", hub))
    origin = read(device, "SELECT value FROM settings WHERE key = 'device_id'")[0]["value"]
    audit_ids = [r["id"] for r in read(device, "SELECT id FROM audits ORDER BY id")]
    marks = ", ".join("?" * len(audit_ids))
    for table in UPWARD:
        if table == "audits":
            where, params = f"id IN ({marks})", audit_ids
        elif table == "signatures":
            where, params = f"record_type = 'audit' AND record_id IN ({marks})", audit_ids
        else:
            where, params = f"audit_id IN ({marks})", audit_ids
        mine = read(device, f"SELECT * FROM {table} WHERE {where} ORDER BY rowid", params)
        there = {r["id"]: r for r in read(hub, f"SELECT * FROM {table} WHERE {where}", params)}
        assert len(there) == len(mine), (table, len(there), len(mine))
        for row in mine:
            assert there[row["id"]] == row, (table, _differences(row, there[row["id"]]))
    for capa in read(device, "SELECT * FROM capas WHERE origin = ?", (origin,)):
        there = read(hub, "SELECT * FROM capas WHERE id = ?", (capa["id"],))
        assert [capa_row(r) for r in there] == [capa_row(capa)], ("capas", _differences(capa, there[0] if there
                                                                                         else {}))
    names = [r["sha"] for r in read(device, "SELECT sha256 AS sha FROM evidence UNION SELECT thumb_sha256 FROM"
                                            " evidence UNION SELECT drawing_sha256 FROM signatures")
             if r["sha"]]
    for sha in names:
        assert hashlib.sha256(blob(hub_dir, sha).read_bytes()).hexdigest() == sha
    partial = hub_dir / "blobs" / ".partial"
    assert not partial.exists() or not list(partial.iterdir()), "an upload was left half-way on the hub"
    assert backlog(device) == 0
    assert read(device, "SELECT COUNT(*) AS n FROM sync_set_aside")[0]["n"] == 0


def backlog(folder: Path) -> int:
    """Changes made on a site server still waiting for the hub (as fieldaudit.sync.outbox.backlog counts them)."""
    from fieldaudit.sync import tables
    names = [t.name for t in tables.TABLES if t.direction != tables.DOWN]
    return read(folder, f"SELECT COUNT(*) AS n FROM changes WHERE pushed_at IS NULL AND source IS NULL AND tbl IN"
                        f" ({', '.join('?' * len(names))})", names)[0]["n"]


def _differences(mine: dict, theirs: dict) -> dict:
    return {k: (v, theirs.get(k)) for k, v in mine.items() if theirs.get(k) != v}


def capa_row(row: dict) -> dict:
    """A CAPA row to compare across servers: its field stamps as data (key order in the JSON text may differ)."""
    return {**row, "field_stamps": json.loads(row["field_stamps"] or "{}")}
