"""The demo plant has a programme worth showing (slow: it loads the whole demo)."""
import pytest

from fieldaudit import db as dbm
from fieldaudit import demo, ids
from fieldaudit.auth import users
from fieldaudit.evidence.blobstore import BlobStore
from fieldaudit.programme import data, people, plans

pytestmark = pytest.mark.slow


def test_demo_programme(db, tmp_path):
    demo.load(db, BlobStore(tmp_path / "blobs"), hash_method="pbkdf2:sha256:1000")
    all_plans = plans.list_plans(db)
    assert len(all_plans) >= 6 and any(p["layer"] for p in all_plans)
    states = {r["state"] for r in data.list_scheduled(db, "2099-01-01", limit=5000) if r["done_on"]}
    assert states == {"done"}
    assert dbm.scalar(db, "SELECT COUNT(*) FROM scheduled_audits WHERE done_on IS NOT NULL") >= 5
    assert dbm.scalar(db, "SELECT COUNT(*) FROM scheduled_audits WHERE missed_reason IS NOT NULL") >= 3
    auditor = users.get_user_by_username(db, "auditor")
    due = data.due_for(db, auditor["id"], data.today_by_site(db, None, ids.utc_now()))
    assert any(r["layer"] == "team_leader" and r["state"] == "due" for r in due)
    records = people.qualifications_of(db, [auditor["id"]])
    assert any(r["expires_on"] and r["expires_on"] < ids.utc_now().date().isoformat() for r in records)
    assert any(w for p in all_plans for w in plans.warnings(db, p, ids.utc_now().date().isoformat()))
    again = demo.load(db, BlobStore(tmp_path / "blobs"), hash_method="pbkdf2:sha256:1000")
    assert again.programme == {"plans": 0}
