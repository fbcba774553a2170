"""Photos through the app: upload to a question or finding, refusals that store nothing, access to photo URLs."""
import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.audits import data, record
from fieldaudit.checklists import parse_checklist, store

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "images"

PHOTO_CHECKLIST = """
id: photo-walk
version: 1
title: Photo walk
sections:
  - title: Look
    questions:
      - {id: area-ok, text: Area in order, type: yes_no}
      - {id: overview, text: Overview photo, type: photo, min_photos: 2}
"""


@pytest.fixture
def photo_audit(db, plant):
    version, _ = store.publish(db, parse_checklist(PHOTO_CHECKLIST, "photo.yaml"), by=None)
    return data.create_audit(db, site=plant["a"], checklist_version_id=version["id"],
                             auditor_id=plant["auditor"]["id"])


def blob_files(app) -> list[Path]:
    root = config.blob_dir(app.config)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(auth, audit, *files, htmx=True, **fields):
    payload = {"question_id": "overview", **fields,
               "photos": [(io.BytesIO(content), name) for name, content in files]}
    return auth.post(f"/audits/{audit['id']}/evidence", payload, htmx=htmx, content_type="multipart/form-data")


def read(name):
    return (CORPUS / name).read_bytes()


@pytest.mark.both_engines(slow=True)
def test_upload_to_a_photo_question_shows_thumbnails_and_counts(auth, photo_audit, db, app):
    auth.login("aud.a")
    response = upload(auth, photo_audit, ("p.jpg", read("exif-samples/DSCN0010.jpg")))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "1 photo attached, at least 2 needed" in html and 'id="audit-progress"' in html
    thumb = re.search(r'src="(/evidence/[0-9A-Z]+/thumb)"', html).group(1)
    image = auth.client.get(thumb)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Cache-Control"] == "private, no-store"  # behind the site check: never kept
    image.close()
    assert len(blob_files(app)) == 2  # bounded image + thumbnail; the original is not kept


def test_stored_photo_has_no_gps_or_exif_but_keeps_capture_time(auth, photo_audit, db, app):
    auth.login("aud.a")
    upload(auth, photo_audit, ("gps.jpg", read("exif-samples/DSCN0010.jpg")))
    row = dbm.query_one(db, "SELECT * FROM evidence")
    assert row["captured_at"] and row["captured_at"].startswith("2008")
    for path in blob_files(app):
        with Image.open(path) as im:
            assert not im.getexif() and "exif" not in im.info and "icc_profile" not in im.info
        assert b"GPS" not in path.read_bytes()


def test_orientation_is_applied(auth, photo_audit, db, app):
    auth.login("aud.a")
    upload(auth, photo_audit, ("rot.jpg", read("exif-samples/portrait_8.jpg")))
    row = dbm.query_one(db, "SELECT * FROM evidence")
    with Image.open(CORPUS / "exif-samples/portrait_8.jpg") as original:
        w, h = original.size
    assert (row["original_width"], row["original_height"]) == (h, w)  # orientation 8 turns it a quarter


def test_same_photo_twice_is_stored_once(auth, photo_audit, db, app):
    auth.login("aud.a")
    photo = read("pillow/hopper.jpg")
    upload(auth, photo_audit, ("a.jpg", photo))
    upload(auth, photo_audit, ("a-again.jpg", photo))  # retried upload: one link
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence") == 1
    finding = data.add_finding(db, photo_audit, {"severity": "minor", "description": "x"}, photo_audit["auditor_id"])
    upload(auth, photo_audit, ("a.jpg", photo), question_id="", finding_id=finding["id"])
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence") == 2   # linked twice
    assert len(blob_files(app)) == 2                               # stored once


BAD = [
    ("empty.jpg", b"", 400, "empty"),
    ("notes.jpg", b"this is not an image at all", 400, ""),
    ("truncated.jpg", "pillow/truncated_jpeg.jpg", 400, ""),
    ("broken.png", "pillow/broken.png", 400, ""),
    ("bomb.gif", "pillow/decompression_bomb.gif", 400, "GIF"),
    ("lying.png", "pillow/hopper.gif", 400, "GIF"),
]


@pytest.mark.parametrize("name,content,status,message", BAD)
def test_bad_uploads_are_refused_and_leave_nothing(auth, photo_audit, db, app, name, content, status, message):
    auth.login("aud.a")
    body = read(content) if content.__class__ is str else content
    response = upload(auth, photo_audit, (name, body))
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence") == 0
    assert blob_files(app) == []


