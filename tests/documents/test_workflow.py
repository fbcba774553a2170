"""Documents in a real SQLite file: approval with e-signature, one effective version, dates, receipts, review."""
from datetime import date, timedelta

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids, settings, trail
from fieldaudit.documents import data, states, workflow
from fieldaudit.stations import data as stations
from tests.factories import BODY, actor, approve, effective_doc, make_user, noon, submit, version_ids


def status_of(db, version_id):
    return dbm.scalar(db, "SELECT status FROM document_versions WHERE id = ?", (version_id,))


def test_create_makes_a_draft_scoped_to_the_workstations_site(db, plant, doc):
    assert doc["code"] == "WI-ASM-012" and doc["site_ids"] == [plant["a"]["id"]]
    assert doc["workstation_ids"] == [plant["ws_a"]["id"]]
    (v,) = data.versions_of(db, doc["id"])
    assert (v["version"], v["status"], v["body"]) == (1, "draft", BODY)
    with pytest.raises(data.DocumentError) as exc:
        data.create_document(db, code="WI-ASM-012", title="Again", kind="procedure", by=plant["qm"]["id"],
                             site_ids=[plant["a"]["id"]])
    assert exc.value.status == 409


@pytest.mark.parametrize("code", ["", "wi asm", "WI/ASM", "<b>", "X" * 41])
def test_bad_codes_are_refused(db, plant, code):
    with pytest.raises(data.DocumentError):
        data.create_document(db, code=code, title="T", kind="procedure", by=plant["qm"]["id"],
                             site_ids=[plant["a"]["id"]])
    assert db["documents"].count == 0


def test_approval_by_another_quality_manager_is_an_e_signature_in_the_trail(db, plant, doc, qm2):
    vid = version_ids(db, doc["id"])[1]
    submit(db, vid, plant["qm"])
    approved = approve(db, vid, qm2)
    assert approved["status"] == "effective" and approved["approved_by"] == qm2["id"]
    (sig,) = data.signatures_of(db, vid)
    assert (sig["printed_name"], sig["meaning"], sig["user_id"]) == ("Quinn Second", "approved", qm2["id"])
    assert sig["record_hash"] == approved["content_hash"]
    entries = [e["action"] for e in trail.entries_for(db, "document_version", vid)]
    assert entries == ["document.version_started", "document.draft_edited", "document.submitted", "document.approved",
                       "document.effective"]
    signed = next(e for e in trail.entries_for(db, "document_version", vid) if e["action"] == "document.approved")
    assert '"printed_name":"Quinn Second"' in signed["payload"] and '"meaning":"approved"' in signed["payload"]
    assert trail.verify_chains(db) == []
    assert data.get_document(db, doc["id"])["next_review_date"] == data.review_due_date(
        approved["effective_date"], 12)


@pytest.mark.both_engines
def test_self_approval_is_refused_and_changes_nothing(db, plant, doc):
    vid = version_ids(db, doc["id"])[1]
    submit(db, vid, plant["qm"])
    before = db["audit_trail"].count
    with pytest.raises(data.DocumentError) as exc:
        approve(db, vid, plant["qm"])
    assert exc.value.status == 403
    assert status_of(db, vid) == "in_review" and db["signatures"].count == 0 and db["audit_trail"].count == before
    # The database refuses it too, whatever code path tries.
    with pytest.raises(dbm.IntegrityError, match="cannot be approved by (its author|one of its authors)"):
        db.conn.execute("UPDATE document_versions SET status = 'approved', approved_by = author_id WHERE id = ?",
                        (vid,))


def test_a_new_version_supersedes_the_old_one_which_stays_readable(db, plant, doc, qm2):
    effective_doc(db, doc, plant["qm"], qm2)
    v2 = data.new_version(db, doc["id"], plant["qm"]["id"])
    assert v2["body"] == BODY and v2["status"] == "draft"
    with pytest.raises(data.DocumentError) as exc:
        data.new_version(db, doc["id"], plant["qm"]["id"])  # one version at a time on its way
    assert exc.value.status == 409
    data.save_draft(db, v2["id"], title="Torque tightening", body=BODY + "\n3. Mark it.", change_summary="Marking",
                    by=plant["qm"]["id"])
    submit(db, v2["id"], plant["qm"])
    approve(db, v2["id"], qm2)
    ids_ = version_ids(db, doc["id"])
    assert (status_of(db, ids_[1]), status_of(db, ids_[2])) == ("superseded", "effective")
    assert data.get_version(db, ids_[1])["body"] == BODY
    assert dbm.scalar(db, "SELECT COUNT(*) FROM document_versions WHERE document_id = ? AND status = 'effective'",
                      (doc["id"],)) == 1


