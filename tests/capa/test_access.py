"""Who reaches which CAPA route: a person with different roles at two sites, and an action owner who is an operator.

`mixed` is quality manager at PLTA and operator at PLTB, with no role at PLTC: every route family lets them act at
PLTA, refuses them at PLTB with 403 (they have a role there) and answers 404 at PLTC (they have none).
"""
from datetime import timedelta
import pytest

from fieldaudit import ids
from fieldaudit.audits import data as audits
from fieldaudit.capa import actions as capa_actions
from fieldaudit.capa import data, triage
from fieldaudit.stations import data as stations
from tests.factories import make_site, make_user, submit_with_findings

OUTCOME = {"a": "allowed", "b": 403, "c": 404}


@pytest.fixture
def sites(db, plant, checklist_version):  # noqa: F811
    """Sites A, B and C, each with a CAPA (with one action) and a submitted audit with a pending minor finding."""
    c = make_site(db, "PLTC", name="Plant C")
    mixed = make_user(db, "mixed", "quality_manager", plant["a"])
    from fieldaudit.auth import users
    users.add_membership(db, mixed["id"], plant["b"]["id"], "operator")
    ws_c = stations.create_workstation(db, c["id"], None, "C-01", "Station C1")
    auditors = {"a": plant["auditor"], "b": plant["auditor_b"], "c": make_user(db, "aud.c", "auditor", c)}
    stations_of = {"a": plant["ws_a"], "b": plant["ws_b"], "c": ws_c}
    result = {"mixed": mixed}
    for key, site in (("a", plant["a"]), ("b", plant["b"]), ("c", c)):
        capa = data.create_capa(db, site=site, title=f"Leak at {site['code']}", by=plant["group_admin"]["id"])
        action = capa_actions.add_action(db, capa, kind="corrective", description=f"Fix {site['code']}",
                                         owner_id=plant["group_admin"]["id"], due_date=capa["raised_on"],
                                         by=plant["group_admin"]["id"])
        audit = audits.create_audit(db, site=site, checklist_version_id=checklist_version["id"],
                                    auditor_id=auditors[key]["id"], workstation=stations_of[key], auditees="Pat")
        submit_with_findings(db, {"auditor": auditors[key]}, audit, ["minor"])
        finding = triage.pending(db, [site["id"]])[0]
        result[key] = {"site": site, "capa": capa, "action": action, "finding": finding}
    return result


def _today() -> str:
    """A due date safely in the future at every site, whatever the time of day in UTC (sites run ahead of it)."""
    return (ids.utc_now() + timedelta(days=7)).date().isoformat()


def _check(response, key, allowed=(200, 303)):
    expected = OUTCOME[key]
    if expected == "allowed":
        assert response.status_code in allowed, response.get_data(as_text=True)[:300]
    else:
        assert response.status_code == expected, (key, response.status_code)


@pytest.fixture
def mixed(auth, sites):
    auth.login("mixed")
    return auth


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_list_and_csv_per_site(mixed, sites, key):
    _check(mixed.client.get(f"/capa/?site_id={sites[key]['site']['id']}"), key)
    _check(mixed.client.get(f"/capa/export.csv?site_id={sites[key]['site']['id']}"), key)


@pytest.mark.parametrize("key", ["a", "b", "c"])
@pytest.mark.both_engines(slow=True)
def test_show_and_its_pdf(mixed, sites, key):
    _check(mixed.client.get(f"/capa/{sites[key]['capa']['id']}"), key)
    _check(mixed.client.get(f"/capa/{sites[key]['capa']['id']}/report.pdf"), key)


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_fields(mixed, sites, db, key):
    capa = sites[key]["capa"]
    _check(mixed.post(f"/capa/{capa['id']}/fields", {"containment": "Clamped"}), key)
    assert (data.get_capa(db, capa["id"])["containment"] == "Clamped") == (key == "a")


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_transition(mixed, sites, db, key):
    capa = sites[key]["capa"]
    _check(mixed.post(f"/capa/{capa['id']}/transition", {"to": "rejected", "expected_state": "open",
                                                        "reason": "Not ours", "command_id": ids.new_id()}), key)
    assert (data.get_capa(db, capa["id"])["state"] == "rejected") == (key == "a")


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_add_action(mixed, sites, db, key):
    capa = sites[key]["capa"]
    _check(mixed.post(f"/capa/{capa['id']}/actions", {"kind": "preventive", "description": "Review",
                                                     "owner_id": sites["mixed"]["id"], "due_date": _today()}), key)
    assert len(capa_actions.list_actions(db, capa["id"])) == (2 if key == "a" else 1)


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_update_action_of_someone_else(mixed, sites, db, key):
    capa, action = sites[key]["capa"], sites[key]["action"]
    _check(mixed.post(f"/capa/{capa['id']}/actions/{action['id']}", {"status": "done"}), key)
    assert (capa_actions.get_action(db, action["id"])["status"] == "done") == (key == "a")


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_link_a_finding(mixed, sites, key):
    capa, finding = sites[key]["capa"], sites[key]["finding"]
    _check(mixed.post("/capa/link", {"capa_id": capa["id"], "finding_id": finding["id"]}), key)


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_triage_dismiss_and_site_setting(mixed, sites, db, key):
    finding, site = sites[key]["finding"], sites[key]["site"]
    _check(mixed.post(f"/capa/triage/{finding['id']}/dismiss", {"reason": "Fixed on the spot"}), key)
    _check(mixed.post(f"/capa/settings/{site['id']}", {"auto_major": "1"}), key)
    assert bool(stations.get_site(db, site["id"])["capa_auto_major"]) == (key == "a")


