"""CAPA screens over HTTP: who may do what, conflicts as 409, filters, CSV, triage, my actions."""
import csv
import io
import re

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.capa import actions as capa_actions
from fieldaudit.capa import data, triage
from tests.factories import today_at


@pytest.fixture
def capa(db, plant):
    return data.create_capa(db, site=plant["a"], title="Leaking hose at press 3", by=plant["qm"]["id"],
                            source="internal", severity="minor", owner_id=plant["qm"]["id"])


def transition(auth, capa_row, to, expected, command_id=None, **extra):
    return auth.post(f"/capa/{capa_row['id']}/transition", {"to": to, "expected_state": expected,
                                                           "command_id": command_id or ids.new_id(), **extra})


@pytest.mark.both_engines(slow=True)
def test_quality_manager_moves_a_capa_on(auth, plant, capa, db):
    auth.login("qm.a")
    page = auth.client.get(f"/capa/{capa['id']}").get_data(as_text=True)
    assert "Move to Containment" in page and capa["number"] in page
    assert transition(auth, capa, "containment", "open").status_code == 303
    assert data.get_capa(db, capa["id"])["state"] == "containment"


def test_illegal_transition_is_422_and_changes_nothing(auth, plant, capa, db):
    auth.login("qm.a")
    response = transition(auth, capa, "closed", "open")
    assert response.status_code == 422
    assert "cannot move" in response.get_data(as_text=True)
    assert data.get_capa(db, capa["id"])["state"] == "open"


def test_stale_page_gets_409_and_a_visible_conflict(auth, plant, capa, db):
    auth.login("qm.a")
    transition(auth, capa, "containment", "open")
    response = transition(auth, capa, "rejected", "open", reason="old tab")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "someone changed it meanwhile" in body and "Conflict:" in body
    assert data.get_capa(db, capa["id"])["state"] == "containment"


def test_double_tap_applies_once(auth, plant, capa, db):
    auth.login("qm.a")
    transition(auth, capa, "containment", "open", command_id="TAP")
    assert transition(auth, capa, "containment", "open", command_id="TAP").status_code == 303
    assert dbm.scalar(db, "SELECT COUNT(*) FROM capa_events WHERE kind = 'transition'") == 1


@pytest.mark.parametrize("who,status", [("aud.a", 403), ("op.a", 403), ("aud.b", 404), ("admin.a", 403)])
def test_only_the_quality_manager_changes_the_record(auth, plant, capa, db, who, status):
    auth.login(who)
    assert transition(auth, capa, "containment", "open").status_code == status
    assert auth.post(f"/capa/{capa['id']}/fields", {"containment": "x"}).status_code == status
    assert data.get_capa(db, capa["id"])["state"] == "open"


def test_other_site_cannot_see_a_capa(auth, plant, capa):
    auth.login("aud.b")
    assert auth.client.get(f"/capa/{capa['id']}").status_code == 404
    assert capa["number"] not in auth.client.get("/capa/").get_data(as_text=True)


def test_action_owner_reports_progress_but_nothing_else(auth, plant, capa, db):
    action = capa_actions.add_action(db, capa, kind="corrective", description="Replace hose", owner_id=plant["operator"]["id"],
                             due_date=today_at(plant["a"]), by=plant["qm"]["id"])
    auth.login("op.a")
    mine = auth.client.get("/capa/my-actions").get_data(as_text=True)
    assert "Replace hose" in mine and capa["number"] in mine
    assert auth.client.get(f"/capa/{capa['id']}").status_code == 200  # may read the CAPA of their action
    denied = auth.post(f"/capa/{capa['id']}/actions/{action['id']}", {"due_date": "2099-01-01"})
    assert denied.status_code == 403
    done = auth.post(f"/capa/{capa['id']}/actions/{action['id']}", {"status": "done", "done_note": "New hose fitted"},
                     htmx=True)
    assert done.status_code == 200 and "<html" not in done.get_data(as_text=True)
    assert capa_actions.get_action(db, action["id"])["status"] == "done"
    other = data.create_capa(db, site=plant["a"], title="Other", by=plant["qm"]["id"])
    assert auth.client.get(f"/capa/{other['id']}").status_code == 403


@pytest.mark.both_engines(slow=True)
def test_edit_fields_records_history_and_shows_timeline(auth, plant, capa, db):
    auth.login("qm.a")
    response = auth.post(f"/capa/{capa['id']}/fields", {"containment": "Hose clamped, oil mats laid",
                                                        "why": ["Hose cracked", "Too old", ""]})
    assert response.status_code == 303
    page = auth.client.get(f"/capa/{capa['id']}").get_data(as_text=True)
    assert "Hose clamped, oil mats laid" in page and "Containment:" in page
    assert data.get_capa(db, capa["id"])["whys"] == ["Hose cracked", "Too old"]


def test_due_date_before_raised_via_form_is_422(auth, plant, capa, db):
    auth.login("qm.a")
    response = auth.post(f"/capa/{capa['id']}/fields", {"due_date": "2000-01-01"})
    assert response.status_code == 422
    assert data.get_capa(db, capa["id"])["due_date"] is None


