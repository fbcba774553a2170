"""The faults of issue 14 that the in-process transport can make, each with what must hold afterwards."""
import gzip
import hashlib
import json

import pytest

from fieldaudit import db as dbm
from fieldaudit import settings
from fieldaudit.refusal import Refusal
from fieldaudit.sync import client, devices, hub as hubside, outbox
from tests.sync.helpers import field_audit, jpeg, rows
from tests.sync.transport import Faults

# The hub on PostgreSQL too (devices stay on SQLite); that variant runs with the slow tests.
pytestmark = pytest.mark.both_engines(slow=True)

FIELD_TABLES = ("audits", "answers", "findings", "evidence", "signatures", "audit_trail")


def same_field_records(hub_db, device_db):
    for table in FIELD_TABLES:
        here = rows(device_db, table)
        assert here or table == "evidence", table
        if not here:
            continue
        ids_ = tuple(r["id"] for r in here)
        there = rows(hub_db, table, f"id IN ({','.join('?' * len(ids_))})", ids_)
        assert there == here, table


def test_the_same_batch_twice_and_an_old_batch_after_a_newer_one_apply_once(hub, make_device, checklist_version):
    device = make_device("d1")
    device.sync()
    field_audit(device, hub["plant"], checklist_version["id"])
    batch = [outbox.row_of(c) for c in outbox.pending(device.db)]
    dev = devices.authenticate(hub["db"], settings.get(device.db, "hub_token"))
    first = hubside.receive(hub["db"], dev, None, batch[:10], hub["store"])
    later = hubside.receive(hub["db"], dev, None, batch[10:], hub["store"])
    count = dbm.scalar(hub["db"], "SELECT COUNT(*) FROM changes")
    again = hubside.receive(hub["db"], dev, None, batch[:10], hub["store"])  # the old batch, late and again
    assert [r["status"] for r in again["results"]] == [r["status"] for r in first["results"]]
    assert all(r.get("repeat") for r in again["results"])
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM changes") == count
    assert {r["status"] for r in first["results"] + later["results"]} == {"applied"}
    device.sync()
    same_field_records(hub["db"], device.db)


def test_the_same_change_id_with_other_content_is_refused_409_and_the_original_stays(hub, make_device,
                                                                                   checklist_version):
    device = make_device("d1")
    device.sync()
    audit = field_audit(device, hub["plant"], checklist_version["id"], submit=False)
    device.sync()
    change = outbox.row_of(dbm.query_one(device.db, "SELECT * FROM changes WHERE tbl = 'audits' AND op = 'insert'"))
    dev = devices.authenticate(hub["db"], settings.get(device.db, "hub_token"))
    forged = dict(change, data=dict(change["data"], auditees="someone else"))
    result = hubside.receive(hub["db"], dev, None, [forged], hub["store"])["results"][0]
    assert result["code"] == 409 and "already used" in result["reason"]
    assert dbm.scalar(hub["db"], "SELECT auditees FROM audits WHERE id = ?", (audit["id"],)) == audit["auditees"]


def test_a_lost_answer_after_commit_then_a_hub_restart_is_retried_without_duplicates(hub, make_device,
                                                                                   checklist_version):
    device = make_device("d1")
    device.sync()
    field_audit(device, hub["plant"], checklist_version["id"], photos=2)
    device.transport.faults.script = ["lose_answer", "restart", "lose_answer", "duplicate", "cut", "drop"]
    device.sync()
    device.sync()
    assert outbox.backlog(device.db) == 0
    same_field_records(hub["db"], device.db)
    received = dbm.scalar(hub["db"], "SELECT COUNT(*) FROM sync_received")
    assert received == dbm.scalar(device.db, "SELECT COUNT(*) FROM changes WHERE pushed_at IS NOT NULL")