def test_pixel_bomb_is_refused_before_decoding(auth, photo_audit, db, app, monkeypatch):
    # A real PNG whose header claims 20000 x 15000 = 300 megapixels, with almost no data behind it.
    import struct
    import zlib

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 15000, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("decoded a bomb")
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    auth.login("aud.a")
    response = upload(auth, photo_audit, ("huge.png", bomb))
    assert response.status_code == 413
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence") == 0 and blob_files(app) == []


def test_upload_over_the_request_limit_gets_413(app, auth, photo_audit, db):
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    auth.login("aud.a")
    response = upload(auth, photo_audit, ("big.jpg", os.urandom(300_000)))
    assert response.status_code == 413
    assert blob_files(app) == []


def test_one_bad_file_refuses_the_whole_batch(auth, photo_audit, db, app):
    auth.login("aud.a")
    response = upload(auth, photo_audit, ("ok.jpg", read("pillow/hopper.jpg")), ("bad.jpg", b"nope"))
    assert response.status_code == 400
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence") == 0 and blob_files(app) == []


def test_path_like_filename_is_never_used(auth, photo_audit, db, app, tmp_path):
    auth.login("aud.a")
    response = upload(auth, photo_audit, ("../../x.jpg", read("pillow/hopper.jpg")))
    assert response.status_code == 200
    names = {p.name for p in blob_files(app)}
    row = dbm.query_one(db, "SELECT * FROM evidence")
    assert names == {row["sha256"][2:], row["thumb_sha256"][2:]}
    assert not any("x.jpg" in str(p) for p in Path(app.config["DATA_DIR"]).parent.rglob("x.jpg"))


def test_upload_to_another_sites_audit_is_404(auth, photo_audit, db, app):
    auth.login("aud.b")
    assert upload(auth, photo_audit, ("a.jpg", read("pillow/hopper.jpg"))).status_code == 404
    assert blob_files(app) == []


def test_upload_to_a_submitted_audit_is_409(auth, photo_audit, db, app, plant):
    auth.login("aud.a")
    upload(auth, photo_audit, ("a.jpg", read("pillow/hopper.jpg")))
    upload(auth, photo_audit, ("b.jpg", read("pillow/hopper.webp")))
    data.save_answer(db, photo_audit, "area-ok", "yes", None, plant["auditor"]["id"])
    record.submit(db, photo_audit["id"], plant["auditor"])
    before = len(blob_files(app))
    response = upload(auth, photo_audit, ("c.jpg", read("pillow/hopper.png")))
    assert response.status_code == 409
    assert len(blob_files(app)) == before
    ev = dbm.query_one(db, "SELECT id FROM evidence")
    assert auth.post(f"/evidence/{ev['id']}/delete").status_code == 409


@pytest.mark.both_engines(slow=True)
def test_photo_urls_check_the_site(auth, photo_audit, db, app, client):
    auth.login("aud.a")
    upload(auth, photo_audit, ("a.jpg", read("pillow/hopper.jpg")))
    ev = dbm.query_one(db, "SELECT id FROM evidence")
    auth.logout()
    for url in (f"/evidence/{ev['id']}/image", f"/evidence/{ev['id']}/thumb", f"/evidence/{ev['id']}"):
        assert client.get(url).status_code == 302  # signed out: to login
    auth.login("aud.b")
    for url in (f"/evidence/{ev['id']}/image", f"/evidence/{ev['id']}/thumb", f"/evidence/{ev['id']}"):
        assert client.get(url).status_code == 404
    auth.logout()
    auth.login("qm.a")
    response = client.get(f"/evidence/{ev['id']}/image")
    assert response.status_code == 200
    response.close()
    assert auth.post(f"/evidence/{ev['id']}/delete").status_code == 403


def test_photo_question_counts_toward_submission(auth, photo_audit, db, plant):
    data.save_answer(db, photo_audit, "area-ok", "yes", None, plant["auditor"]["id"])
    with pytest.raises(data.MissingItems) as caught:
        record.submit(db, photo_audit["id"], plant["auditor"])
    assert caught.value.missing == [("overview", "needs at least 2 photos; has 0")]
    auth.login("aud.a")
    upload(auth, photo_audit, ("a.jpg", read("pillow/hopper.jpg")), ("b.png", read("pillow/hopper.png")))
    audit, created = record.submit(db, photo_audit["id"], plant["auditor"])
    assert created and record.verify(db) == []


def test_delete_removes_unused_blobs(auth, photo_audit, db, app):
    auth.login("aud.a")
    upload(auth, photo_audit, ("a.jpg", read("pillow/hopper.jpg")))
    ev = dbm.query_one(db, "SELECT id FROM evidence")
    response = auth.post(f"/evidence/{ev['id']}/delete", htmx=True)
    assert response.status_code == 200 and "0 photos attached" in response.get_data(as_text=True)
    assert blob_files(app) == []