@pytest.mark.both_engines
def test_the_database_allows_one_effective_version_only(db, plant, doc, qm2):
    effective_doc(db, doc, plant["qm"], qm2)
    v2 = data.new_version(db, doc["id"], plant["qm"]["id"])
    # Even a raw insert of a second effective version is refused by the partial unique index.
    row = {**data.get_version(db, v2["id"]), "id": ids.new_id(), "version": 3, "status": "effective"}
    for key in ("author_name", "approver_name", "authors"):
        row.pop(key)
    with pytest.raises(dbm.IntegrityError, match="UNIQUE|unique"):
        db["document_versions"].insert(row)
    with pytest.raises(dbm.IntegrityError):
        db.conn.execute("UPDATE document_versions SET status = 'effective' WHERE id = ?", (v2["id"],))


@pytest.mark.parametrize("sql", [
    "UPDATE document_versions SET body = 'changed' WHERE id = ?",
    "UPDATE document_versions SET attachment_sha256 = 'x' WHERE id = ?",
    "UPDATE document_versions SET effective_date = '2000-01-01' WHERE id = ?",
    "UPDATE document_versions SET status = 'draft' WHERE id = ?",
    "DELETE FROM document_versions WHERE id = ?",
])
@pytest.mark.both_engines
def test_an_approved_version_cannot_be_edited_even_in_sql(db, plant, doc, qm2, sql):
    vid = effective_doc(db, doc, plant["qm"], qm2)["id"]
    with pytest.raises(dbm.IntegrityError):
        db.conn.execute(sql, (vid,))
    with pytest.raises(data.DocumentError) as exc:
        data.save_draft(db, vid, title="T", body="changed", change_summary="", by=plant["qm"]["id"])
    assert exc.value.status == 409 and data.get_version(db, vid)["body"] == BODY


def test_a_stale_transition_is_a_conflict_not_an_overwrite(db, plant, doc, qm2):
    vid = version_ids(db, doc["id"])[1]
    submit(db, vid, plant["qm"])
    # Someone else returned it meanwhile; an approval sent against "in review" must not land on the draft.
    workflow.transition(db, vid, states.Command("return", "in_review", comment="Step 2 unclear"), actor(qm2))
    with pytest.raises(data.DocumentError) as exc:
        approve(db, vid, qm2)
    assert exc.value.status == 409 and "changed meanwhile" in exc.value.message
    assert status_of(db, vid) == "draft" and db["signatures"].count == 0


def test_a_future_effective_date_is_in_force_from_that_local_date(db, plant, doc, qm2):
    effective_doc(db, doc, plant["qm"], qm2)
    v2 = data.new_version(db, doc["id"], plant["qm"]["id"])
    submit(db, v2["id"], plant["qm"])
    with ids.at(noon("2031-05-01")):
        approve(db, v2["id"], qm2, effective="2031-05-03")
        assert status_of(db, v2["id"]) == "approved"
        assert workflow.in_force(db, doc["id"], date(2031, 5, 2))["version"] == 1
        assert workflow.promote_due(db) == []
    # Reading on the date already shows the new version, before anything is stored (GET changes nothing).
    assert workflow.in_force(db, doc["id"], date(2031, 5, 3))["id"] == v2["id"]
    with ids.at(noon("2031-05-03")):
        assert workflow.promote_due(db) == [("WI-ASM-012", 2)]
    assert status_of(db, v2["id"]) == "effective"


def test_effective_dates_follow_each_sites_time_zone(db, plant):
    chicago = plant["b"]  # America/Chicago, 7 hours behind Berlin in May
    gqm = make_user(db, "gqm", "quality_manager", all_sites=True)
    gqm2 = make_user(db, "gqm2", "quality_manager", all_sites=True)
    doc, v1 = data.create_document(db, code="SOP-X", title="X", kind="procedure", by=gqm["id"],
                                   site_ids=[plant["a"]["id"], chicago["id"]], body="Text")
    submit(db, v1["id"], gqm)
    # 01:30 in Berlin on 3 May is still 2 May in Chicago.
    with ids.at(noon("2031-05-02") + timedelta(hours=11, minutes=30)):
        assert data.local_today("Europe/Berlin") == date(2031, 5, 3)
        assert data.local_today("America/Chicago") == date(2031, 5, 2)
        approve(db, v1["id"], gqm2, effective="2031-05-03")
        assert status_of(db, v1["id"]) == "approved"  # not yet the date at every site
        assert workflow.in_force(db, doc["id"], data.today_at(db, [plant["a"]["id"]]))["id"] == v1["id"]
        assert workflow.in_force(db, doc["id"], data.today_at(db, [chicago["id"]])) is None
    with ids.at(noon("2031-05-03") - timedelta(hours=6)):  # 01:00 on 3 May in Chicago: in force everywhere
        assert workflow.promote_due(db) == [("SOP-X", 1)]


