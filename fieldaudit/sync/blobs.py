"""Resumable blob uploads to the hub, in the manner of tus: offset, append, verify, then visible (no Flask).

Bytes arrive into `<blobs>/.partial/<sha256>`; a chunk is accepted only at the offset the hub holds, so a cut
connection resumes where it stopped and a repeated chunk is harmless. When the declared length is reached the
hub hashes the bytes: only if they match the name does the blob enter the content-addressed store (where rows
may name it); otherwise the partial file is dropped and the device told so.
"""
import hashlib
import os
from pathlib import Path

from ..evidence.blobstore import check_sha
from ..refusal import Refusal

MAX_BLOB = 64 * 1024 * 1024


def _partial(store, sha: str) -> Path:
    folder = Path(store.root) / ".partial"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / check_sha(sha)


def status(store, sha: str) -> dict:
    """{"present": bool, "offset": bytes held so far}."""
    check_sha(sha)
    if store.exists(sha):
        return {"present": True, "offset": store.size(sha)}
    path = _partial(store, sha)
    return {"present": False, "offset": path.stat().st_size if path.exists() else 0}


def append(store, sha: str, offset: int, length: int, chunk: bytes) -> dict:
    """Append `chunk` at `offset` of a blob of `length` bytes; finishes (verifies, stores) at the end."""
    held = status(store, sha)
    if held["present"]:
        return held
    if not 0 < length <= MAX_BLOB:
        raise Refusal(f"A blob is at most {MAX_BLOB // (1024 * 1024)} MB.", 413)
    if offset != held["offset"]:
        raise Refusal(f"The hub holds {held['offset']} bytes of this blob; send from there.", 409)
    if offset + len(chunk) > length:
        raise Refusal("The chunk runs past the blob's declared length.", 400)
    if offset == 0 and len(chunk) == length:
        # The whole blob in one chunk (most photos): verified from memory, never written as a partial file.
        return _finish(store, sha, chunk)
    path = _partial(store, sha)
    with open(path, "ab") as handle:
        handle.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    if offset + len(chunk) < length:
        return {"present": False, "offset": offset + len(chunk)}
    data = path.read_bytes()
    path.unlink()
    return _finish(store, sha, data)


def _finish(store, sha: str, data: bytes) -> dict:
    if hashlib.sha256(data).hexdigest() != sha:
        raise Refusal("These bytes do not match the blob's SHA-256: nothing was kept; send the file again.", 422)
    store.put(data)
    return {"present": True, "offset": len(data)}


def check(store, shas: list[str]) -> dict:
    """{sha: {"present": bool, "offset": n}} for many blobs at once (the batch form of `status`)."""
    return {sha: status(store, sha) for sha in dict.fromkeys(shas)}