def test_caption_and_annotation_keep_the_original(auth, photo_audit, db, app):
    auth.login("aud.a")
    upload(auth, photo_audit, ("a.jpg", read("pillow/hopper.jpg")))
    ev = dbm.query_one(db, "SELECT * FROM evidence")
    assert auth.post(f"/evidence/{ev['id']}/caption", {"caption": "Oil under press 3"}).status_code == 303
    shapes = '[{"type": "circle", "x1": 0.2, "y1": 0.2, "x2": 0.6, "y2": 0.6, "color": "#ff0000", "width": 4}]'
    response = auth.post(f"/evidence/{ev['id']}/annotate", {"shapes": shapes})
    assert response.status_code == 303
    rows = dbm.query(db, "SELECT * FROM evidence ORDER BY created_at")
    assert len(rows) == 2 and rows[1]["derived_from"] == ev["id"] and rows[0]["sha256"] == ev["sha256"]
    assert rows[1]["caption"] == "Oil under press 3 (annotated)"
    viewer = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Annotated from" in viewer
    bad = auth.post(f"/evidence/{ev['id']}/annotate", {"shapes": "[{\"type\": \"star\"}]"})
    assert bad.status_code == 400


def test_photos_go_with_the_section_form_without_javascript(auth, photo_audit, db, app):
    auth.login("aud.a")
    section = data.checklist_of(db, photo_audit).sections[0].id
    response = auth.post(f"/audits/{photo_audit['id']}/sections/{section}", {
        "v-area-ok": "yes", "n-area-ok": "",
        "photos-overview": [(io.BytesIO(read("pillow/hopper.jpg")), "a.jpg"),
                            (io.BytesIO(read("pillow/hopper.png")), "b.png")]}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence WHERE question_id = 'overview'") == 2
    assert data.answers_of(db, photo_audit["id"])["area-ok"]["value"] == "yes"
    bad = auth.post(f"/audits/{photo_audit['id']}/sections/{section}", {
        "photos-overview": [(io.BytesIO(b"not a photo"), "c.jpg")]}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "not a picture" in bad.get_data(as_text=True)
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence") == 2


def test_annotating_a_photo_of_a_submitted_audit_is_409_not_a_drawing_error(auth, photo_audit, db, plant):
    auth.login("aud.a")
    upload(auth, photo_audit, ("a.jpg", read("pillow/hopper.jpg")), ("b.png", read("pillow/hopper.png")))
    data.save_answer(db, photo_audit, "area-ok", "yes", None, plant["auditor"]["id"])
    record.submit(db, photo_audit["id"], plant["auditor"])
    ev = dbm.query_one(db, "SELECT id FROM evidence LIMIT 1")
    shapes = '[{"type": "rect", "x1": 0.1, "y1": 0.1, "x2": 0.5, "y2": 0.5}]'
    response = auth.post(f"/evidence/{ev['id']}/annotate", {"shapes": shapes})
    assert response.status_code == 409 and "submitted" in response.get_data(as_text=True)
    assert auth.post(f"/evidence/{ev['id']}/annotate", {"shapes": "{not json"}).status_code in (400, 409)


def test_a_photo_too_big_is_refused_through_the_section_form_as_through_htmx(app, auth, photo_audit, db):
    app.config["PHOTO_MAX_BYTES"] = 100_000
    photo = read("exif-samples/DSCN0010.jpg")  # 158 kB
    auth.login("aud.a")
    through_htmx = upload(auth, photo_audit, ("big.jpg", photo))
    assert through_htmx.status_code == 413 and "the limit is" in through_htmx.get_data(as_text=True)
    section = data.checklist_of(db, photo_audit).sections[0].id
    through_form = auth.post(f"/audits/{photo_audit['id']}/sections/{section}", {
        "v-area-ok": "yes", "n-area-ok": "typed with the photo",
        "photos-overview": [(io.BytesIO(photo), "big.jpg"), (io.BytesIO(read("pillow/hopper.jpg")), "ok.jpg")]},
        content_type="multipart/form-data")
    html = through_form.get_data(as_text=True)
    assert 400 <= through_form.status_code < 500 and "the limit is" in html and 'class="q-error"' in html
    assert "typed with the photo" in html  # what was typed is shown again, though not saved
    assert dbm.scalar(db, "SELECT COUNT(*) FROM evidence") == 0 and blob_files(app) == []
    assert data.answers_of(db, photo_audit["id"]) == {}
