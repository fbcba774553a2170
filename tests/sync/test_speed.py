"""What the sync's speed work must not break, and what it must keep doing (no timings here: bench/bench_sync.py)."""
import hashlib
from datetime import timedelta

from fieldaudit import db as dbm
from fieldaudit import ids, settings
from fieldaudit.sync import client, devices, hub as hubside, outbox
from tests.sync.helpers import field_audit, jpeg

CHECK = "http://hub.test/sync/v1/blobs/check"


def _headers(device):
    return {"Authorization": f"Bearer {settings.get(device.db, 'hub_token')}", "X-FieldAudit-Protocol": "1"}


def _device_row(hub, device):
    return dbm.query_one(hub["db"], "SELECT * FROM sync_devices WHERE installation_id = ?",
                         (settings.device_id(device.db),))


def test_a_device_calling_again_within_a_minute_is_not_written_unless_a_fact_changed(hub, make_device):
    device = make_device("d1")
    device.sync()
    row = _device_row(hub, device)
    device.sync()
    assert _device_row(hub, device)["updated_at"] == row["updated_at"]  # the second call wrote nothing
    devices.touch(hub["db"], row["id"], app_version="9.9.9")
    assert _device_row(hub, device)["app_version"] == "9.9.9"  # a new version is written at once
    devices.touch(hub["db"], row["id"], clock_offset_ms=(row["clock_offset_ms"] or 0) + 5000)
    assert _device_row(hub, device)["clock_offset_ms"] == (row["clock_offset_ms"] or 0) + 5000
    old = ids.iso(ids.utc_now() - timedelta(seconds=devices.TOUCH_EVERY + 5))
    dbm.execute(hub["db"], "UPDATE sync_devices SET last_seen_at = ? WHERE id = ?", (old, row["id"]))
    device.sync()
    assert _device_row(hub, device)["last_seen_at"] > old  # a minute on, the call is recorded again


def test_a_sync_with_nothing_to_do_writes_only_its_time_on_the_device(hub, make_device):
    device = make_device("d1")
    device.sync()
    cursor = settings.get(device.db, "hub_cursor")
    before = device.db.conn.total_changes
    summary = device.sync()
    assert summary["pushed"] == summary["pulled"] == 0
    assert device.db.conn.total_changes - before == 1  # hub_last_sync, not the unchanged cursor
    assert settings.get(device.db, "hub_cursor") == cursor


def test_the_blob_check_answers_for_many_blobs_in_one_call(hub, make_device):
    device = make_device("d1")
    whole, part = jpeg(1), jpeg(2)
    hub["store"].put(whole)
    sha_whole, sha_part, sha_none = (hashlib.sha256(b).hexdigest() for b in (whole, part, b"never sent"))
    patch = dict(_headers(device), **{"Upload-Offset": "0", "Upload-Length": str(len(part))})
    assert device.http.patch(f"http://hub.test/sync/v1/blobs/{sha_part}", data=part[:100],
                             headers=patch).status_code == 204
    answer = device.http.post(CHECK, json={"blobs": [sha_whole, sha_part, sha_none]}, headers=_headers(device))
    assert answer.status_code == 200
    assert answer.json()["blobs"] == {sha_whole: {"present": True, "offset": len(whole)},
                                      sha_part: {"present": False, "offset": 100},
                                      sha_none: {"present": False, "offset": 0}}


def test_the_blob_check_refuses_bad_names_too_many_and_old_protocols(hub, make_device):
    device = make_device("d1")
    assert device.http.post(CHECK, json={"blobs": ["../../etc/passwd"]}, headers=_headers(device)).status_code == 400
    assert device.http.post(CHECK, json={"shas": []}, headers=_headers(device)).status_code == 400
    assert device.http.post(CHECK, json={"blobs": ["0" * 64] * 1001}, headers=_headers(device)).status_code == 413
    old = dict(_headers(device), **{"X-FieldAudit-Protocol": "0"})
    assert device.http.post(CHECK, json={"blobs": []}, headers=old).status_code == 426


def test_photos_go_up_with_one_check_per_batch_not_one_head_per_photo(hub, make_device, checklist_version):
    device = make_device("d1")
    device.sync()
    field_audit(device, hub["plant"], checklist_version["id"], photos=3)
    calls = _count_calls(device)
    summary = device.sync()
    assert summary["photos"] == 6  # each photo and its thumbnail
    assert calls.get(("HEAD", "/sync/v1/blobs"), 0) == 0 and calls[("POST", "/sync/v1/blobs/check")] == 1
    for sha in dbm.query(device.db, "SELECT sha256 FROM evidence"):
        assert hub["store"].verify(sha["sha256"])


def test_a_hub_without_the_blob_check_gets_a_head_per_photo_and_the_photos_arrive(hub, make_device,
                                                                                  checklist_version):
    device = make_device("d1")
    device.sync()
    field_audit(device, hub["plant"], checklist_version["id"], photos=2)
    calls = _count_calls(device, refuse="/sync/v1/blobs/check")
    summary = device.sync()
    assert summary["photos"] == 4 and summary["set_aside"] == 0
    assert calls[("HEAD", "/sync/v1/blobs")] == 4 and calls[("POST", "/sync/v1/blobs/check")] == 1
    for sha in dbm.query(device.db, "SELECT sha256 FROM evidence"):
        assert hub["store"].verify(sha["sha256"])


def _count_calls(device, refuse=None) -> dict:
    """Count the requests a device sends by method and path; answer `refuse` as an older hub does."""
    calls, original = {}, device.transport._call

    def counting(request, body):
        path = request.path_url.split("?")[0]
        key = (request.method, "/sync/v1/blobs" if path.startswith("/sync/v1/blobs/") and
               not path.endswith("/check") else path)
        calls[key] = calls.get(key, 0) + 1
        if path == refuse:
            return _older_hub(device, request)
        return original(request, body)

    device.transport._call = counting
    return calls


def _older_hub(device, request):
    """A hub from before the call answers a POST to /blobs/check as any unknown POST (400: no form token)."""
    with device.transport.app.test_client() as test:
        return test.open("/sync/v1/blobs/" + "0" * 64, method="POST",
                         headers={k: request.headers[k] for k in ("Authorization", "X-FieldAudit-Protocol")})


def test_one_change_twice_in_a_batch_is_applied_once(hub, make_device, checklist_version):
    device = make_device("d1")
    device.sync()
    field_audit(device, hub["plant"], checklist_version["id"], submit=False)
    batch = [outbox.row_of(c) for c in outbox.pending(device.db)]
    dev = devices.authenticate(hub["db"], settings.get(device.db, "hub_token"))
    answer = hubside.receive(hub["db"], dev, None, batch + batch[:3], hub["store"])
    assert [r.get("repeat") for r in answer["results"][-3:]] == [True, True, True]
    assert dbm.scalar(hub["db"], "SELECT COUNT(*) FROM changes WHERE id IN (?, ?, ?)",
                      [c["id"] for c in batch[:3]]) == 3


def test_batches_are_cut_by_size_as_well_as_count():
    big = {"data": "x" * (client.BATCH_BYTES // 3), "base": None}
    assert len(client._sized([dict(big) for _ in range(5)])) == 2
    assert len(client._sized([{"data": "x" * (client.BATCH_BYTES * 2), "base": None}])) == 1  # never empty
