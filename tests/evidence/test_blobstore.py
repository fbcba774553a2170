"""Tests for the content-addressed blob store."""

import hashlib
import os
import stat
import time

import pytest

from fieldaudit.evidence import blobstore
from fieldaudit.evidence.blobstore import BlobStore, check_sha

DATA = b"evidence photo bytes \x00\xff" * 100
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path):
    """A store in a fresh folder that does not exist yet."""
    return BlobStore(tmp_path / "blobs")


def all_files(root):
    """Every file under root, as paths relative to it."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_put_names_blob_by_hash_in_two_char_folder(store):
    assert store.put(DATA) == SHA
    assert store.path(SHA) == store.root / SHA[:2] / SHA[2:]
    assert store.path(SHA).read_bytes() == DATA
    assert all_files(store.root) == [f"{SHA[:2]}/{SHA[2:]}"]
    assert store.exists(SHA) and store.size(SHA) == len(DATA) and store.verify(SHA)
    with store.open(SHA) as handle:
        assert handle.read() == DATA


def test_put_is_atomic_and_durable(store, monkeypatch):
    events = []
    real_replace, real_fsync = os.replace, os.fsync

    def replace(src, dst):
        # The final name must not exist before the rename, and the temp must sit beside it (same filesystem).
        assert not os.path.exists(dst)
        assert os.path.dirname(src) == os.path.dirname(dst)
        with open(src, "rb") as written:
            assert written.read() == DATA
        events.append("replace")
        real_replace(src, dst)

    def fsync(fd):
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)
    monkeypatch.setattr(blobstore.os, "replace", replace)
    monkeypatch.setattr(blobstore.os, "fsync", fsync)
    store.put(DATA)
    assert "fsync-file" in events
    assert events.index("fsync-file") < events.index("replace")
    if os.name != "nt":
        assert events[-1] == "fsync-dir"  # the folder is synced after the rename


def test_same_bytes_stored_once(store, monkeypatch):
    store.put(DATA)
    before = store.path(SHA).stat()
    monkeypatch.setattr(blobstore.tempfile, "mkstemp", lambda **kw: pytest.fail("rewrote an existing blob"))
    assert store.put(DATA) == SHA
    assert store.path(SHA).stat().st_mtime_ns == before.st_mtime_ns
    assert all_files(store.root) == [f"{SHA[:2]}/{SHA[2:]}"]


def test_truncated_blob_is_rewritten(store):
    store.put(DATA)
    store.path(SHA).write_bytes(DATA[:10])
    assert not store.verify(SHA)
    store.put(DATA)
    assert store.verify(SHA)


@pytest.mark.parametrize("fail_at", ["fsync", "replace", "write"])
def test_failed_write_leaves_no_temp_file(store, monkeypatch, fail_at):
    store.put(b"an earlier blob")
    store.path(SHA).parent.mkdir()  # the shard folder exists, so the failure hits the temp file itself
    temps = []
    real_mkstemp = blobstore.tempfile.mkstemp

    def mkstemp(**kwargs):
        fd, name = real_mkstemp(**kwargs)
        temps.append(name)
        return fd, name
    monkeypatch.setattr(blobstore.tempfile, "mkstemp", mkstemp)

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")
    if fail_at == "write":
        real_fdopen = os.fdopen

        class FailingFile:
            def __init__(self, fd, mode):
                self.real = real_fdopen(fd, mode)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.real.close()

            write = boom
        monkeypatch.setattr(blobstore.os, "fdopen", FailingFile)
    else:
        monkeypatch.setattr(blobstore.os, fail_at, boom)
    before = all_files(store.root)
    with pytest.raises(OSError, match="No space left"):
        store.put(DATA)
    assert len(temps) == 1 and not os.path.exists(temps[0])
    assert all_files(store.root) == before
    assert not store.exists(SHA)


@pytest.mark.parametrize("bad", [
    "", "../../etc/passwd", SHA.upper(), SHA[:63], SHA + "0", SHA[:62] + "/x", SHA[:63] + "\n",
    "g" * 64, "..", None, 123, b"0" * 64,
])
def test_invalid_sha_refused(store, bad):
    for call in (store.path, store.exists, store.open, store.size, store.delete, store.verify, check_sha):
        with pytest.raises(ValueError):
            call(bad)


def test_delete(store):
    store.put(DATA)
    assert store.delete(SHA) is True
    assert not store.exists(SHA)
    assert store.delete(SHA) is False


def test_verify_detects_tampering_and_missing(store):
    store.put(DATA)
    store.path(SHA).write_bytes(b"X" + DATA[1:])
    assert store.verify(SHA) is False
    assert store.verify("0" * 64) is False


def test_missing_blob_raises(store):
    with pytest.raises(FileNotFoundError):
        store.open("0" * 64)
    with pytest.raises(FileNotFoundError):
        store.size("0" * 64)


def test_iteration_lists_hashes_only(store):
    shas = sorted(store.put(bytes([i]) * 10) for i in range(5))
    (store.root / shas[0][:2] / ".tmp-leftover").write_bytes(b"partial")
    (store.root / "notes.txt").write_bytes(b"stray")
    assert sorted(store) == shas
    assert list(BlobStore(store.root / "missing")) == []


def test_remove_stale_temp(store):
    store.put(DATA)
    folder = store.path(SHA).parent
    old, fresh = folder / ".tmp-old", folder / ".tmp-fresh"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    stale = time.time() - 7200
    os.utime(old, (stale, stale))
    assert store.remove_stale_temp(older_than=3600) == 1
    assert not old.exists() and fresh.exists() and store.exists(SHA)


def test_empty_blob(store):
    sha = store.put(b"")
    assert sha == hashlib.sha256(b"").hexdigest()
    assert store.size(sha) == 0 and store.verify(sha)
