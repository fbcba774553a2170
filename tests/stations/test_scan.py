"""The scan landing page /w/<code>: procedures in force, CAPA slot, audits, start here; sign-in and unknown codes."""
import pytest

from fieldaudit.audits import data as audits
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.documents import data as documents
from fieldaudit.stations import data as stations
from tests.factories import PASSWORD, approve, csrf_from, make_user, submit

CHECKLIST = ("id: lpa\nversion: 1\ntitle: LPA assembly\nsections:\n  - id: s\n    title: S\n    questions:\n"
             "      - {id: q, text: Torque right, type: yes_no, procedure: WI-ASM-012}\n")


@pytest.fixture
def station(db, plant):
    """Station A-01 with WI-ASM-012 in force, a draft-only document, a published checklist and one audit."""
    qm2 = make_user(db, "qm2.a", "quality_manager", plant["a"])
    doc, v1 = documents.create_document(db, code="WI-ASM-012", title="Torque tightening", kind="work_instruction",
                                        by=plant["qm"]["id"], workstation_ids=[plant["ws_a"]["id"]], body="Tighten.")
    submit(db, v1["id"], plant["qm"])
    approve(db, v1["id"], qm2)
    documents.create_document(db, code="WI-DRAFT-1", title="Not yet", kind="work_instruction", by=plant["qm"]["id"],
                              workstation_ids=[plant["ws_a"]["id"]], body="Draft only.")
    version, _ = store.publish(db, parse_checklist(CHECKLIST, "lpa.yaml"), by=None)
    audit = audits.create_audit(db, site=plant["a"], checklist_version_id=version["id"],
                                auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"])
    return {"doc": doc, "version": version, "audit": audit}


def test_operator_sees_the_procedures_in_force_but_no_audits(auth, plant, station):
    auth.login("op.a")
    page = auth.client.get("/w/A-01").get_data(as_text=True)
    assert "Station A1" in page and "Assembly" in page and "Plant A" in page
    assert f'href="/documents/{station["doc"]["id"]}"' in page and "Torque tightening" in page
    assert "Read and confirm" in page  # a reader who has not confirmed yet
    assert "WI-DRAFT-1" not in page  # a draft is not a procedure in force
    assert "Start audit here" not in page and station["audit"]["number"] not in page


def test_auditor_sees_recent_audits_and_starts_an_audit_here_with_the_checklists(auth, plant, station):
    auth.login("aud.a")
    page = auth.client.get("/w/a-01").get_data(as_text=True)  # codes are case-insensitive
    ws = plant["ws_a"]["id"]
    assert f'href="/audits/new?workstation_id={ws}"' in page
    assert f'href="/audits/new?workstation_id={ws}&amp;checklist_version_id={station["version"]["id"]}"' in page
    assert "asks about WI-ASM-012" in page and station["audit"]["number"] in page
    form = auth.client.get(f"/audits/new?workstation_id={ws}&checklist_version_id={station['version']['id']}")
    html = form.get_data(as_text=True)
    assert "Station A1" in html and f'value="{station["version"]["id"]}" required checked' in html


def test_station_lists_open_capas_of_its_findings(auth, plant, station, db):
    from fieldaudit.audits import record
    from fieldaudit.capa import data as capa_data

    auth.login("aud.a")
    page = auth.client.get("/w/A-01").get_data(as_text=True)
    assert 'id="station-capas"' in page and "No open corrective actions at this station." in page
    audit = station["audit"]
    audits.save_answer(db, audit, "q", "no", None, plant["auditor"]["id"])
    finding = audits.add_finding(db, audit, {"severity": "minor", "description": "Wrong torque"},
                                 plant["auditor"]["id"])
    record.submit(db, audit["id"], plant["auditor"])
    capa = capa_data.create_capa(db, site=plant["a"], title="Torque drift at A-01", by=plant["qm"]["id"],
                                 source="audit", finding_ids=[finding["id"]])
    page = auth.client.get("/w/A-01").get_data(as_text=True)
    assert "Open CAPAs here (1)" in page and capa["number"] in page and f"/capa/{capa['id']}" in page
    auth.logout()
    auth.login("op.a")
    page = auth.client.get("/w/A-01").get_data(as_text=True)
    assert capa["number"] in page and f"/capa/{capa['id']}" not in page  # operators see it, quality opens it


def test_signed_out_scan_goes_through_login_and_back_to_the_station(client, plant, station):
    response = client.get("/w/A-01")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/w/A-01"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    signed_in = client.post("/login?next=/w/A-01", data={"username": "op.a", "password": PASSWORD,
                                                         "csrf_token": csrf_from(page), "next": "/w/A-01"})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/w/A-01"
    assert "Torque tightening" in client.get("/w/A-01").get_data(as_text=True)


@pytest.mark.parametrize("code", ["NOPE-99", "B-01", "<script>alert(1)</script>", "a" * 60, "A_01", "%00",
                                  "A-01/../B-01", "A-01/extra"])
def test_unknown_malformed_or_other_sites_codes_get_the_friendly_404(auth, plant, code):
    auth.login("op.a")
    response = auth.client.get(f"/w/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Unknown station" in page
    assert 'action="/w/"' in page and "<script>alert" not in page
    assert "Station B1" not in page


def test_station_search_finds_by_code_or_name_within_my_sites(auth, plant):
    auth.login("op.a")
    assert "A-01" in auth.client.get("/w/?q=station a").get_data(as_text=True)
    assert 'href="/w/B-01"' not in auth.client.get("/w/?q=B-01").get_data(as_text=True)
    miss = auth.client.get("/w/NOPE?q=a-0")
    assert miss.status_code == 404 and 'href="/w/A-01"' in miss.get_data(as_text=True)


def test_workstation_page_links_to_its_scan_page_and_label(auth, plant):
    auth.login("aud.a")
    page = auth.client.get(f"/workstations/{plant['ws_a']['id']}").get_data(as_text=True)
    assert 'href="/w/A-01"' in page and 'src="/w/A-01/qr.svg"' in page
    assert f'/sites/{plant["a"]["id"]}/labels.pdf?ws={plant["ws_a"]["id"]}' in page
    assert "<title>Station A1 · FieldAudit</title>" in page


def test_renamed_station_keeps_its_code(auth, db, plant):
    stations.update_workstation(db, plant["ws_a"]["id"], "Leak test bench", None)
    auth.login("op.a")
    assert "Leak test bench" in auth.client.get("/w/A-01").get_data(as_text=True)
