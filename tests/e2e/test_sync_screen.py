"""The Sync screen in a real browser on a plant paired with a hub: the header's link, "Sync now" with its progress
and summary, and a set-aside change discarded after confirming (slow)."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fieldaudit import appdb, config, create_app, demo, settings
from fieldaudit import db as dbm
from fieldaudit.demo import hub as demo_hub

from .harness import FAST_HASH, LiveServer, ServerThread, login

pytestmark = pytest.mark.slow


@pytest.fixture
def paired(tmp_path):
    """The demo plant paired with its demo hub, each behind its own server on loopback."""
    plant = create_app({"DATA_DIR": str(tmp_path / "plant"), "PASSWORD_HASH_METHOD": FAST_HASH})
    db = dbm.connect(config.database_path(plant.config))
    passwords = demo.seed(db, hash_method=FAST_HASH)
    demo_hub.seed_hub(db, appdb.blob_store_of(plant), tmp_path / "hub", hash_method=FAST_HASH)
    hub = ServerThread(create_app({"DATA_DIR": str(tmp_path / "hub"), "MODE": "hub",
                                   "PASSWORD_HASH_METHOD": FAST_HASH}), threads=2)
    settings.put(db, "hub_url", hub.url)
    db.conn.close()
    server = ServerThread(plant, threads=4)
    try:
        yield LiveServer(url=server.url, passwords=passwords, data_dir=Path(plant.config["DATA_DIR"]), app=plant)
    finally:
        server.stop()
        hub.stop()


def test_a_quality_manager_syncs_now_and_discards_the_set_aside_change(paired, page):
    login(page, paired, "quality")
    badge = page.locator("#sync-status")
    expect(badge).to_contain_text("1 set aside")
    with page.expect_navigation():
        badge.click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-summary")).to_contain_text("Synced: pushed", timeout=60_000)
    page.get_by_role("link", name="Set-aside changes and conflicts").click()
    row = page.locator("#set-aside tbody tr").first
    expect(row).to_contain_text("not applied")
    expect(page.locator("#conflicts")).to_contain_text("Forklift horn too quiet in bay 4")
    row.get_by_role("checkbox").check()
    with page.expect_navigation():
        row.get_by_role("button", name="Discard this change").click()
    expect(page.locator("#set-aside")).to_contain_text("Nothing is set aside.")
    expect(page.locator("#sync-status")).not_to_contain_text("set aside")