def test_triage_list_shows_only_the_managed_site(mixed, sites):
    page = mixed.client.get("/capa/triage").get_data(as_text=True)
    assert sites["a"]["finding"]["id"] in page
    assert sites["b"]["finding"]["id"] not in page and sites["c"]["finding"]["id"] not in page


@pytest.mark.parametrize("key", ["a", "b", "c"])
def test_new_capa(mixed, sites, db, key):
    site = sites[key]["site"]
    _check(mixed.post("/capa/new", {"site_id": site["id"], "title": "Raised here"}), key)
    _check(mixed.post("/capa/new", {"finding_id": sites[key]["finding"]["id"], "title": "From the finding"}), key)
    titles = {c["title"] for c in data.list_capas(db, site_ids=[site["id"]])}
    assert ("Raised here" in titles) == (key == "a")


def test_new_capa_form_refuses_other_sites_findings(mixed, sites):
    assert mixed.client.get(f"/capa/new?finding_id={sites['b']['finding']['id']}").status_code == 403
    assert mixed.client.get(f"/capa/new?finding_id={sites['c']['finding']['id']}").status_code == 404


@pytest.fixture
def owner(auth, db, plant, sites):
    """An operator at PLTA who owns one action of PLTA's CAPA; the CAPA has another action of someone else's."""
    capa = sites["a"]["capa"]
    mine = capa_actions.add_action(db, capa, kind="corrective", description="Replace the hose",
                                   owner_id=plant["operator"]["id"], due_date=_today(), by=plant["qm"]["id"])
    auth.login("op.a")
    return {"auth": auth, "capa": capa, "mine": mine, "other": sites["a"]["action"]}


def test_action_owner_sees_the_capa_and_reports_only_their_action(owner, db, sites):
    auth, capa = owner["auth"], owner["capa"]
    assert auth.client.get(f"/capa/{capa['id']}").status_code == 200
    assert auth.client.get(f"/capa/{capa['id']}/report.pdf").status_code == 200
    done = auth.post(f"/capa/{capa['id']}/actions/{owner['mine']['id']}", {"status": "done", "done_note": "Fitted"})
    assert done.status_code == 303 and capa_actions.get_action(db, owner["mine"]["id"])["status"] == "done"
    theirs = auth.post(f"/capa/{capa['id']}/actions/{owner['other']['id']}", {"status": "done"})
    assert theirs.status_code == 403 and capa_actions.get_action(db, owner["other"]["id"])["status"] == "open"
    # An action of another CAPA is not one of this CAPA's, whoever owns it.
    elsewhere = auth.post(f"/capa/{capa['id']}/actions/{sites['b']['action']['id']}", {"status": "done"})
    assert elsewhere.status_code == 404


def test_action_owner_cannot_manage_or_read_other_capas(owner, db, plant):
    auth, capa = owner["auth"], owner["capa"]
    assert auth.post(f"/capa/{capa['id']}/fields", {"containment": "x"}).status_code == 403
    other = data.create_capa(db, site=plant["a"], title="Not theirs", by=plant["qm"]["id"])
    assert auth.client.get(f"/capa/{other['id']}").status_code == 403
    assert auth.client.get(f"/capa/{other['id']}/report.pdf").status_code == 403
    assert auth.client.get(f"/capa/?site_id={plant['a']['id']}").status_code == 403


def test_my_actions_lists_only_mine(owner):
    page = owner["auth"].client.get("/capa/my-actions").get_data(as_text=True)
    assert "Replace the hose" in page and "Fix PLTA" not in page


@pytest.mark.parametrize("route", ["fields", "transition", "actions", "link"])
def test_reading_a_capa_is_not_managing_it(auth, db, sites, route):
    """Quality manager at PLTA and auditor at PLTB: reads PLTB's CAPA, changes nothing of it (403)."""
    from fieldaudit.auth import users
    user = make_user(db, "qm.aud", "quality_manager", sites["a"]["site"])
    users.add_membership(db, user["id"], sites["b"]["site"]["id"], "auditor")
    auth.login("qm.aud")
    for key, status in (("a", 303), ("b", 403)):
        capa = sites[key]["capa"]
        assert auth.client.get(f"/capa/{capa['id']}").status_code == 200
        form = {"fields": ("fields", {"containment": "x"}),
                "transition": ("transition", {"to": "rejected", "expected_state": "open", "reason": "No",
                                              "command_id": ids.new_id()}),
                "actions": ("actions", {"kind": "preventive", "description": "Review", "owner_id": user["id"],
                                        "due_date": _today()}),
                "link": (None, {"capa_id": capa["id"], "finding_id": sites[key]["finding"]["id"]})}[route]
        url = f"/capa/{capa['id']}/{form[0]}" if form[0] else "/capa/link"
        assert auth.post(url, form[1]).status_code == status, (key, route)
