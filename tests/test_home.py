"""The home screen by role: each person sees their work of the day, every item linked to itself, and only of the
sites where their role allows it."""
from fieldaudit import ids
from fieldaudit.capa import data as capa
from fieldaudit.documents import data as documents
from tests.factories import add_role, approve, make_user, noon, submit


def _document(db, code, site, author, *, in_review=False, approver=None):
    doc, version = documents.create_document(db, code=code, title=f"{code} title", kind="procedure", by=author["id"],
                                             site_ids=[site["id"]])
    documents.save_draft(db, version["id"], title=f"{code} title", body="Do it.", change_summary="First issue.",
                         by=author["id"])
    submit(db, version["id"], author)
    if not in_review:
        approve(db, version["id"], approver)
    return doc, version


def test_operator_sees_documents_to_read_linked(auth, db, plant):
    qm2 = make_user(db, "qm2.a", "quality_manager", plant["a"])
    doc, _ = _document(db, "SOP-READ-1", plant["a"], plant["qm"], approver=qm2)
    auth.login("op.a")
    page = auth.client.get("/").get_data(as_text=True)
    assert "Documents to read and confirm" in page and f'href="/documents/{doc["id"]}"' in page


def test_approver_sees_versions_waiting_only_where_they_approve(auth, db, plant):
    """Quality manager at A and operator at B: A's version in review is listed, B's is not (nor their own)."""
    qm_b = make_user(db, "qm.b", "quality_manager", plant["b"])
    add_role(db, plant["qm"], "operator", plant["b"])
    writer = make_user(db, "qm2.a", "quality_manager", plant["a"])
    doc_a, v_a = _document(db, "SOP-A-1", plant["a"], writer, in_review=True)
    doc_b, v_b = _document(db, "SOP-B-1", plant["b"], qm_b, in_review=True)
    own, v_own = _document(db, "SOP-A-2", plant["a"], plant["qm"], in_review=True)
    auth.login("qm.a")
    page = auth.client.get("/").get_data(as_text=True)
    assert "Versions waiting for your approval" in page
    assert f'/documents/{doc_a["id"]}/versions/{v_a["id"]}' in page
    assert doc_b["id"] not in page and v_own["id"] not in page


def test_quality_manager_sees_triage_and_each_overdue_capa(auth, db, plant):
    with ids.at(noon("2020-01-01")):
        late = capa.create_capa(db, site=plant["a"], title="Torque drift", by=plant["qm"]["id"],
                                due_date="2020-02-01")
    other = capa.create_capa(db, site=plant["b"], title="Site B thing", by=plant["qm"]["id"])
    auth.login("qm.a")
    page = auth.client.get("/").get_data(as_text=True)
    assert "awaiting a CAPA decision" in page and f'href="/capa/{late["id"]}"' in page
    assert other["id"] not in page


def test_auditor_sees_their_audit_in_progress_linked(auth, audit):
    auth.login("aud.a")
    page = auth.client.get("/").get_data(as_text=True)
    assert f'href="/audits/{audit["id"]}/run"' in page and "Versions waiting" not in page
