"""`fieldaudit demo --hub`: the plant paired with a real hub in a second folder, synced once, with a set-aside
change and conflicts to show on both sides."""
from fieldaudit import appdb, demo, settings
from fieldaudit import db as dbm
from fieldaudit.demo import hub as demo_hub
from fieldaudit.sync import review
from tests.factories import FAST_HASH, Auth


def test_the_demo_plant_is_paired_with_a_hub_holding_true_data(app, db, tmp_path):
    passwords = demo.seed(db, hash_method=FAST_HASH)
    folder = tmp_path / "demo-hub"
    summary = demo_hub.seed_hub(db, appdb.blob_store_of(app), folder, hash_method=FAST_HASH)
    assert summary["pushed"] >= 3 and summary["conflicts"] == 1
    assert settings.get(db, "hub_url") == demo_hub.HUB_URL and settings.get(db, "hub_last_sync")
    hub_db = dbm.connect(folder / "fieldaudit.sqlite3")
    try:
        assert dbm.scalar(hub_db, "SELECT COUNT(*) FROM users") == dbm.scalar(db, "SELECT COUNT(*) FROM users")
        assert settings.device_id(hub_db) != settings.device_id(db)
        kinds = {(r["field"], r["reason"]) for r in review.conflicts(hub_db, None)}
        assert kinds == {("description", "changed on two devices"), ("state", "stale state command")}
        device = dbm.query_one(hub_db, "SELECT * FROM sync_devices")
        assert device["set_aside"] == 1 and device["backlog"] == 0
    finally:
        hub_db.conn.close()
    [aside] = review.set_aside(db, None)
    assert aside["tbl"] == "capa_commands" and "not applied" in aside["reason"]
    shown = {(c["field"], c["kept"][:5], c["lost"][:5]) for c in review.capa_conflicts(db, None)}
    assert shown == {("description", "Plant", "Head "), ("state", "rejec", "conta")}
    auth = Auth(app.test_client())
    assert auth.login("quality", passwords["quality"]).status_code == 303
    page = auth.client.get("/sync/set-aside").get_data(as_text=True)
    assert "Label printer skips serial numbers" in page and "Forklift horn too quiet in bay 4" in page
    assert demo_hub.seed_hub(db, appdb.blob_store_of(app), folder) == {}  # once


def test_the_demo_runs_again_on_a_paired_plant_and_adds_nothing(app, db, tmp_path):
    demo.seed(db, hash_method=FAST_HASH)
    demo_hub.seed_hub(db, appdb.blob_store_of(app), tmp_path / "demo-hub", hash_method=FAST_HASH)
    again = demo.load(db, appdb.blob_store_of(app), hash_method=FAST_HASH, hub_folder=tmp_path / "demo-hub")
    assert again.passwords == {} and again.hub == {}
