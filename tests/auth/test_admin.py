"""User administration: who may manage whom, and what each change does."""
import re

import pytest

from fieldaudit import db as dbm
from fieldaudit import settings
from fieldaudit.auth import users
from tests.factories import add_role, make_user


def test_group_admin_creates_a_user_with_a_generated_password(auth, plant, db):
    auth.login("root")
    response = auth.post("/admin/users/new", {"display_name": "Kim Lee", "username": "Kim.Lee",
                                              "role": "auditor", "site_id": plant["b"]["id"]})
    assert response.status_code == 200
    password = re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    row = users.get_user_by_username(db, "kim.lee")
    assert users.verify_password(row, password)
    assert [(m["role"], m["site_id"]) for m in users.memberships(db, row["id"])] == [("auditor", plant["b"]["id"])]
    auth.logout()
    assert auth.login("kim.lee", password).status_code == 303


def test_passwords_are_stored_hashed(db, plant):
    row = users.get_user_by_username(db, "aud.a")
    assert "correct-horse-battery" not in row["password_hash"]
    assert row["password_hash"].startswith("pbkdf2:sha256")


def test_site_admin_only_sees_and_assigns_their_sites(auth, plant, db):
    auth.login("admin.a")
    html = auth.client.get("/admin/users/").get_data(as_text=True)
    assert "aud.a" in html and "aud.b" not in html
    assert auth.client.get(f"/admin/users/{plant['auditor_b']['id']}").status_code == 404
    response = auth.post("/admin/users/new", {"display_name": "X Y", "username": "xy", "role": "auditor",
                                              "site_id": plant["b"]["id"]})
    assert response.status_code == 404  # a site where they have no role is not disclosed, like anything of it
    response = auth.post("/admin/users/new", {"display_name": "X Y", "username": "xy", "role": "auditor",
                                              "site_id": ""})
    assert response.status_code == 403
    assert users.get_user_by_username(db, "xy") is None


@pytest.mark.parametrize("who", ["op.a", "aud.a", "qm.a"])
def test_non_admins_have_no_user_admin(auth, plant, who):
    auth.login(who)
    assert auth.client.get("/admin/users/").status_code == 403
    assert auth.post(f"/admin/users/{plant['operator']['id']}/active", {"active": "0"}).status_code == 403


def test_disable_user_ends_sessions_and_blocks_login(app, auth, plant, db):
    other = app.test_client()
    from tests.factories import Auth
    victim = Auth(other)
    victim.login("aud.a")
    assert other.get("/").status_code == 200
    auth.login("admin.a")
    assert auth.post(f"/admin/users/{plant['auditor']['id']}/active", {"active": "0"}).status_code == 303
    assert other.get("/").status_code == 302
    assert victim.login("aud.a").status_code == 401


def test_admin_cannot_disable_themselves(auth, plant):
    auth.login("admin.a")
    assert auth.post(f"/admin/users/{plant['admin']['id']}/active", {"active": "0"}).status_code == 400


def test_membership_add_and_remove(auth, plant, db):
    auth.login("admin.a")
    uid = plant["operator"]["id"]
    assert auth.post(f"/admin/users/{uid}/memberships", {"role": "auditor", "site_id": plant["a"]["id"]}).status_code == 303
    roles = {m["role"] for m in users.memberships(db, uid)}
    assert roles == {"operator", "auditor"}
    mid = next(m["id"] for m in users.memberships(db, uid) if m["role"] == "operator")
    assert auth.post(f"/admin/users/{uid}/memberships/{mid}/delete").status_code == 303
    assert {m["role"] for m in users.memberships(db, uid)} == {"auditor"}


def test_site_admin_cannot_grant_group_roles(auth, plant, db):
    auth.login("admin.a")
    uid = plant["operator"]["id"]
    assert auth.post(f"/admin/users/{uid}/memberships", {"role": "admin", "site_id": ""}).status_code == 403
    assert all(m["site_id"] for m in users.memberships(db, uid))


def test_reset_password_shows_a_new_one_once(auth, plant, db):
    auth.login("admin.a")
    response = auth.post(f"/admin/users/{plant['operator']['id']}/password")
    password = re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    assert users.verify_password(users.get_user(db, plant["operator"]["id"]), password)


def test_paired_server_refuses_user_changes(auth, plant, db):
    settings.put(db, "hub_url", "https://hub.example")
    auth.login("root")
    assert auth.post("/admin/users/new", {"display_name": "A B", "username": "ab", "role": "auditor",
                                          "site_id": plant["a"]["id"]}).status_code == 409
    assert dbm.scalar(db, "SELECT COUNT(*) FROM users WHERE username = 'ab'") == 0


def test_weak_password_refused(db):
    with pytest.raises(users.UserError, match="at least 10"):
        users.create_user(db, "weak", "Weak", "short")


def test_duplicate_username_refused(db, plant):
    with pytest.raises(users.UserError, match="already exists"):
        users.create_user(db, "AUD.A", "Dup", "long-enough-password")


@pytest.fixture
def admin_and_operator(db, plant, site_c):
    """Administrator at A, operator at B, nothing at C; and people of each scope to manage."""
    add_role(db, make_user(db, "adm.op", "admin", plant["a"]), "operator", plant["b"])
    return {"a": plant["operator"], "b": plant["auditor_b"],
            "ab": add_role(db, make_user(db, "both", "auditor", plant["a"]), "operator", plant["b"]),
            "c": make_user(db, "cee", "auditor", site_c), "none": make_user(db, "nobody"),
            "group": make_user(db, "grp", "auditor", all_sites=True)}


@pytest.mark.parametrize("key,status", [("a", 200), ("b", 403), ("ab", 403), ("c", 404), ("none", 404),
                                        ("group", 404)])
def test_a_site_admin_manages_only_people_whose_roles_all_lie_in_their_sites(auth, db, admin_and_operator, key,
                                                                              status):
    person = admin_and_operator[key]
    auth.login("adm.op")
    assert auth.client.get(f"/admin/users/{person['id']}").status_code == status
    renamed = auth.post(f"/admin/users/{person['id']}/profile", {"display_name": "Renamed", "email": ""})
    assert renamed.status_code == (303 if status == 200 else status)
    assert (users.get_user(db, person["id"])["display_name"] == "Renamed") == (status == 200)
    if key == "ab":
        assert "sites you do not administer" in renamed.get_data(as_text=True)


@pytest.mark.parametrize("site,status", [("a", 303), ("b", 403), ("c", 404), ("", 403)])
def test_a_site_admin_gives_roles_only_at_their_sites(auth, db, plant, site_c, admin_and_operator, site, status):
    site_id = {"a": plant["a"]["id"], "b": plant["b"]["id"], "c": site_c["id"], "": ""}[site]
    person = admin_and_operator["a"]
    auth.login("adm.op")
    response = auth.post(f"/admin/users/{person['id']}/memberships", {"role": "auditor", "site_id": site_id})
    assert response.status_code == status
    assert ("auditor" in {m["role"] for m in users.memberships(db, person["id"])}) == (status == 303)


def test_a_refused_change_shows_the_person_again_with_the_reason(auth, plant):
    auth.login("admin.a")
    response = auth.post(f"/admin/users/{plant['operator']['id']}/profile", {"display_name": " ", "email": ""})
    assert response.status_code == 422
    assert "Give the person&#39;s name" in response.get_data(as_text=True)
