"""The restore drill of docs/OPERATIONS.md: `pg_dump` of a hub with a submitted audit → `pg_restore` into a new
database → `fieldaudit verify` says OK; the same dump restored with one answer altered behind the triggers' back
is caught (exit 1), so the drill can fail."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]


def tool(pg_server, name: str) -> str:
    """pg_dump / pg_restore of the server's own version (initdb may be a link on PATH to its versioned folder)."""
    beside = (pg_server.bin_dir / "initdb").resolve().parent / name
    found = beside if beside.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found beside {pg_server.bin_dir} nor on PATH (Debian package postgresql-client)")
    return str(found)


def verify(app, url) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAUDIT_")}
    env.update(PYTHONPATH=str(ROOT), FIELDAUDIT_DATA_DIR=str(app.config["DATA_DIR"]), FIELDAUDIT_DATABASE_URL=url,
               FIELDAUDIT_MODE="hub")
    return subprocess.run([sys.executable, "-m", "fieldaudit.cli", "verify"], env=env, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def restore(pg_server, dump: Path, name: str) -> str:
    pg_server.admin(f"CREATE DATABASE {name}")
    subprocess.run([tool(pg_server, "pg_restore"), "--no-owner", f"--dbname={pg_server.url(name)}",
                    str(dump)], check=True, capture_output=True, text=True, timeout=300)
    return pg_server.url(name)


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_dump_restore_verify(app, submitted, pg_server, tmp_path, engine):
    dump = tmp_path / "hub.dump"
    subprocess.run([tool(pg_server, "pg_dump"), "--format=custom", f"--file={dump}",
                    app.config["DATABASE_URL"]], check=True, capture_output=True, text=True, timeout=300)
    names = [f"restored_ok_{os.getpid()}", f"restored_bad_{os.getpid()}"]
    try:
        good = verify(app, restore(pg_server, dump, names[0]))
        assert good.returncode == 0, good.stdout + good.stderr
        assert good.stdout.startswith("OK:") and "audit" in good.stdout

        altered = restore(pg_server, dump, names[1])
        with psycopg.connect(altered, autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")  # a superuser switching the triggers off
            changed = conn.execute("UPDATE answers SET value = '\"0\"' WHERE audit_id = %s"
                                   " AND id = (SELECT MIN(id) FROM answers WHERE audit_id = %s)",
                                   (submitted["id"], submitted["id"])).rowcount
        assert changed == 1
        bad = verify(app, altered)
        assert bad.returncode == 1 and "ALTERED" in bad.stderr, bad.stdout + bad.stderr
    finally:
        for name in names:
            pg_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
