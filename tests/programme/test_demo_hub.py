"""`fieldaudit demo --hub`: a plan head office makes on the hub reaches the paired plant with its scheduled audits."""
from fieldaudit import appdb, demo
from fieldaudit import db as dbm
from fieldaudit.demo import history
from fieldaudit.demo import hub as demo_hub
from fieldaudit.demo import programme as demo_programme
from fieldaudit.programme import daily
from tests.factories import FAST_HASH


def test_the_hubs_plan_is_on_the_hub_and_on_the_plant(app, db, tmp_path):
    demo.seed(db, hash_method=FAST_HASH)
    history.publish_shipped(db)
    lines = []
    demo_hub.seed_hub(db, appdb.blob_store_of(app), tmp_path / "demo-hub", hash_method=FAST_HASH, echo=lines.append)
    title = demo_programme.HUB_PLAN[1]
    assert any(title in line for line in lines)
    hub_db = dbm.connect(tmp_path / "demo-hub" / "fieldaudit.sqlite3")
    try:
        plan_id = dbm.scalar(hub_db, "SELECT id FROM audit_plans WHERE title = ?", (title,))
        on_hub = dbm.query(hub_db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY id", (plan_id,))
        assert len(on_hub) >= 2
        assert dbm.scalar(db, "SELECT title FROM audit_plans WHERE id = ?", (plan_id,)) == title
        assert dbm.query(db, "SELECT * FROM scheduled_audits WHERE plan_id = ? ORDER BY id", (plan_id,)) == on_hub
        assert daily.run_due(db, daily.ids.utc_now()) == []  # the paired plant leaves generation to the hub
    finally:
        hub_db.conn.close()
