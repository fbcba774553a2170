"""Images attached to documents go through the photo pipeline: metadata stripped, decoded completely, or refused."""
import io
import struct
from pathlib import Path

import pytest
from PIL import Image

from fieldaudit.documents import attachments, data
from fieldaudit.evidence import pipeline
from tests.factories import version_ids

# The corpus lives beside the checkout (../shared/corpus from the repo root) and is never copied into it.
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "images"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def corpus(name: str) -> bytes:
    path = next(CORPUS.glob(f"*/{name}"), None)
    # The corpus is part of the test setup (shared/ beside the checkout): a missing file fails, it never skips.
    assert path is not None, f"corpus file {name} is missing from {CORPUS}"
    return path.read_bytes()


def cut_short_jpeg(size: int = 677, side: int = 7000) -> bytes:
    """A JPEG whose header claims side × side pixels but whose scan ends after a few bytes (then EOI)."""
    out = io.BytesIO()
    Image.effect_noise((64, 64), 80).convert("RGB").save(out, "JPEG", quality=90)
    jpeg = bytearray(out.getvalue())
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5:sof + 9] = struct.pack(">HH", side, side)
    sos = jpeg.index(b"\xff\xda")
    scan = sos + 2 + int.from_bytes(jpeg[sos + 2:sos + 4], "big")
    assert scan < size - 2, "the header alone is longer than the file should be"
    return bytes(jpeg[:size - 2]) + b"\xff\xd9"


def test_a_jpeg_cut_short_is_refused_by_the_photo_pipeline():
    blob = cut_short_jpeg()
    assert len(blob) == 677 and Image.open(io.BytesIO(blob)).size == (7000, 7000)
    with pytest.raises(pipeline.PhotoError, match="damaged or incomplete"):
        pipeline.ingest(blob)
    with pytest.raises(pipeline.PhotoError, match="damaged or incomplete"):
        pipeline.ingest(corpus("truncated_jpeg.jpg"))


def test_gps_and_exif_are_stripped_from_attached_images():
    original = corpus("exif_gps.jpg")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the file carries a GPS block
    stored, mime = attachments.prepare(original)
    assert mime == "image/jpeg" and stored != original
    with Image.open(io.BytesIO(stored)) as im:
        assert not im.getexif() and "exif" not in im.info and "comment" not in im.info
    assert b"Exif" not in stored and b"GPS" not in stored
    assert attachments.prepare(PDF) == (PDF, "application/pdf")


@pytest.mark.parametrize("name", ["cut-short", "truncated_jpeg.jpg", "truncated_image.png", "broken.png"])
def test_broken_images_are_refused_and_nothing_is_stored(auth, app, db, doc, name):
    blob = cut_short_jpeg() if name == "cut-short" else corpus(name)
    vid = version_ids(db, doc["id"])[1]
    auth.login("qm.a")
    response = auth.post(f"/documents/{doc['id']}/versions/{vid}/edit",
                         {"title": "T", "body": "B", "attachment": (io.BytesIO(blob), name)},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "cannot be used" in response.get_data(as_text=True) and "<form" in response.get_data(as_text=True)
    assert data.get_version(db, vid)["attachment_sha256"] is None


def test_an_attached_phone_photo_is_served_without_its_position(auth, app, db, doc):
    vid = version_ids(db, doc["id"])[1]
    auth.login("qm.a")
    response = auth.post(f"/documents/{doc['id']}/versions/{vid}/edit",
                         {"title": "T", "body": "B", "attachment": (io.BytesIO(corpus("DSCN0010.jpg")), "p.jpg")},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    with auth.client.get(f"/documents/{doc['id']}/versions/{vid}/attachment") as served:
        assert served.mimetype == "image/jpeg" and b"GPS" not in served.data and b"Exif" not in served.data
        assert Image.open(io.BytesIO(served.data)).size == (640, 480)


def test_the_pixel_budget_applies_to_attachments(app, db, plant, doc):
    out = io.BytesIO()
    Image.new("L", (300, 300)).save(out, "PNG")
    with pytest.raises(attachments.AttachmentError) as exc:
        attachments.prepare(out.getvalue(), max_pixels=50_000)
    assert exc.value.status == 413
