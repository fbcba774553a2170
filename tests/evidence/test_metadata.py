"""Stored photos carry nothing but pixels, even when the upload had a JPEG comment (Pillow copies it when saving)."""
import io

import pytest
from PIL import Image

from fieldaudit.evidence import pipeline
from tests.evidence.test_pipeline import assert_no_metadata, camera_like


@pytest.mark.parametrize("size", [(640, 480), (3000, 2000)])  # decoded whole, and draft-decoded at reduced scale
def test_a_jpeg_comment_never_reaches_the_stored_photo_or_thumbnail(size):
    source = camera_like(*size, comment=b"Line 3 supervisor: ask for Anna's badge 4711")
    assert Image.open(io.BytesIO(source)).info.get("comment")  # the upload does carry it
    photo = pipeline.ingest(source)
    for stored in (photo.image, photo.thumb):
        assert b"badge 4711" not in stored
        assert_no_metadata(stored)