def test_raise_capa_from_selected_findings(auth, plant, db, submitted):
    auth.login("qm.a")
    page = auth.client.get("/capa/triage").get_data(as_text=True)
    ids_ = re.findall(r'name="finding_id" value="([0-9A-Z]+)"', page)
    assert len(set(ids_)) == 3
    form = auth.client.get("/capa/new?" + "&".join(f"finding_id={i}" for i in ids_[:2])).get_data(as_text=True)
    assert "From 2 findings" in form
    response = auth.post("/capa/new", {"finding_id": ids_[:2], "title": "Labels and guards", "owner_id": plant["qm"]["id"]})
    assert response.status_code == 303
    capa_row = data.list_capas(db, site_ids=[plant["a"]["id"]])[0]
    assert capa_row["source"] == "audit" and capa_row["severity"] == "major" and capa_row["source_ref"] == "AUD-PLTA-0001"
    assert len(triage.linked_findings(db, capa_row["id"])) == 2


def test_auditor_has_no_triage(auth, plant, submitted):
    auth.login("aud.a")
    assert auth.client.get("/capa/triage").status_code == 403
    assert auth.client.get("/capa/new").status_code == 403


@pytest.mark.both_engines(slow=True)
def test_filters_and_csv(auth, plant, db):
    by = plant["qm"]["id"]
    data.create_capa(db, site=plant["a"], title="Complaint 4711", by=by, source="customer_complaint", severity="major")
    data.create_capa(db, site=plant["a"], title="Supplier mix-up", by=by, source="supplier", severity="minor",
                     owner_id=plant["qm"]["id"])
    data.create_capa(db, site=plant["b"], title="Other site", by=plant["group_admin"]["id"])
    auth.login("qm.a")
    html = auth.client.get("/capa/?source=customer_complaint").get_data(as_text=True)
    assert "Complaint 4711" in html and "Supplier mix-up" not in html and "Other site" not in html
    html = auth.client.get(f"/capa/?owner_id={plant['qm']['id']}").get_data(as_text=True)
    assert "Supplier mix-up" in html and "Complaint 4711" not in html
    response = auth.client.get("/capa/export.csv?severity=major")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["title"] for r in rows] == ["Complaint 4711"] and rows[0]["number"] == "CAPA-PLTA-0001"
    assert auth.client.get(f"/capa/export.csv?site_id={plant['b']['id']}").status_code == 404


def test_counts_per_state(auth, plant, capa, db):
    auth.login("qm.a")
    html = auth.client.get("/capa/").get_data(as_text=True)
    assert re.search(r"<strong>1</strong> Open", html)


def test_dismiss_via_triage_form(auth, plant, db, submitted):
    auth.login("qm.a")
    finding = triage.pending(db, [plant["a"]["id"]])[0]
    assert auth.post(f"/capa/triage/{finding['id']}/dismiss", {"reason": ""}).status_code == 422
    assert auth.post(f"/capa/triage/{finding['id']}/dismiss", {"reason": "Fixed at once"}).status_code == 303
    assert len(triage.pending(db, [plant["a"]["id"]])) == 2


def test_audit_page_links_findings_to_their_capa(auth, plant, db, submitted):
    observation = dbm.query_one(db, "SELECT id FROM findings WHERE severity = 'observation'")
    auth.login("qm.a")
    page = auth.client.get(f"/audits/{submitted['id']}").get_data(as_text=True)
    assert f"/capa/new?finding_id={observation['id']}" in page and "awaiting CAPA decision" in page
    auth.post("/capa/new", {"finding_id": observation["id"], "title": "Watch the floor markings"})
    capa_row = data.list_capas(db, site_ids=[plant["a"]["id"]])[0]
    page = auth.client.get(f"/audits/{submitted['id']}").get_data(as_text=True)
    assert f"{capa_row['number']} · open" in page


def test_auto_major_setting(auth, plant, db):
    auth.login("qm.a")
    assert auth.post(f"/capa/settings/{plant['a']['id']}", {"auto_major": "1"}).status_code == 303
    assert dbm.scalar(db, "SELECT capa_auto_major FROM sites WHERE id = ?", (plant["a"]["id"],)) == 1
    assert auth.post(f"/capa/settings/{plant['b']['id']}", {"auto_major": "1"}).status_code == 404


def test_capa_page_shows_the_evidence_photos_of_its_findings(auth, plant, db, audit, app):
    from pathlib import Path

    from fieldaudit.audits import data as audits
    from fieldaudit.audits import record
    from fieldaudit.evidence import data as evidence
    from fieldaudit.evidence.blobstore import BlobStore
    from fieldaudit import config
    from tests.factories import FULL_ANSWERS

    by = plant["auditor"]["id"]
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(db, audit, qid, value, None, by)
    finding = audits.add_finding(db, audit, {"severity": "major", "description": "Guard missing"}, by)
    photo = (Path(__file__).resolve().parents[2].parent / "shared/corpus/images/pillow/hopper.jpg").read_bytes()
    evidence.attach(db, BlobStore(config.blob_dir(app.config)), audit, [photo], by=by, finding_id=finding["id"])
    record.submit(db, audit["id"], plant["auditor"])
    capa = data.create_capa(db, site=plant["a"], title="Guard", by=plant["qm"]["id"], finding_ids=[finding["id"]])
    auth.login("qm.a")
    page = auth.client.get(f"/capa/{capa['id']}").get_data(as_text=True)
    assert re.search(r'src="/evidence/[0-9A-Z]+/thumb"', page)
