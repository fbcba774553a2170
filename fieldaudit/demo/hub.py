"""The demo's head office (`fieldaudit demo --hub`): a hub in a second data folder beside the plant's, the plant
paired with it as a device, one real sync through that hub on loopback, and a set-aside change and a conflict.

The hub starts as head office's copy of what the plant holds (a SQLite backup of the plant's database and its
photos), as if the plant had synced all along: the plant's outbox so far is marked sent and its pull cursor set to
the end of the hub's log. After pairing, the plant and the hub each change two CAPA, and one sync shows the result:
the same field edited on both sides (merged by clock, the other text kept in the CAPA's history and recorded as a
conflict on the hub) and a state command made on the plant after the hub had moved that CAPA (set aside on the
plant, shown on its Sync screen).
"""
import os
import shutil
import sqlite3
import threading
from pathlib import Path

from .. import config as configuration
from .. import db as dbm
from .. import ids, settings
from ..capa import commands
from ..capa.data import create_capa, get_capa, save_fields
from ..evidence.blobstore import BlobStore
from ..sync import devices, link, status
from . import programme

HUB_PORT = 8001
HUB_URL = f"http://127.0.0.1:{HUB_PORT}"


def _copy_folder(db, source: Path, folder: Path) -> None:
    """The hub's database (an online backup) and photos (hard links where the file system allows)."""
    folder.mkdir(mode=0o700, parents=True)
    target = sqlite3.connect(configuration.database_path({"DATA_DIR": folder}))
    with target:
        db.conn.backup(target)
    target.close()
    for name in ("trail-seal.json",):
        if (source / name).exists():
            shutil.copy2(source / name, folder / name)
    blobs = source / "blobs"
    if blobs.is_dir():
        shutil.copytree(blobs, folder / "blobs", copy_function=_link_or_copy)


def _link_or_copy(src, dst):
    try:
        return os.link(src, dst)
    except OSError:
        return shutil.copy2(src, dst)


def seed_hub(db, store: BlobStore, folder: Path, *, hash_method: str = "scrypt", echo=lambda line: None) -> dict:
    """Make the hub in `folder`, pair this plant with it and sync once; nothing when already paired."""
    import waitress
    from waitress import wasyncore

    from .. import create_app

    if settings.get(db, "hub_url") or (folder / "fieldaudit.sqlite3").exists():
        return {}
    site = dbm.query_one(db, "SELECT * FROM sites WHERE code = 'PLT1'")
    qm = dbm.query_one(db, "SELECT * FROM users WHERE username = 'quality'")
    group = dbm.query_one(db, "SELECT * FROM users WHERE username = 'groupqm'")
    merged = create_capa(db, site=site, title="Forklift horn too quiet in bay 4", by=qm["id"], severity="minor")
    stale = create_capa(db, site=site, title="Label printer skips serial numbers", by=qm["id"], severity="minor",
                        owner_id=qm["id"])
    source = Path(db.conn.execute("PRAGMA database_list").fetchone()[2]).parent
    _copy_folder(db, source, folder)
    with dbm.transaction(db):  # the hub holds all of it already
        dbm.execute(db, "UPDATE changes SET pushed_at = ? WHERE pushed_at IS NULL", (ids.now_iso(),))
    hub_app = create_app({"DATA_DIR": str(folder), "MODE": "hub", "PASSWORD_HASH_METHOD": hash_method})
    hub_db = dbm.connect(configuration.database_path(hub_app.config))
    server = waitress.create_server(hub_app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, name="demo-hub", daemon=True)
    thread.start()
    try:
        with dbm.transaction(hub_db):  # head office is another installation: its own id
            dbm.execute(hub_db, "DELETE FROM settings WHERE key = 'device_id'")
        settings.device_id(hub_db)
        cursor = dbm.scalar(hub_db, "SELECT COALESCE(MAX(seq), 0) FROM changes")
        sites = [r["id"] for r in dbm.query(db, "SELECT id FROM sites ORDER BY code")]
        code = devices.make_code(hub_db, sites, by=dbm.scalar(hub_db, "SELECT id FROM users WHERE username = 'admin'"))
        link.pair_with_hub(db, f"http://127.0.0.1:{server.effective_port}", code, name="Riverside site server")
        settings.put(db, "hub_cursor", str(cursor))
        # Head office edits the same field and moves the other CAPA; then the plant does both while offline.
        save_fields(hub_db, get_capa(hub_db, merged["id"]), {"description": "Head office: horn to be replaced "
                                                                            "on every forklift of the group."},
                    group["id"])
        commands.transition(hub_db, stale["id"], "rejected", expected_state="open", by=group["id"],
                            command_id=ids.new_id(), reason="Duplicate of the label printer CAPA at Lakeside")
        save_fields(db, get_capa(db, merged["id"]), {"description": "Plant: horn in bay 4 measured at 78 dB, "
                                                                   "below the 85 dB the site rule asks."}, qm["id"])
        commands.transition(db, stale["id"], "containment", expected_state="open", by=qm["id"],
                            command_id=ids.new_id())
        planned = programme.seed_hub_plan(hub_db)  # head office plans; this sync brings it to the plant
        summary = status.run(db, store, sleep=lambda seconds: None)
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=10)
        hub_db.conn.close()
    settings.put(db, "hub_url", HUB_URL)  # where `fieldaudit serve` of the hub folder listens (README)
    echo(f"Hub: head office in {folder}, this plant paired with it; one sync pushed {summary['pushed']} and "
         f"pulled {summary['pulled']} changes, {summary['set_aside']} set aside, {summary['conflicts']} conflict(s).")
    if planned:
        echo(f"Programme: head office planned “{planned['title']}” ({planned['scheduled']} scheduled audits);"
             " the sync brought it here. The hub generates the programme daily; this paired plant does not.")
    echo(f"  Start it with: FIELDAUDIT_MODE=hub fieldaudit --data-dir {folder} serve --port {HUB_PORT}")
    return summary