@pytest.mark.slow
def test_a_week_offline_500_changes_and_40_photos_arrive_whole_through_a_flaky_network(hub, make_device,
                                                                                       checklist_version):
    device = make_device("d1", faults=Faults(rate=0.25, seed=7, kinds=("drop", "lose_answer", "cut", "duplicate")))
    device.sync()
    made = [field_audit(device, hub["plant"], checklist_version["id"], photos=4 if n < 10 else 0, seed=n)
            for n in range(30)]
    assert outbox.backlog(device.db) >= 500
    for _ in range(6):
        try:
            device.sync()
            break
        except Refusal as exc:  # five failed attempts in a row: the next sync goes on where this one stopped
            assert exc.status == 503
    assert outbox.backlog(device.db) == 0
    same_field_records(hub["db"], device.db)
    shas = {r["sha256"] for r in rows(device.db, "evidence")}
    assert len(shas) == 40 and all(hub["store"].verify(s) for s in shas)
    assert not list((hub["store"].root / ".partial").glob("*"))
    assert len(made) == 30


def test_a_change_for_a_site_the_device_does_not_serve_is_403_and_nothing_of_the_batch_applies(
        hub, make_device, checklist_version):
    device = make_device("d1")
    device.sync()
    audit = field_audit(device, hub["plant"], checklist_version["id"], submit=False)
    batch = [outbox.row_of(c) for c in outbox.pending(device.db)]
    stray = dict(batch[0], id="01JSTRAYCHANGE000000000000", key="01JSTRAYAUDIT0000000000000",
                 data=dict(batch[0]["data"], id="01JSTRAYAUDIT0000000000000", number="AUD-PLTB-9999",
                           site_id=hub["plant"]["b"]["id"]))
    dev = devices.authenticate(hub["db"], settings.get(device.db, "hub_token"))
    with pytest.raises(Refusal) as refused:
        hubside.receive(hub["db"], dev, None, batch + [stray], hub["store"])
    assert refused.value.status == 403
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM audits WHERE id = ?", (audit["id"],)) == 0
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM sync_received") == 0
    # Through the client: the stray one is set aside, every other change goes up.
    outbox.log(device.db, "audits", stray["key"], "insert", stray["data"])
    summary = device.sync()
    assert summary["set_aside"] == 1
    assert [r["row_key"] for r in client.set_aside(device.db)] == [stray["key"]]
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM audits WHERE id = ?", (audit["id"],)) == 1


def test_a_refused_change_is_set_aside_and_does_not_block_the_changes_behind_it(hub, make_device,
                                                                               checklist_version):
    device = make_device("d1")
    device.sync()
    audit = field_audit(device, hub["plant"], checklist_version["id"], submit=False)
    dbm.execute(device.db, "UPDATE audits SET origin = 'someone-else' WHERE id = ?", (audit["id"],))
    field_audit(device, hub["plant"], checklist_version["id"])
    summary = device.sync()
    assert summary["set_aside"] == 1
    aside = client.set_aside(device.db)
    assert aside[0]["tbl"] == "audits" and "cannot change" in aside[0]["reason"]
    assert outbox.backlog(device.db) == 0
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM audits") == 2
    assert device.sync()["set_aside"] == 0  # never retried


def test_photo_bytes_that_do_not_match_their_hash_are_refused_and_never_visible(hub, make_device):
    device = make_device("d1")
    data = jpeg(1)
    wrong = hashlib.sha256(b"something else").hexdigest()
    http = device.http
    headers = {"Authorization": f"Bearer {settings.get(device.db, 'hub_token')}", "X-FieldAudit-Protocol": "1",
               "Upload-Offset": "0", "Upload-Length": str(len(data))}
    answer = http.patch(f"http://hub.test/sync/v1/blobs/{wrong}", data=data, headers=headers)
    assert answer.status_code == 422 and "do not match" in answer.json()["message"]
    assert not hub["store"].exists(wrong)
    assert http.head(f"http://hub.test/sync/v1/blobs/{wrong}", headers=headers).headers["Upload-Offset"] == "0"


