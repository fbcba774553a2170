"""The protocol version policy (sync/versions.py): the hub serves the current and the previous version, tells
a device on any other which side to upgrade (426), and the device loses nothing meanwhile. "0" and "2" are fake
versions: the hub is made to speak "2" to see "1" served as the previous one."""
import pytest

from fieldaudit import db as dbm
from fieldaudit.refusal import Refusal
from fieldaudit.sync import client, outbox, versions
from tests.sync.helpers import field_audit


def test_the_policy_serves_the_current_and_the_previous_version_only():
    assert versions.accepted("1") == ("1",)  # there never was a protocol 0
    assert versions.accepted("2") == ("2", "1")
    assert versions.accepted("3") == ("3", "2")
    assert versions.check("2", "2") is None
    assert "upgrade FieldAudit on this device" in versions.check("1", "2")
    with pytest.raises(Refusal) as old:
        versions.check("1", "3")
    assert old.value.status == 426 and "Upgrade FieldAudit on this device" in old.value.message
    with pytest.raises(Refusal) as new:
        versions.check("2", "1")
    assert new.value.status == 426 and "Upgrade FieldAudit on the hub" in new.value.message
    for nonsense in ("", "x", "1.0"):
        with pytest.raises(Refusal):
            versions.check(nonsense, "1")


def _speaking(monkeypatch, version):
    monkeypatch.setattr(client, "PROTOCOL_VERSION", version)


def _on_hub(hub, audit_id):
    return dbm.scalar(hub["db"], "SELECT COUNT(*) FROM audits WHERE id = ?", (audit_id,))


@pytest.mark.parametrize("fake, who", [("0", "on this device"), ("2", "on the hub")])
def test_a_device_the_hub_cannot_serve_is_told_which_side_to_upgrade_and_loses_nothing(
        hub, make_device, checklist_version, monkeypatch, fake, who):
    device = make_device("d1")
    device.sync()  # the reference data first
    audit = field_audit(device, hub["plant"], checklist_version["id"], photos=1)
    waiting = outbox.backlog(device.db)
    _speaking(monkeypatch, fake)
    with pytest.raises(Refusal) as refused:
        device.sync()
    assert refused.value.status == 426 and f"Upgrade FieldAudit {who}" in refused.value.message
    assert outbox.backlog(device.db) == waiting and _on_hub(hub, audit["id"]) == 0
    _speaking(monkeypatch, versions.CURRENT)  # upgraded
    device.sync()
    assert outbox.backlog(device.db) == 0 and _on_hub(hub, audit["id"]) == 1


def test_a_hub_a_version_ahead_still_serves_the_previous_one_and_asks_for_the_upgrade(
        hub, make_device, checklist_version, monkeypatch):
    device = make_device("d1")
    device.sync()  # the reference data first
    audit = field_audit(device, hub["plant"], checklist_version["id"])
    monkeypatch.setattr(versions, "CURRENT", "2")  # the hub ships protocol 2; the device still speaks 1
    device.sync()
    assert outbox.backlog(device.db) == 0 and _on_hub(hub, audit["id"]) == 1
    token = dbm.scalar(device.db, "SELECT value FROM settings WHERE key = 'hub_token'")
    answer = device.http.get("http://hub.test/sync/v1/pull", headers={
        "Authorization": f"Bearer {token}", "X-FieldAudit-Protocol": "1"})
    assert answer.status_code == 200 and answer.headers["X-FieldAudit-Protocol"] == "2"
    assert "upgrade FieldAudit on this device" in answer.headers["X-FieldAudit-Upgrade"]
    old = device.http.get("http://hub.test/sync/v1/pull", headers={
        "Authorization": f"Bearer {token}", "X-FieldAudit-Protocol": "0"})
    assert old.status_code == 426 and "Upgrade FieldAudit on this device" in old.json()["message"]
    current = device.http.get("http://hub.test/sync/v1/pull", headers={
        "Authorization": f"Bearer {token}", "X-FieldAudit-Protocol": "2"})
    assert current.status_code == 200 and "X-FieldAudit-Upgrade" not in current.headers
