"""Exactly-once for replayed changes: Idempotency-Key, X-Made-At, stored responses, per-user keys, expiry."""
import io
from datetime import timedelta

from PIL import Image

from fieldaudit import db as dbm
from fieldaudit import ids, idempotency
from fieldaudit.audits import data as audits
from tests.factories import make_user

KEY = "01JC8Z7Q5X4W3V2T1S0R9P8N7M"
OTHER_KEY = "01JC8Z7Q5X4W3V2T1S0R9P8N7N"


def answer(auth, audit, value, key=KEY, question="torque", **headers):
    return auth.post(f"/audits/{audit['id']}/answers/{question}", {"value": value, "note": ""}, htmx=True,
                     headers={"Idempotency-Key": key, **headers})


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 20, 20)).save(out, "JPEG")
    return out.getvalue()


def test_a_repeat_gets_the_stored_response_and_writes_nothing(auth, db, audit):
    auth.login("aud.a")
    first = answer(auth, audit, "11", **{"X-Made-At": "2026-01-05T08:00:00.000Z"})
    assert first.status_code == 200
    before = dbm.query_one(db, "SELECT * FROM answers WHERE audit_id = ?", (audit["id"],))
    assert before["answered_at"] == "2026-01-05T08:00:00.000Z"
    again = answer(auth, audit, "11", **{"X-Made-At": "2026-01-05T08:00:00.000Z"})
    assert again.status_code == 200
    assert again.headers[idempotency.REPLAYED_HEADER] == "true"
    assert again.get_data() == first.get_data()
    assert dbm.query(db, "SELECT * FROM answers WHERE audit_id = ?", (audit["id"],)) == [before]


def test_a_replay_after_the_token_changed_is_still_the_same_change(auth, db, audit):
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/answers/torque"
    first = auth.client.post(url, data={"value": "11", "note": "", "csrf_token": auth.csrf},
                             headers={"Idempotency-Key": KEY})
    assert first.status_code == 303
    again = auth.client.post(url, data={"value": "11", "note": ""},
                             headers={"Idempotency-Key": KEY, "X-CSRFToken": auth.csrf})
    assert again.status_code == 303 and again.headers[idempotency.REPLAYED_HEADER] == "true"
    assert again.headers["Location"] == first.headers["Location"]


def test_the_same_key_with_a_different_body_is_a_conflict_and_writes_nothing(auth, db, audit):
    auth.login("aud.a")
    assert answer(auth, audit, "11").status_code == 200
    response = answer(auth, audit, "12")
    assert response.status_code == 409
    assert "already used for a different change" in response.get_data(as_text=True)
    assert audits.values(audits.answers_of(db, audit["id"])) == {"torque": 11}


def test_the_same_key_on_another_path_is_a_conflict(auth, db, audit):
    auth.login("aud.a")
    assert answer(auth, audit, "11").status_code == 200
    assert answer(auth, audit, "11", question="label").status_code == 409


def test_a_key_belongs_to_the_user_who_made_it(auth, db, plant, audit, checklist_version):
    other = make_user(db, "aud.two", "auditor", plant["a"])
    theirs = audits.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                                 auditor_id=other["id"])
    auth.login("aud.a")
    assert answer(auth, audit, "11").status_code == 200
    auth.logout()
    auth.login("aud.two")
    # The same key from someone else is their own change: applied to their audit, never answered with aud.a's.
    response = answer(auth, theirs, "10")
    assert response.status_code == 200
    assert idempotency.REPLAYED_HEADER not in response.headers
    assert audits.values(audits.answers_of(db, theirs["id"])) == {"torque": 10}
    assert audits.values(audits.answers_of(db, audit["id"])) == {"torque": 11}
    assert {r["user_id"] for r in dbm.query(db, "SELECT user_id FROM idempotency_keys")} == {
        plant["auditor"]["id"], other["id"]}


def test_a_refused_change_stores_no_key_and_can_be_sent_corrected(auth, db, audit):
    auth.login("aud.a")
    assert answer(auth, audit, "not a number").status_code == 422
    assert db["idempotency_keys"].count == 0
    assert answer(auth, audit, "11").status_code == 200
    assert db["idempotency_keys"].count == 1


def test_a_new_finding_sent_twice_is_raised_once(auth, db, audit):
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/findings/new"
    form = {"severity": "minor", "description": "Oil on the floor"}
    for _ in range(2):
        assert auth.post(url, form, headers={"Idempotency-Key": KEY}).status_code == 303
    assert db["findings"].count == 1
    assert auth.post(url, form, headers={"Idempotency-Key": OTHER_KEY}).status_code == 303
    assert db["findings"].count == 2


