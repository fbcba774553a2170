"""E-signatures (audit submission, the account's current password) share sign-in's throttle: per user and address."""
from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from tests.factories import FULL_ANSWERS, PASSWORD


def _fill(db, audit, by):
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(db, audit, qid, value, None, by)


def test_guessing_the_signature_password_on_submit_is_throttled(auth, audit, db, plant):
    _fill(db, audit, plant["auditor"]["id"])
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/submit"
    statuses = [auth.post(url, {"confirm": "yes", "password": f"guess-{n}"}).status_code for n in range(7)]
    assert statuses[:5] == [422] * 5 and statuses[5:] == [429, 429]
    locked = auth.post(url, {"confirm": "yes", "password": PASSWORD})  # even the right one waits
    assert locked.status_code == 429 and locked.headers["Retry-After"].isdigit()
    assert "Too many wrong passwords" in locked.get_data(as_text=True)
    assert 'name="confirm" value="yes" required checked' in locked.get_data(as_text=True)  # the form stays
    assert dbm.scalar(db, "SELECT status FROM audits WHERE id = ?", (audit["id"],)) == "in_progress"


def test_wrong_signatures_lock_sign_in_too(auth, audit, db, plant, app):
    _fill(db, audit, plant["auditor"]["id"])
    auth.login("aud.a")
    for n in range(5):
        auth.post(f"/audits/{audit['id']}/submit", {"confirm": "yes", "password": f"guess-{n}"})
    other = app.test_client()
    from tests.factories import Auth
    assert Auth(other).login("aud.a").status_code == 429


def test_the_account_page_current_password_is_throttled(auth, plant):
    auth.login("aud.a")
    fields = {"new_password": "a-brand-new-pass", "confirm_password": "a-brand-new-pass"}
    statuses = [auth.post("/account", {"current_password": f"nope-{n}", **fields}).status_code for n in range(6)]
    assert statuses == [422] * 5 + [429]


def test_a_right_signature_clears_the_count(auth, audit, db, plant):
    _fill(db, audit, plant["auditor"]["id"])
    auth.login("aud.a")
    url = f"/audits/{audit['id']}/submit"
    for n in range(4):
        assert auth.post(url, {"confirm": "yes", "password": f"guess-{n}"}).status_code == 422
    assert auth.post(url, {"confirm": "yes", "password": PASSWORD}).status_code == 303
    assert dbm.scalar(db, "SELECT COUNT(*) FROM login_throttle") == 0