def test_paired_with_a_hub_documents_are_read_only_but_receipts_still_work(db, plant, doc, qm2):
    vid = effective_doc(db, doc, plant["qm"], qm2)["id"]
    settings.put(db, "hub_url", "https://hub.example")
    with pytest.raises(data.DocumentError) as exc:
        data.new_version(db, doc["id"], plant["qm"]["id"])
    assert exc.value.status == 409 and "hub" in exc.value.message
    with pytest.raises(data.DocumentError):
        workflow.transition(db, vid, states.Command("withdraw", "effective"), actor(qm2))
    _, created = workflow.acknowledge(db, vid, plant["operator"]["id"], data.today_at(db, doc["site_ids"]))
    assert created


@pytest.mark.both_engines
def test_read_and_understood_and_who_has_not_confirmed(db, plant, doc, qm2):
    today = data.today_at(db, doc["site_ids"])
    v1 = effective_doc(db, doc, plant["qm"], qm2)
    readers = {u["username"] for u in workflow.audience(db, doc["id"])}
    assert readers == {"op.a", "aud.a"}  # operators and auditors of the site; not QMs, admins or site B
    assert [d["code"] for d, _ in workflow.to_confirm(db, plant["operator"]["id"], lambda d: today)] == ["WI-ASM-012"]
    row, created = workflow.acknowledge(db, v1["id"], plant["operator"]["id"], today)
    assert created and row["user_id"] == plant["operator"]["id"]
    again, created = workflow.acknowledge(db, v1["id"], plant["operator"]["id"], today)
    assert not created and again["id"] == row["id"]
    report = {r["username"]: r["acked_at"] for r in workflow.receipts(db, doc["id"], v1["id"])}
    assert report["op.a"] == row["acked_at"] and report["aud.a"] is None
    assert workflow.to_confirm(db, plant["operator"]["id"], lambda d: today) == []
    with pytest.raises(data.DocumentError) as exc:
        workflow.acknowledge(db, v1["id"], plant["qm"]["id"], today)  # not a reader
    assert exc.value.status == 403
    with pytest.raises(dbm.IntegrityError):
        db.conn.execute("DELETE FROM document_acks")
    # A new version in force asks everyone again; the old receipt stays with the old version.
    v2 = data.new_version(db, doc["id"], plant["qm"]["id"])
    with pytest.raises(data.DocumentError) as exc:
        workflow.acknowledge(db, v2["id"], plant["operator"]["id"], today)  # a draft is not in force
    assert exc.value.status == 409
    submit(db, v2["id"], plant["qm"])
    approve(db, v2["id"], qm2)
    assert [v["version"] for _, v in workflow.to_confirm(db, plant["operator"]["id"], lambda d: today)] == [2]
    with pytest.raises(data.DocumentError):
        workflow.acknowledge(db, v1["id"], plant["auditor"]["id"], today)  # superseded: confirm the current one
    assert {r["username"] for r in workflow.receipts(db, doc["id"], v2["id"]) if r["acked_at"] is None} == \
        {"op.a", "aud.a"}


def test_due_for_review_with_a_controllable_date_and_marking_it_reviewed(db, plant, doc, qm2):
    effective_doc(db, doc, plant["qm"], qm2)
    review = date.fromisoformat(data.get_document(db, doc["id"])["next_review_date"])
    docs = data.list_documents(db, [plant["a"]["id"]])
    assert workflow.due_for_review(db, docs, lambda d: review - timedelta(days=1)) == []
    (due,) = workflow.due_for_review(db, docs, lambda d: review + timedelta(days=3))
    assert (due["code"], due["overdue_days"]) == ("WI-ASM-012", 3)
    workflow.mark_reviewed(db, doc["id"], plant["qm"]["id"], review + timedelta(days=3), "Still right")
    assert data.get_document(db, doc["id"])["next_review_date"] == data.review_due_date(
        (review + timedelta(days=3)).isoformat(), 12)
    assert workflow.due_for_review(db, data.list_documents(db, [plant["a"]["id"]]),
                                   lambda d: review + timedelta(days=3)) == []


def test_withdrawing_leaves_nothing_in_force(db, plant, doc, qm2):
    vid = effective_doc(db, doc, plant["qm"], qm2)["id"]
    workflow.transition(db, vid, states.Command("withdraw", "effective", comment="Line closed"), actor(qm2))
    assert status_of(db, vid) == "obsolete"
    assert workflow.in_force(db, doc["id"], data.today_at(db, doc["site_ids"])) is None


def test_documents_at_a_workstation_survive_a_rename(db, plant, doc):
    stations.update_workstation(db, plant["ws_a"]["id"], "Renamed station", plant["area_a"]["id"])
    assert [d["code"] for d in data.documents_at_workstation(db, plant["ws_a"]["id"])] == ["WI-ASM-012"]
    assert stations.get_workstation_by_code(db, "A-01")["name"] == "Renamed station"
