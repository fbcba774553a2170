"""A document goes only to devices of the sites it applies to (document_sites); shared with a site later, it
reaches that site's device whole, although the device's cursor has passed the document's first changes."""
from fieldaudit.documents import data as documents
from fieldaudit.sync import pull
from tests.sync.helpers import rows

DOC_TABLES = ("documents", "document_versions", "document_sites", "document_version_authors")


def _doc(hub, code, site):
    plant = hub["plant"]
    doc, _ = documents.create_document(hub["db"], code=code, title=f"Procedure {code}", kind="procedure",
                                       by=plant["group_admin"]["id"], site_ids=[plant[site]["id"]],
                                       body="Do it right.")
    return doc


def _held(device, doc):
    return {t: rows(device.db, t, "document_id = ?" if t != "documents" else "id = ?", (doc["id"],))
            for t in ("documents", "document_versions", "document_sites")}


def test_a_document_reaches_only_the_devices_of_its_sites(hub, make_device):
    at_a, at_b = _doc(hub, "SOP-A", "a"), _doc(hub, "SOP-B", "b")
    device_a, device_b = make_device("da", sites=("a",)), make_device("db", sites=("b",))
    device_a.sync()
    device_b.sync()
    assert _held(device_a, at_a)["documents"] and _held(device_a, at_a)["document_versions"]
    assert not any(_held(device_a, at_b).values()), "a document of site B reached a device of site A"
    assert _held(device_b, at_b)["documents"] and not any(_held(device_b, at_a).values())
    # The hub's page itself: nothing of SOP-B for site A's device, whatever the table.
    page = pull.page(hub["db"], {"id": "x", "site_ids": [hub["plant"]["a"]["id"]]}, 0, 1000)
    b_versions = {v["id"] for v in rows(hub["db"], "document_versions", "document_id = ?", (at_b["id"],))}
    assert not [c for c in page["changes"] if c["key"] in b_versions | {at_b["id"]} or c["key"].startswith(
        at_b["id"] + "|")]


def test_a_document_shared_with_a_site_later_arrives_whole(hub, make_device):
    at_b = _doc(hub, "SOP-B", "b")
    device_a = make_device("da", sites=("a",))
    device_a.sync()  # the cursor passes SOP-B's creation, not for site A then
    assert not any(_held(device_a, at_b).values())
    plant = hub["plant"]
    documents.update_document(hub["db"], at_b["id"], kind="procedure", by=plant["group_admin"]["id"],
                              site_ids=[plant["a"]["id"], plant["b"]["id"]])
    device_a.sync()
    held = _held(device_a, at_b)
    for table in ("documents", "document_versions"):
        assert held[table] and held[table] == _held_on_hub(hub, at_b)[table], table
    assert {r["site_id"] for r in held["document_sites"]} == {plant["a"]["id"]}  # only its own site's link


def _held_on_hub(hub, doc):
    return {"documents": rows(hub["db"], "documents", "id = ?", (doc["id"],)),
            "document_versions": rows(hub["db"], "document_versions", "document_id = ?", (doc["id"],))}
