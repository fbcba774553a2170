"""Background jobs: recorded in the database, their files kept across a restart, a cut-off job said so, and only
the person who asked sees them; the site summary PDF runs as one."""
import ast
import re
import time
from pathlib import Path

import pytest

from fieldaudit import config, create_app, ids, jobs
from fieldaudit import db as dbm
from fieldaudit.auth import users
from tests.factories import FAST_HASH, Auth, make_site, make_user

from . import pdf_of

ROOT = Path(__file__).resolve().parents[2]


def wait_for(auth, fragment: str) -> str:
    """Poll a job's fragment until it is finished; returns the last fragment."""
    job = re.search(r"/reports/jobs/([0-9A-Z]+)", fragment).group(1)
    deadline = time.monotonic() + 30
    while "hx-get" in fragment:
        assert time.monotonic() < deadline, fragment
        time.sleep(0.05)
        fragment = auth.client.get(f"/reports/jobs/{job}", headers={"HX-Request": "true"}).get_data(as_text=True)
    return fragment


def job_id(fragment: str) -> str:
    return re.search(r"/reports/jobs/([0-9A-Z]+)", fragment).group(1)


def start_summary(auth, site, **dates):
    return auth.post(f"/sites/{site['id']}/summary", dates, htmx=True)


def test_site_summary_as_a_job_gives_the_pdf_to_whoever_asked(auth, plant, tmp_path):
    auth.login("qm.a")
    response = start_summary(auth, plant["a"], **{"from": "2026-01-01", "to": "2026-03-31"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment and "<progress" in fragment
    done = wait_for(auth, fragment)
    assert "summary-PLTA-2026-01-01-2026-03-31.pdf" in done and "Download" in done
    _, texts = pdf_of(auth.client.get(f"/reports/jobs/{job_id(fragment)}/file"), tmp_path)
    assert "PLTA" in texts[0] or "Plant A" in texts[0]
    auth.logout()
    auth.login("admin.a")  # the same site and the report permission, but not the one who asked
    assert auth.client.get(f"/reports/jobs/{job_id(fragment)}").status_code == 404
    assert auth.client.get(f"/reports/jobs/{job_id(fragment)}/file").status_code == 404


def test_site_summary_job_follows_the_site_guard(auth, db, plant):
    """Quality manager at PLTA, operator at PLTB, nothing at PLTC: allowed, 403, 404."""
    other = make_site(db, "PLTC", name="Plant C")
    make_user(db, "mixed", "quality_manager", plant["a"])
    users.add_membership(db, users.get_user_by_username(db, "mixed")["id"], plant["b"]["id"], "operator")
    auth.login("mixed")
    started = start_summary(auth, plant["a"])
    assert started.status_code == 200
    assert start_summary(auth, plant["b"]).status_code == 403
    assert start_summary(auth, other).status_code == 404
    assert dbm.scalar(db, "SELECT COUNT(*) FROM jobs") == 1
    wait_for(auth, started.get_data(as_text=True))  # not left running while the test's database goes away


def test_bad_period_starts_no_job(auth, db, plant):
    auth.login("qm.a")
    assert start_summary(auth, plant["a"], **{"from": "2026-03-01", "to": "2026-01-01"}).status_code == 400
    assert dbm.scalar(db, "SELECT COUNT(*) FROM jobs") == 0


def test_a_finished_job_survives_a_restart(auth, app, plant, tmp_path):
    auth.login("qm.a")
    fragment = start_summary(auth, plant["a"]).get_data(as_text=True)
    wait_for(auth, fragment)
    # A new app on the same data folder is what a restarted server is: it knows the job from the database only.
    restarted = create_app({"DATA_DIR": app.config["DATA_DIR"], "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True,
                            "DATABASE_URL": app.config.get("DATABASE_URL")})
    again = Auth(restarted.test_client())
    again.login("qm.a")
    assert "Download" in again.client.get(f"/reports/jobs/{job_id(fragment)}").get_data(as_text=True)
    pdf_of(again.client.get(f"/reports/jobs/{job_id(fragment)}/file"), tmp_path)


def test_a_job_cut_off_by_a_restart_says_so(auth, db, plant):
    """A job still marked running that no thread of this process runs was interrupted: no spinner forever."""
    auth.login("qm.a")
    with dbm.transaction(db):
        db["jobs"].insert({"id": "CUT", "kind": "site_summary_pdf", "params": "{}", "title": "Summary PLTA",
                           "filename": "summary.pdf", "requested_by": plant["qm"]["id"], "site_id": plant["a"]["id"],
                           "permission": "view_audits", "state": "running", "created_at": ids.now_iso()})
    fragment = auth.client.get("/reports/jobs/CUT", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Interrupted by a restart" in fragment and "ask for it again" in fragment
    assert "hx-get" not in fragment and "<progress" not in fragment
    assert auth.client.get("/reports/jobs/CUT/file").status_code == 404


def test_a_job_is_seen_only_with_the_permission_it_names(auth, db, plant):
    """The asker must still hold the job's permission at its site (roles change): an operator's job is 403."""
    auth.login("op.a")
    with dbm.transaction(db):
        db["jobs"].insert({"id": "OLD", "kind": "audit_pdf", "params": "{}", "title": "Report", "filename": "r.pdf",
                           "requested_by": plant["operator"]["id"], "site_id": plant["a"]["id"],
                           "permission": "view_audits", "state": "done", "file": "OLD.pdf",
                           "created_at": ids.now_iso()})
    assert auth.client.get("/reports/jobs/OLD").status_code == 403
    assert auth.client.get("/reports/jobs/OLD/file").status_code == 403


def test_failed_work_is_reported_and_progress_is_live(app, plant):
    gate = {"go": False}

    def slow(db, progress):
        progress(3, 4, "three of four")
        while not gate["go"]:
            time.sleep(0.01)
        raise RuntimeError("the printer caught fire")

    job = jobs.submit(app.config, "test", {"n": 1}, by=plant["qm"]["id"], site_id=plant["a"]["id"], title="T",
                      filename="t.pdf", work=slow)
    db = dbm.connect(config.database_target(app.config))
    try:
        deadline = time.monotonic() + 5
        while jobs.get(db, job["id"], plant["qm"]["id"])["percent"] != 75:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert jobs.get(db, job["id"], plant["qm"]["id"])["message"] == "three of four"
        assert jobs.get(db, job["id"], plant["auditor"]["id"]) is None
        gate["go"] = True
        while not jobs.get(db, job["id"], plant["qm"]["id"])["finished"]:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        failed = jobs.get(db, job["id"], plant["qm"]["id"])
        assert failed["status"] == "failed" and "the printer caught fire" in failed["error"]
        assert jobs.file_of(app.config, failed) is None
    finally:
        db.conn.close()


def test_upgrade_to_the_jobs_table_keeps_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = dbm.connect(path)
    dbm.migrate(old, target=7)
    assert not old["jobs"].exists()
    old.conn.execute("INSERT INTO sites (id, code, name, timezone, created_at, updated_at, origin)"
                     " VALUES ('S1', 'OLD', 'Old plant', 'Europe/Paris', 'x', 'x', 'dev')")
    old.conn.close()
    upgraded = dbm.connect(path)
    assert 8 in dbm.migrate(upgraded)
    assert upgraded["jobs"].exists() and dbm.scalar(upgraded, "SELECT code FROM sites") == "OLD"
    upgraded.conn.close()


@pytest.mark.parametrize("area", ["capa", "reports"])
def test_no_view_module_imports_another(area):
    """Views import library modules; shared code lives in one both import (house rule)."""
    package = ROOT / "fieldaudit"
    views = {p for p in package.rglob("*.py") if "Blueprint(" in p.read_text(encoding="utf-8")}
    names = {".".join(p.relative_to(ROOT).with_suffix("").parts) for p in views}
    for path in (package / area).glob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = module.rsplit(".", node.level)[0] if node.level else ""
                target = ".".join(filter(None, [base, node.module]))
                targets = {target} | {f"{target}.{alias.name}" for alias in node.names}
                assert not (targets & names) - {module}, (module, targets & names)
