"""Migration 0027 on an existing database: jobs gain progress and lease columns; a job left running by the old
code (no lease) reads as interrupted, a finished one is untouched."""
from fieldaudit import db as dbm
from fieldaudit import jobs


def test_jobs_of_an_existing_database_survive_the_upgrade(tmp_path):
    db = dbm.connect(tmp_path / "old.sqlite3")
    dbm.migrate(db, target=26)
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO users (id, username, display_name, password_hash, password_changed_at, created_at, updated_at, origin)"
                        " VALUES ('U1', 'u', 'U', 'x', 'x', 'x', 'x', 'o')")
        for job_id, state in (("J1", "running"), ("J2", "done")):
            db["jobs"].insert({"id": job_id, "kind": "k", "title": "t", "filename": "f.pdf", "requested_by": "U1",
                               "state": state, "created_at": "2026-01-01T00:00:00.000Z"})
    assert dbm.migrate(db) == [n for n, _, _ in dbm.migrations() if n > 26]
    assert {"progress_done", "progress_total", "progress_message", "runner", "lease_until"} <= set(
        db["jobs"].columns_dict)
    assert jobs.get(db, "J1", "U1")["status"] == "interrupted"
    assert jobs.get(db, "J2", "U1")["status"] == "done"
    db.conn.close()
