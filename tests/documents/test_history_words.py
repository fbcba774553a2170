"""The version table and history say when a version stopped being in force, in plain words (bug 11)."""
from fieldaudit import ids
from fieldaudit.documents import data, states
from tests.factories import approve, effective_doc, noon, submit


def test_a_superseded_version_shows_the_day_it_was_superseded_and_history_reads_as_sentences(auth, db, plant, doc,
                                                                                             qm2):
    with ids.at(noon("2026-03-26")):
        effective_doc(db, doc, plant["qm"], qm2)
    with ids.at(noon("2026-05-04")):
        v2 = data.new_version(db, doc["id"], plant["qm"]["id"])
        data.save_draft(db, v2["id"], title="Torque tightening", body="New", change_summary="Higher torque.",
                        by=plant["qm"]["id"])
        submit(db, v2["id"], plant["qm"])
        approve(db, v2["id"], qm2, effective="2026-05-04")
    auth.login("qm.a")
    page = auth.client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "on 2026-05-04" in page and "(in force from 2026-03-26)" in page
    assert "Version 2 started" in page and "version 2 version started" not in page.lower()
    assert "Document created" in page


def test_ended_on_is_the_successors_effective_date():
    versions = [{"id": "a", "version": 1, "status": "superseded", "effective_date": "2026-03-26"},
                {"id": "b", "version": 2, "status": "effective", "effective_date": "2026-05-04"},
                {"id": "c", "version": 3, "status": "draft", "effective_date": None}]
    assert states.ended_on(versions) == {"a": "2026-05-04"}