def test_a_photo_upload_sent_twice_is_answered_from_the_stored_response(auth, db, audit):
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/evidence"
    for n in range(2):
        payload = {"question_id": "guard", "photos": [(io.BytesIO(jpeg()), f"p{n}.jpg")]}
        response = auth.post(url, payload, content_type="multipart/form-data", headers={"Idempotency-Key": KEY})
        assert response.status_code == 303
    assert response.headers[idempotency.REPLAYED_HEADER] == "true"
    assert db["evidence"].count == 1


def test_made_at_in_the_future_is_clamped_to_now(auth, db, audit):
    auth.login("aud.a")
    assert answer(auth, audit, "11", **{"X-Made-At": "2999-01-01T00:00:00.000Z"}).status_code == 200
    stored = dbm.scalar(db, "SELECT answered_at FROM answers WHERE audit_id = ?", (audit["id"],))
    assert stored <= ids.now_iso()


def test_made_at_is_read_carefully():
    now = ids.parse_iso("2026-06-01T12:00:00.000Z")
    assert idempotency.clamp_made_at("2026-05-01T10:00:00.123Z", now) == "2026-05-01T10:00:00.123Z"
    assert idempotency.clamp_made_at("2026-05-01T12:00:00+02:00", now) == "2026-05-01T10:00:00.000Z"
    assert idempotency.clamp_made_at("2027-01-01T00:00:00Z", now) == "2026-06-01T12:00:00.000Z"
    assert idempotency.clamp_made_at("2026-05-01T10:00:00", now) is None  # no zone: an unknown instant
    assert idempotency.clamp_made_at("yesterday", now) is None


def test_a_key_that_is_not_a_ulid_is_refused(auth, db, audit):
    auth.login("aud.a")
    assert answer(auth, audit, "11", key="../../etc").status_code == 400
    assert db["answers"].count == 0


def test_requests_without_a_key_are_not_recorded(auth, db, audit):
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/answers/torque"
    assert auth.post(url, {"value": "11", "note": ""}, htmx=True).status_code == 200
    assert db["idempotency_keys"].count == 0


def test_records_past_the_keeping_time_are_dropped(auth, db, audit):
    old = ids.iso(ids.utc_now() - timedelta(days=idempotency.KEEP_DAYS + 1))
    db["idempotency_keys"].insert({"user_id": "x", "key": OTHER_KEY, "method": "POST", "path": "/", "body_hash": "",
                                   "status": 200, "headers": "[]", "body": b"", "created_at": old})
    auth.login("aud.a")
    assert answer(auth, audit, "11").status_code == 200
    assert [r["key"] for r in dbm.query(db, "SELECT key FROM idempotency_keys")] == [KEY]


def test_every_change_view_of_the_audit_screens_is_keyed(app):
    for endpoint in idempotency.ENDPOINTS:
        assert app.view_functions[endpoint].__wrapped__ is not None


def test_body_hash_ignores_the_csrf_token_and_field_order_but_not_content():
    base = idempotency.body_hash("POST", "/a", [("value", "1"), ("note", ""), ("csrf_token", "x")], [("p", b"1")])
    assert base == idempotency.body_hash("post", "/a", [("note", ""), ("value", "1"), ("csrf_token", "y")],
                                         [("p", b"1")])
    assert base != idempotency.body_hash("POST", "/a", [("value", "1"), ("note", "")], [("p", b"2")])
    assert base != idempotency.body_hash("POST", "/a", [("value", "2"), ("note", "")], [("p", b"1")])


def test_the_csrf_endpoint_gives_the_session_token_to_its_user_only(client, auth, plant):
    assert client.get("/offline/csrf", headers={"Accept": "application/json"}).status_code == 401
    auth.login("aud.a")
    body = client.get("/offline/csrf").get_json()
    assert body == {"token": auth.csrf, "user_id": plant["auditor"]["id"]}


def test_the_migration_upgrades_an_existing_database(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = dbm.connect(path)
    dbm.migrate(old, target=11)
    assert not old["idempotency_keys"].exists()
    old.conn.close()
    upgraded = dbm.connect(path)
    assert 15 in dbm.migrate(upgraded)
    assert set(upgraded["idempotency_keys"].columns_dict) >= {"user_id", "key", "body_hash", "status", "body"}


def test_an_audits_rules_are_given_to_those_who_may_see_it(client, auth, two_roles):
    auth.login("pat")
    body = client.get(f"/offline/audits/{two_roles['own_a']['id']}/rules").get_json()
    assert [q["id"] for q in body["rulebook"]["questions"]][:2] == ["guard", "guard-why"]
    assert body["answers"] == {} and body["excluded"] == []
    assert client.get(f"/offline/audits/{two_roles['own_b']['id']}/rules").status_code == 404  # no role at PLTB
    assert client.get(f"/offline/audits/{two_roles['own_c']['id']}/rules").status_code == 403  # operator at PLTC
