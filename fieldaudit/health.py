"""The health check behind /healthz: database reachable, migrations current, blob store writable (no Flask).

Each check answers "ok" or a short, fixed reason; no path, address or exception text leaves this module, because
/healthz is public (a load balancer or a monitoring script calls it without signing in).
"""
from collections.abc import Callable

from . import db as dbm

OK = "ok"
# A balancer's probe must get an answer within its own timeout (often 5 s): with PostgreSQL down, waiting the
# pool's 30 s for a connection would read as "hub hung" rather than "database unreachable".
DATABASE_WAIT = 3


def migrations_state(db) -> str:
    """"ok" when every migration this code knows is applied, else "pending" or "newer than this FieldAudit"."""
    if not db["schema_version"].exists():
        return "pending"
    applied = {row["version"] for row in dbm.query(db, "SELECT version FROM schema_version")}
    known = {number for number, _, _ in dbm.migrations()}
    if applied - known and max(applied) > max(known):
        return "newer than this FieldAudit"
    return OK if known <= applied else "pending"


def report(open_db: Callable[[], object], blobs) -> dict:
    """{"status": "ok" | "failing", "checks": {name: "ok" | reason}, "failed": [names]}."""
    checks = {}
    db = None
    try:
        db = open_db()
        dbm.scalar(db, "SELECT 1")
        checks["database"] = OK
    except Exception:  # noqa: BLE001 - any failure to reach the store is the answer, whatever its class
        checks["database"] = "unreachable"
    if db is not None and checks["database"] == OK:
        try:
            checks["migrations"] = migrations_state(db)
        except Exception:  # noqa: BLE001
            checks["migrations"] = "unreadable"
    else:
        checks["migrations"] = "unknown"
    try:
        blobs.check_writable()
        checks["blobs"] = OK
    except OSError:
        checks["blobs"] = "not writable"
    failed = [name for name, state in checks.items() if state != OK]
    return {"status": "failing" if failed else OK, "checks": checks, "failed": failed}
