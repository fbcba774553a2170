"""The documents list reads scopes and versions of all documents in a few queries, with what one document's read
gives (a hub lists hundreds of documents)."""
import pytest

from fieldaudit.documents import data


@pytest.mark.both_engines
def test_the_list_gives_each_document_what_reading_it_alone_gives(db, plant, doc):
    data.create_document(db, code="sop-b-1", title="Site B procedure", kind="procedure", by=plant["qm"]["id"],
                         site_ids=[plant["b"]["id"]])
    data.create_document(db, code="sop-ab", title="Both sites", kind="procedure", by=plant["qm"]["id"],
                         site_ids=[plant["a"]["id"], plant["b"]["id"]])
    docs = data.list_documents(db, None)
    assert len(docs) == 3
    for listed in docs:
        alone = data.get_document(db, listed["id"])
        assert listed["site_ids"] == alone["site_ids"]
        assert sorted(listed["workstation_ids"]) == sorted(alone["workstation_ids"])
    many = data.versions_of_many(db, [d["id"] for d in docs])
    assert many == {d["id"]: data.versions_of(db, d["id"]) for d in docs}
    assert all(v["authors"] for versions in many.values() for v in versions)


def _statements(db, site):
    seen = []
    db.conn.set_trace_callback(seen.append)
    try:
        docs = data.list_documents(db, [site["id"]])
        data.versions_of_many(db, [d["id"] for d in docs])
    finally:
        db.conn.set_trace_callback(None)
    return len(docs), len(seen)


def test_the_list_reads_a_fixed_number_of_queries(db, plant, engine):
    if engine == "postgres":
        pytest.skip("statements are counted through SQLite's trace hook")
    for n in range(12):
        data.create_document(db, code=f"sop-{n}", title=f"Procedure {n}", kind="procedure", by=plant["qm"]["id"],
                             site_ids=[plant["a"]["id"]])
    few = _statements(db, plant["a"])
    for n in range(12, 24):
        data.create_document(db, code=f"sop-{n}", title=f"Procedure {n}", kind="procedure", by=plant["qm"]["id"],
                             site_ids=[plant["a"]["id"]])
    many = _statements(db, plant["a"])
    assert (few[0], many[0]) == (12, 24)
    assert many[1] == few[1]  # fails with a query per document
