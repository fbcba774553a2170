"""The sync status in the header, the Sync screen's guards, set-aside review and discard, the hub's fleet view."""
import json

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids, settings
from fieldaudit.refusal import Refusal
from fieldaudit.sync import devices, fleet, review, status
from tests.factories import Auth, add_role, make_user


def signed_in(app, username):
    client = app.test_client()
    auth = Auth(client)
    assert auth.login(username).status_code == 303
    return auth


def pretend_paired(db, *sites):
    """A site server paired with a hub for these sites (the screens only read the link)."""
    for key, value in (("hub_url", "http://127.0.0.1:9"), ("hub_token", "t"), ("hub_device_id", "DEV"),
                       ("hub_site_ids", ",".join(s["id"] for s in sites))):
        settings.put(db, key, value)


def set_aside_change(db, site, *, table="capas", data=None, reason="stale state command"):
    change_id = ids.new_id()
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO changes (id, tbl, row_key, op, data, hlc, site_id, pushed_at)"
                        " VALUES (?, ?, ?, 'update', ?, ?, ?, ?)",
                    (change_id, table, ids.new_id(), json.dumps(data or {"title": "Guard fixed"}), 1 << 40,
                     site["id"] if site else None, ids.now_iso()))
        seq = dbm.scalar(db, "SELECT seq FROM changes WHERE id = ?", (change_id,))
        dbm.execute(db, "INSERT INTO sync_set_aside (change_id, seq, tbl, row_key, op, status, reason, set_aside_at)"
                        " VALUES (?, ?, ?, 'k', 'update', 'refused', ?, ?)", (change_id, seq, table, reason,
                                                                              ids.now_iso()))
    return change_id


@pytest.fixture
def mixed(db, plant):
    """Mo: quality manager at PLTB, operator at PLTA; the device serves both."""
    mo = make_user(db, "mo", "quality_manager", plant["b"])
    add_role(db, mo, "operator", plant["a"])
    pretend_paired(db, plant["a"], plant["b"])
    return mo


def test_the_header_shows_the_sync_state_to_everyone_and_links_the_screen_for_managers(app, db, plant):
    pretend_paired(db, plant["a"])
    settings.put(db, "hub_last_sync", "2026-12-01T10:00:00Z")
    set_aside_change(db, plant["a"])
    operator = signed_in(app, "op.a").client.get("/").get_data(as_text=True)
    assert "Synced 2026-12-01 11:00" in operator and "1 set aside" in operator  # Berlin time of the site
    assert 'href="/sync/"' not in operator
    manager = signed_in(app, "qm.a").client.get("/").get_data(as_text=True)
    assert 'href="/sync/"' in manager


def test_a_problem_replaces_the_last_sync_in_the_header(app, db, plant):
    pretend_paired(db, plant["a"])  # nothing listens on port 9
    with pytest.raises(Refusal):
        status.run(db, None, sleep=lambda s: None)
    assert json.loads(settings.get(db, "sync_problem"))["kind"] == "unreachable"
    page = signed_in(app, "op.a").client.get("/").get_data(as_text=True)
    assert "Hub unreachable" in page


def test_who_may_open_the_sync_screen_and_press_sync_now(app, db, plant, mixed):
    assert signed_in(app, "qm.a").client.get("/sync/").status_code == 200
    assert signed_in(app, "mo").client.get("/sync/").status_code == 200  # a manager at one of the device's sites
    assert signed_in(app, "aud.a").client.get("/sync/").status_code == 403
    auditor = signed_in(app, "aud.a")
    assert auditor.post("/sync/run").status_code == 403
    assert signed_in(app, "qm.a").client.post("/sync/run", data={}).status_code == 400  # no CSRF token


def test_no_role_at_the_device_sites_is_a_404_and_a_standalone_server_has_no_sync_screen(app, db, plant, site_c):
    pretend_paired(db, plant["a"])
    stranger = make_user(db, "qm.c", "quality_manager", site_c)
    assert stranger and signed_in(app, "qm.c").client.get("/sync/").status_code == 404
    settings.put(db, "hub_url", "")
    with dbm.transaction(db):
        dbm.execute(db, "DELETE FROM settings WHERE key = 'hub_url'")
    assert signed_in(app, "qm.a").client.get("/sync/").status_code == 404


