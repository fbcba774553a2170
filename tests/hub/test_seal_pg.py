"""The trail seal of a PostgreSQL hub lives in its DATA_DIR (beside the blobs): written after each commit that adds
a trail entry, and checked by verify, which so catches a trail cut back in the database (intact chain, fewer
entries). On SQLite it stays beside the database file."""
import json

import psycopg
import pytest

from fieldaudit import integrity, seal
from fieldaudit.appdb import blob_store_of

pytestmark = pytest.mark.both_engines


def test_the_seal_is_written_in_the_data_folder_and_names_the_trail_head(app, db, submitted, engine):
    path = seal.path_of(db)
    assert path == app.config["DATA_DIR"] / seal.FILENAME
    assert json.loads(path.read_text())["heads"] == seal.heads(db)
    assert seal.check(db) == []


def test_verify_catches_a_trail_cut_back_behind_the_triggers(app, db, submitted, engine):
    if engine == "postgres":
        with psycopg.connect(app.config["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")  # a superuser switching the triggers off
            conn.execute("DELETE FROM audit_trail WHERE seq = (SELECT MAX(seq) FROM audit_trail)")
    else:
        for name in [r[0] for r in db.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_trail'")]:
            db.conn.execute(f"DROP TRIGGER {name}")
        db.conn.execute("DELETE FROM audit_trail WHERE seq = (SELECT MAX(seq) FROM audit_trail)")
    problems = seal.check(db)
    assert len(problems) == 1 and "entries were deleted" in problems[0]
    assert any("entries were deleted" in p for p in integrity.verify(db, blob_store_of(app)))