def test_an_upload_cut_midway_resumes_at_the_hubs_offset(hub, make_device):
    device = make_device("d1")
    data = jpeg(2, size=(900, 700)) * 3
    sha = hashlib.sha256(data).hexdigest()
    device.store.put(data)
    hubcall = client.Hub(device.db, device.http, sleep=lambda s: None)
    device.transport.faults.script = [None, "cut"]
    old_chunk = client.CHUNK
    client.CHUNK = len(data) // 3 + 1
    try:
        summary = {"photos": 0}
        change = {"tbl": "evidence", "data": json.dumps({"sha256": sha})}
        device.transport.wire = 0
        assert client._upload_blobs(device.db, device.store, hubcall, change, summary) is None
    finally:
        client.CHUNK = old_chunk
    assert hub["store"].verify(sha)
    # Sent: the whole file once, plus the half chunk lost in the cut (and small answers): not from zero again.
    assert device.transport.wire < len(data) * 1.3


def test_an_unknown_protocol_version_is_told_to_upgrade(hub, make_device):
    device = make_device("d1")
    answer = device.http.get("http://hub.test/sync/v1/pull", headers={
        "Authorization": f"Bearer {settings.get(device.db, 'hub_token')}", "X-FieldAudit-Protocol": "0"})
    assert answer.status_code == 426 and "Upgrade FieldAudit" in answer.json()["message"]


def test_a_revoked_device_gets_401_and_keeps_its_outbox(hub, make_device, checklist_version):
    device = make_device("d1")
    device.sync()
    field_audit(device, hub["plant"], checklist_version["id"])
    waiting = outbox.backlog(device.db)
    dev = devices.authenticate(hub["db"], settings.get(device.db, "hub_token"))
    devices.revoke(hub["db"], dev["id"], by=hub["plant"]["group_admin"]["id"])
    with pytest.raises(Refusal) as refused:
        device.sync()
    assert refused.value.status == 401 and "revoked" in refused.value.message
    assert outbox.backlog(device.db) == waiting > 0


def test_gzip_bodies_are_bounded_after_decompression(hub, make_device):
    device = make_device("d1")
    bomb = gzip.compress(b'{"changes": [' + b" " * (17 * 1024 * 1024) + b"]}")
    answer = device.http.post("http://hub.test/sync/v1/push", data=bomb, headers={
        "Authorization": f"Bearer {settings.get(device.db, 'hub_token')}", "X-FieldAudit-Protocol": "1",
        "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert answer.status_code == 413 and len(bomb) < 100_000


def test_a_device_trail_cut_after_a_sync_is_found_by_verify_on_the_device_and_on_the_hub(hub, make_device,
                                                                                        checklist_version):
    from fieldaudit import integrity
    device = make_device("d1")
    device.sync()
    field_audit(device, hub["plant"], checklist_version["id"])
    device.sync()
    assert integrity.verify(device.db, device.store) == []
    assert integrity.verify(hub["db"], hub["store"]) == []
    writer = settings.device_id(device.db)
    last = dbm.scalar(device.db, "SELECT MAX(seq) FROM audit_trail WHERE writer = ?", (writer,))
    dbm.execute(device.db, "DROP TRIGGER audit_trail_undeletable")
    dbm.execute(device.db, "DELETE FROM audit_trail WHERE writer = ? AND seq = ?", (writer, last))
    (device.data / "trail-seal.json").unlink()  # the cut is covered up locally as well as it can be
    assert any("cut after a sync" in p for p in integrity.verify(device.db, device.store))
    dbm.drop_trigger(hub["db"], "audit_trail_append_only", "audit_trail")
    dbm.execute(hub["db"], "UPDATE audit_trail SET hash = ? WHERE writer = ? AND seq = ?", ("0" * 64, writer, last))
    assert any("rewritten" in p for p in integrity.verify(hub["db"], hub["store"]))