def test_set_aside_changes_are_listed_with_what_who_when_and_why(app, db, plant):
    pretend_paired(db, plant["a"])
    set_aside_change(db, plant["a"], data={"title": "Guard fixed", "updated_by": plant["qm"]["id"]},
                     reason="CAPA is closed at the hub")
    html = signed_in(app, "qm.a").client.get("/sync/set-aside").get_data(as_text=True)
    assert "Guard fixed" in html and plant["qm"]["display_name"] in html and "CAPA is closed at the hub" in html
    assert "Discard this change" in html


def test_discarding_is_confirmed_recorded_and_limited_to_the_change_site(app, db, plant, mixed):
    at_a, at_b = set_aside_change(db, plant["a"]), set_aside_change(db, plant["b"])
    mo = signed_in(app, "mo")
    assert mo.post(f"/sync/set-aside/{at_a}/discard", {"confirm": "yes"}).status_code == 403  # operator at A
    unconfirmed = mo.post(f"/sync/set-aside/{at_b}/discard", {})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.get_data(as_text=True)
    assert mo.client.post(f"/sync/set-aside/{at_b}/discard", data={"confirm": "yes"}).status_code == 400  # CSRF
    assert review.get_set_aside(db, at_b)["resolved_at"] is None
    assert mo.post(f"/sync/set-aside/{at_b}/discard", {"confirm": "yes"}).status_code == 303
    row = review.get_set_aside(db, at_b)
    assert row["resolved_by"] == mixed["id"] and row["resolved_at"]
    assert dbm.scalar(db, "SELECT COUNT(*) FROM audit_trail WHERE action = 'sync.change_discarded'"
                          " AND payload LIKE ?", (f"%{at_b}%",)) == 1
    assert mo.post(f"/sync/set-aside/{at_b}/discard", {"confirm": "yes"}).status_code == 404  # gone from the list
    assert review.get_set_aside(db, at_a)["resolved_at"] is None


def test_the_hub_shows_a_device_conflicts_to_admins_of_its_sites(app, db, plant):
    app.config["MODE"] = "hub"
    code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
    device, _ = devices.pair(db, code, installation_id="I", name="Line 1")
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO sync_conflicts (id, change_id, device_id, tbl, row_key, field, kept, lost,"
                        " reason, at) VALUES (?, 'c', ?, 'capas', 'x', 'title', 'Kept text', 'Lost text', 'r', ?)",
                    (ids.new_id(), device["id"], ids.now_iso()))
    url = f"/sync/devices/{device['id']}/conflicts"
    page = signed_in(app, "admin.a").client.get(url)
    assert page.status_code == 200 and "Lost text" in page.get_data(as_text=True)
    assert signed_in(app, "qm.a").client.get(url).status_code == 403
    make_user(db, "admin.b", "admin", plant["b"])
    assert signed_in(app, "admin.b").client.get(url).status_code == 404
    fleet_page = signed_in(app, "admin.a").client.get("/admin/devices").get_data(as_text=True)
    assert "1 conflict" in fleet_page and "never synced" in fleet_page


def test_the_fleet_puts_devices_with_problems_first(db, plant):
    made = []
    for name in ("Fine", "Troubled", "Gone"):
        code = devices.make_code(db, [plant["a"]["id"]], by=plant["group_admin"]["id"])
        made.append(devices.pair(db, code, installation_id=name, name=name, app_version="0.1.0")[0])
    fleet.record_report(db, made[0]["id"], {"backlog": 0, "set_aside": 0})
    fleet.record_report(db, made[1]["id"], {"backlog": 12, "set_aside": 2, "photos_waiting": 3})
    fleet.record_report(db, made[2]["id"], {"backlog": 0})
    devices.revoke(db, made[2]["id"], by=plant["group_admin"]["id"])
    shown = fleet.fleet(db, devices.list_devices(db))
    assert [d["name"] for d in shown] == ["Troubled", "Fine", "Gone"]
    assert shown[0]["problems"] == ["2 set aside"] and shown[0]["backlog"] == 12 and shown[0]["photos_waiting"] == 3
    assert fleet.parse_report({"X-FieldAudit-Backlog": "7", "X-FieldAudit-Set-Aside": "x"}) == {"backlog": 7}
