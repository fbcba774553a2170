"""Who may add, change and see photos: the site guard and the owner guard on every evidence route."""
import io

import pytest
from PIL import Image

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.evidence import data as evidence
from fieldaudit.evidence.blobstore import BlobStore
from tests.factories import GUARDED


def _jpeg(colour="navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def photos(app, db, two_roles):
    """One photo on the finding of each of the audits of `two_roles`."""
    store = BlobStore(config.blob_dir(app.config))
    return {which: evidence.attach(db, store, two_roles[which], [_jpeg()], by=two_roles[which]["auditor_id"],
                                   finding_id=two_roles[which]["finding_id"])[0]["id"] for which in GUARDED}


SHAPES = '[{"type": "rect", "x1": 0.1, "y1": 0.1, "x2": 0.5, "y2": 0.5}]'
# (method, url, form, status when allowed)
CHANGES = [
    ("post", "/evidence/{ev}/caption", {"caption": "Oil under press 3"}, 303),
    ("get", "/evidence/{ev}/annotate", None, 200),
    ("post", "/evidence/{ev}/annotate", {"shapes": SHAPES}, 303),
    ("post", "/evidence/{ev}/delete", {}, 303),
]


def _evidence_rows(db, audit_id):
    return dbm.query(db, "SELECT id, caption FROM evidence WHERE audit_id = ? ORDER BY id", (audit_id,))


@pytest.mark.parametrize("method,url,fields,allowed", CHANGES)
def test_changing_a_photo_needs_the_site_role_and_to_be_its_auditor(auth, db, two_roles, photos, method, url,
                                                                     fields, allowed):
    auth.login("pat")
    for which, expected in GUARDED.items():
        before = _evidence_rows(db, two_roles[which]["id"])
        target = url.format(ev=photos[which])
        response = auth.client.get(target) if method == "get" else auth.post(target, fields)
        assert response.status_code == (allowed if expected == "allowed" else expected), which
        if expected != "allowed":
            assert _evidence_rows(db, two_roles[which]["id"]) == before


def test_adding_a_photo_needs_the_site_role_and_to_be_its_auditor(auth, db, two_roles):
    auth.login("pat")
    for which, expected in GUARDED.items():
        audit = two_roles[which]
        response = auth.post(f"/audits/{audit['id']}/evidence", {
            "finding_id": audit["finding_id"], "photos": [(io.BytesIO(_jpeg("olive")), "a.jpg")]},
            content_type="multipart/form-data")
        assert response.status_code == (303 if expected == "allowed" else expected), which
        assert len(_evidence_rows(db, audit["id"])) == (1 if expected == "allowed" else 0)


@pytest.mark.parametrize("url", ["/evidence/{ev}", "/evidence/{ev}/image", "/evidence/{ev}/thumb"])
def test_seeing_a_photo_needs_a_role_that_sees_audits_at_its_site(auth, two_roles, photos, url):
    auth.login("pat")
    # Seeing is not owning: another auditor's photo at Pat's own site is shown.
    for which, expected in {**GUARDED, "others_a": "allowed"}.items():
        response = auth.client.get(url.format(ev=photos[which]))
        assert response.status_code == (200 if expected == "allowed" else expected), which
        response.close()
