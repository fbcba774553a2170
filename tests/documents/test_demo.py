"""The demo documents: every procedure the shipped checklists name, with real histories; loading twice adds nothing."""
from fieldaudit import config, demo
from fieldaudit.demo import documents as demo_documents
from fieldaudit import db as dbm
from fieldaudit.checklists import load_checklist, shipped_checklist_paths
from fieldaudit.documents import data, workflow
from fieldaudit.evidence.blobstore import BlobStore
from fieldaudit.trail import verify_chains
from tests.factories import FAST_HASH


def test_demo_documents_cover_the_checklists_and_every_state(app, db):
    demo.seed(db, hash_method=FAST_HASH)
    store = BlobStore(config.blob_dir(app.config))
    first = demo_documents.seed_documents(db, store)
    assert first["documents"] == len(demo_documents.SPECS) and first["receipts"] > 0
    assert demo_documents.seed_documents(db, store) == {"documents": 0, "versions": 0, "receipts": 0}
    named = {q.procedure for p in shipped_checklist_paths() for q in load_checklist(p).all_questions() if q.procedure}
    assert named <= {d["code"] for d in data.list_documents(db)}
    states = {(r["code"], r["version"]): r["status"] for r in dbm.query(
        db, "SELECT d.code, v.version, v.status FROM document_versions v JOIN documents d ON d.id = v.document_id")}
    assert states[("WI-ASM-012", 1)] == "superseded" and states[("WI-ASM-012", 2)] == "effective"
    assert "in_review" in states.values() and "approved" in states.values()
    wi = data.get_document_by_code(db, "WI-ASM-012")
    v2 = data.versions_of(db, wi["id"])[0]
    assert v2["attachment_mime"] == "application/pdf" and store.verify(v2["attachment_sha256"])
    docs = data.list_documents(db)
    assert workflow.due_for_review(db, docs, lambda d: data.today_at(db, d["site_ids"]))
    assert dbm.scalar(db, "SELECT COUNT(*) FROM signatures WHERE record_type = 'document_version'") >= 19
    assert verify_chains(db) == []


def test_every_procedure_the_checklists_link_is_in_force_at_the_demo_sites_that_audit(app, db):
    """Bug 5: ISO 9001 q 4.2 and the safety walk linked procedures that only PLT2 had; a PLT1 auditor got 404."""
    demo.seed(db, hash_method=FAST_HASH)
    demo_documents.seed_documents(db, BlobStore(config.blob_dir(app.config)))
    named = {q.procedure for p in shipped_checklist_paths() for q in load_checklist(p).all_questions() if q.procedure}
    plt1 = dbm.query_one(db, "SELECT * FROM sites WHERE code = 'PLT1'")
    assert workflow.in_force_at_site(db, plt1["id"], named, data.local_today(plt1["timezone"])) == named
