"""Triage from submission: the right severities, once; one CAPA for several findings; no CAPA with a reason."""
import pytest

from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from fieldaudit.capa import data, triage
from tests.factories import submit_with_findings


def test_only_nonconformities_reach_triage(db, plant, submitted):
    pending = triage.pending(db, [plant["a"]["id"]])
    assert sorted(f["severity"] for f in pending) == ["major", "minor", "minor"]


def test_resubmission_and_retry_never_duplicate(db, plant, submitted):
    again, created = record.submit(db, submitted["id"], plant["auditor"])
    assert not created
    triage.enqueue_findings(db, submitted["id"], plant["auditor"]["id"])  # a retried hook
    assert dbm.scalar(db, "SELECT COUNT(*) FROM finding_triage") == 3


def test_triage_is_per_site(db, plant, submitted):
    assert triage.pending(db, [plant["b"]["id"]]) == []


def test_one_capa_for_several_findings(db, plant, submitted):
    pending = triage.pending(db, [plant["a"]["id"]])
    minors = [f["id"] for f in pending if f["severity"] == "minor"]
    capa = data.create_capa(db, site=plant["a"], title="Labels fade", by=plant["qm"]["id"], source="audit",
                            finding_ids=minors)
    assert [f["id"] for f in triage.linked_findings(db, capa["id"])] == minors
    assert [f["severity"] for f in triage.pending(db, [plant["a"]["id"]])] == ["major"]
    assert capa["number"] == "CAPA-PLTA-0001"
    with pytest.raises(data.CapaError, match="already has a CAPA"):
        other = data.create_capa(db, site=plant["a"], title="Other", by=plant["qm"]["id"])
        data.link(db, other, [minors[0]], plant["qm"]["id"])


def test_observation_can_be_turned_into_a_capa_by_hand(db, plant, submitted):
    observation = dbm.query_one(db, "SELECT id FROM findings WHERE severity = 'observation'")
    capa = data.create_capa(db, site=plant["a"], title="Watch this", by=plant["qm"]["id"], source="audit",
                            severity="observation", finding_ids=[observation["id"]])
    assert triage.linked_findings(db, capa["id"])[0]["id"] == observation["id"]


def test_findings_of_open_audits_cannot_be_linked(db, plant, audit):
    finding = audits.add_finding(db, audit, {"severity": "minor", "description": "x"}, plant["auditor"]["id"])
    capa = data.create_capa(db, site=plant["a"], title="x", by=plant["qm"]["id"])
    with pytest.raises(data.CapaError, match="submitted"):
        data.link(db, capa, [finding["id"]], plant["qm"]["id"])


def test_no_capa_needed_needs_a_reason(db, plant, submitted):
    finding = triage.pending(db, [plant["a"]["id"]])[0]
    with pytest.raises(data.CapaError, match="Say why"):
        triage.dismiss(db, finding["id"], " ", plant["qm"]["id"])
    triage.dismiss(db, finding["id"], "Corrected on the spot, verified", plant["qm"]["id"])
    row = dbm.query_one(db, "SELECT * FROM finding_triage WHERE finding_id = ?", (finding["id"],))
    assert row["decision"] == "no_capa" and row["reason"].startswith("Corrected")
    with pytest.raises(data.CapaError, match="no longer waiting"):
        triage.dismiss(db, finding["id"], "again", plant["qm"]["id"])


def test_site_setting_opens_capas_for_majors(db, plant, checklist_version):
    dbm.execute(db, "UPDATE sites SET capa_auto_major = 1 WHERE id = ?", (plant["a"]["id"],))
    audit = audits.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                                auditor_id=plant["auditor"]["id"])
    submit_with_findings(db, plant, audit, ["major", "minor"])
    capas = data.list_capas(db, site_ids=[plant["a"]["id"]])
    assert len(capas) == 1 and capas[0]["severity"] == "major" and capas[0]["owner_id"] == plant["qm"]["id"]
    assert [f["severity"] for f in triage.pending(db, [plant["a"]["id"]])] == ["minor"]
