"""Bounded decoding: photos per request, a pixel budget for formats decoded at full size, a process-wide gate."""
import io
import threading
import time

import pytest
from PIL import Image

from fieldaudit.evidence import decoding, pipeline
from fieldaudit.refusal import Refusal


def jpeg(seed=0) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (seed * 20 % 256, 20, 20)).save(out, "JPEG")
    return out.getvalue()


def png(size, mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG", compress_level=1)
    return out.getvalue()


@pytest.fixture(scope="module")
def large_png() -> bytes:
    """5,000 × 5,000 (25 MP): under the 50 MP budget but over the 24 MP one for full decodes; ~100 KB on disk."""
    return png((5000, 5000), "L")


def upload(auth, audit, files, field="photos"):
    payload = {"question_id": "guard", field: [(io.BytesIO(content), f"p{n}.jpg") for n, content in enumerate(files)]}
    return auth.post(f"/audits/{audit['id']}/evidence", payload, content_type="multipart/form-data")


def test_more_photos_than_the_limit_in_one_request_are_refused_whole(auth, audit, db):
    auth.login("aud.a")
    response = upload(auth, audit, [jpeg(n) for n in range(11)])
    assert response.status_code == 413
    assert "11 photos were sent at once; the limit is 10" in response.get_data(as_text=True)
    assert db["evidence"].count == 0
    assert upload(auth, audit, [jpeg(n) for n in range(10)]).status_code == 303
    assert db["evidence"].count == 10


def test_the_photo_count_covers_the_section_form_too(auth, audit, db):
    auth.login("aud.a")
    files = [(io.BytesIO(jpeg(n)), f"p{n}.jpg") for n in range(6)]
    response = auth.post(f"/audits/{audit['id']}/sections/basics",
                         {"photos-guard": files[:3], "photos-torque": files[3:], "v-guard": "yes"},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    auth.client.application.config["PHOTO_MAX_FILES"] = 5
    files = [(io.BytesIO(jpeg(n)), f"q{n}.jpg") for n in range(6)]
    response = auth.post(f"/audits/{audit['id']}/sections/basics",
                         {"photos-guard": files[:3], "photos-torque": files[3:]}, content_type="multipart/form-data")
    assert response.status_code == 413 and "the limit is 5" in response.get_data(as_text=True)


def test_a_large_png_is_refused_quickly_with_a_readable_message(auth, audit, large_png):
    started = time.perf_counter()
    with pytest.raises(pipeline.PhotoError) as refused:
        pipeline.ingest(large_png)
    assert time.perf_counter() - started < 0.5  # refused from the header, before any pixel is decoded
    assert refused.value.status == 413
    assert "5000 × 5000 pixels (25 megapixels); the limit for PNG is 24 megapixels" in refused.value.message
    auth.login("aud.a")
    response = upload(auth, audit, [large_png])
    assert response.status_code == 413 and "Send it as a JPEG" in response.get_data(as_text=True)


def test_the_full_decode_budget_is_a_setting_and_spares_jpeg(large_png):
    assert pipeline.ingest(large_png, max_pixels_full=30_000_000).width == 2000
    big_jpeg = io.BytesIO()
    Image.new("RGB", (5000, 5000)).save(big_jpeg, "JPEG")
    assert pipeline.ingest(big_jpeg.getvalue()).width == 2000  # reduced by the JPEG decoder: only the 50 MP budget


def test_no_more_decodes_run_at_once_than_the_gate_allows(monkeypatch):
    running, peak, lock = [0], [0], threading.Lock()
    load = pipeline._load

    def counted(im, max_pixels):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        try:
            return load(im, max_pixels)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(pipeline, "_load", counted)
    decoding.configure(2)
    try:
        threads = [threading.Thread(target=pipeline.ingest, args=(png((64, 64)),)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        decoding.configure(decoding.DEFAULT.decode_slots)
    assert peak[0] == 2


def test_a_full_gate_refuses_after_waiting(monkeypatch):
    decoding.configure(1)
    try:
        with decoding.slot():
            with pytest.raises(Refusal) as busy:
                with decoding.slot(wait=0.01):
                    pass
    finally:
        decoding.configure(decoding.DEFAULT.decode_slots)
    assert busy.value.status == 503 and "busy" in busy.value.message


def test_the_gate_is_sized_by_the_setting(tmp_path):
    from fieldaudit import create_app
    from tests.factories import FAST_HASH
    create_app({"DATA_DIR": str(tmp_path), "PASSWORD_HASH_METHOD": FAST_HASH, "PHOTO_DECODE_SLOTS": 3})
    try:
        assert decoding._gate._initial_value == 3
    finally:
        decoding.configure(decoding.DEFAULT.decode_slots)
