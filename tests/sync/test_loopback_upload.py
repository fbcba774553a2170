"""An 8 MB photo upload cut at 6 MB by the network resumes where it stopped: the proxy counts about 2 MB sent again,
not the whole photo. The photo is a real one through the pipeline: a 12-megapixel site (PHOTO_MAX_SIDE = 4000, a
setting an installation may choose to keep its cameras' detail) and a picture that stays large as JPEG (fine
noise), so the stored blob that syncs is about 8 MB."""
import hashlib
import io
import os

import pytest
from PIL import Image

from tests.sync.loopback import audit_through_ui, blob, read, world_from
from tests.sync.proxy import Faults

pytestmark = pytest.mark.slow
MB = 1024 * 1024


@pytest.fixture
def world(loopback_template, tmp_path):
    made = world_from(loopback_template, tmp_path / "world", PHOTO_MAX_SIDE="4000")
    yield made
    made.stop()


def big_photo() -> bytes:
    """A 4000 × 3000 photo of fine noise: the pipeline keeps every pixel and JPEG cannot make it small."""
    im = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_an_8_mb_photo_upload_cut_at_6_mb_resumes_and_sends_about_2_mb_again(world):
    one = world.devices[0]
    audit = audit_through_ui(world.web(one, "auditor"), one.folder, [big_photo()], world.passwords["auditor"])
    sha = read(one.folder, "SELECT sha256 FROM evidence WHERE audit_id = ?", (audit["id"],))[0]["sha256"]
    size = blob(one.folder, sha).stat().st_size
    assert 7.5 * MB < size < 10 * MB, size  # what the pipeline stored and sync must carry

    # The sync sends the photo first (a blob goes before the rows that name it): the cut falls 6 MB into it.
    before = world.proxy.bytes_up
    world.proxy.faults = Faults(cut_total_after=before + 6 * MB + 64 * 1024, once=True)
    run = one.sync()
    assert run.returncode == 0, run.stdout + run.stderr
    assert world.proxy.resets == 1
    sent, again = world.proxy.bytes_up - before, world.proxy.bytes_up - world.proxy.cut_at_up
    # From zero it would be 6 MB + the whole photo again; resumed, what follows the cut is the rest of the photo
    # (size - 6 MB, about 2 MB), the thumbnail, the signature and the rows.
    assert again < 3 * MB and again < size - 6 * MB + 0.5 * MB, (again, size)
    assert sent < size + 1 * MB, (sent, size)
    print(f"photo {size} bytes; bytes up {sent}, after the cut {again}")

    kept = blob(world.hub.data_dir, sha)
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == sha
    assert read(world.hub, "SELECT status FROM audits WHERE id = ?", (audit["id"],)) == \
        [{"status": "submitted"}]
    partial = world.hub.data_dir / "blobs" / ".partial"
    assert not partial.exists() or not list(partial.iterdir())
