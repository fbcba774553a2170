"""A checklist's procedure link resolves at the audit's site (bug 5): a document the site does not have in force says
so in place instead of linking to a "Not found"."""
from fieldaudit.audits import data as audits
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.documents import data as documents
from tests.factories import effective_doc, make_user

CHECKLIST = """
id: proc-walk
version: 1
title: Procedure walk
sections:
  - id: maint
    title: Maintenance
    questions:
      - {id: pm, text: Preventive maintenance done, type: yes_no, procedure: SOP-MNT-001}
"""


def _section(auth, client, db, plant):
    version, _ = store.publish(db, parse_checklist(CHECKLIST, "proc-walk.yaml"), by=None)
    audit = audits.create_audit(db, site=plant["a"], checklist_version_id=version["id"],
                                auditor_id=plant["auditor"]["id"])
    auth.login("aud.a")
    return lambda: client.get(f"/audits/{audit['id']}/sections/maint").get_data(as_text=True)


def _document(db, plant, site):
    qm = make_user(db, f"qm.{site['code']}", "quality_manager", site)
    qm2 = make_user(db, f"qm2.{site['code']}", "quality_manager", site)
    doc, _ = documents.create_document(db, code="SOP-MNT-001", title="Preventive maintenance", kind="procedure",
                                       by=qm["id"], site_ids=[site["id"]])
    documents.save_draft(db, documents.versions_of(db, doc["id"])[0]["id"], title="Preventive maintenance",
                         body="Grease weekly.", change_summary="First issue.", by=qm["id"])
    effective_doc(db, doc, qm, qm2)
    return doc


def test_a_procedure_only_another_site_has_says_so_in_place(auth, client, db, plant):
    _document(db, plant, plant["b"])
    page = _section(auth, client, db, plant)()
    assert "SOP-MNT-001 is not in force at Plant A" in page
    assert "/documents/code/SOP-MNT-001" not in page


def test_a_procedure_in_force_at_the_audit_site_is_a_link(auth, client, db, plant):
    _document(db, plant, plant["a"])
    page = _section(auth, client, db, plant)()
    assert "/documents/code/SOP-MNT-001" in page and "not in force" not in page
