"""Content-addressed blob store: files named by the SHA-256 of their bytes, written atomically and durably."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEMP_PREFIX = ".tmp-"
_CHUNK = 1 << 20


def check_sha(sha: str) -> str:
    """Return `sha` if it is exactly 64 lowercase hex digits, else raise ValueError (so no path can be smuggled)."""
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise ValueError(f"not a SHA-256 blob name: {sha!r}")
    return sha


def _fsync_dir(folder: Path) -> None:
    """Make a rename or a new entry in `folder` survive power loss."""
    if os.name == "nt":  # Windows cannot open a directory for fsync; NTFS journals the rename itself
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Blobs under `root/ab/cdef…`: the first two hex digits of the hash name the folder."""

    def __init__(self, root: Path | str):
        """Use `root` (created on first write) as the store's folder."""
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        """Where the blob with this hash lives (whether or not it exists)."""
        check_sha(sha)
        return self.root / sha[:2] / sha[2:]

    def exists(self, sha: str) -> bool:
        """Whether the blob is stored."""
        return self.path(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store bytes durably and return their SHA-256; bytes already stored are not written again."""
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        try:
            if final.stat().st_size == len(data):
                return sha  # dedupe: the name is the content, so the file already holds these bytes
        except FileNotFoundError:
            pass
        folder = final.parent
        if not folder.is_dir():
            new_root = not self.root.is_dir()
            folder.mkdir(parents=True, exist_ok=True)
            # New folders' own entries must be durable too, or a power cut can lose a blob whose row committed.
            _fsync_dir(self.root)
            if new_root:
                _fsync_dir(self.root.parent)
        # The temp file sits in the destination folder so os.replace is a same-filesystem, atomic rename.
        fd, temp = tempfile.mkstemp(dir=folder, prefix=_TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, final)
        except BaseException:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
            raise
        _fsync_dir(folder)  # the rename itself is durable only once the folder is synced
        return sha

    def open(self, sha: str) -> BinaryIO:
        """Open a stored blob for reading (FileNotFoundError if absent)."""
        return open(self.path(sha), "rb")

    def size(self, sha: str) -> int:
        """Size of a stored blob in bytes (FileNotFoundError if absent)."""
        return self.path(sha).stat().st_size

    def delete(self, sha: str) -> bool:
        """Remove a blob (for orphan cleanup); True if it existed."""
        target = self.path(sha)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(target.parent)
        return True

    def verify(self, sha: str) -> bool:
        """Recompute the hash of a stored blob: True if it matches its name, False if it differs or is missing."""
        digest = hashlib.sha256()
        try:
            with self.open(sha) as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return False
        return digest.hexdigest() == sha

    def __iter__(self) -> Iterator[str]:
        """Every stored hash (for orphan cleanup and integrity sweeps); temp files and strays are skipped."""
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir() or not re.fullmatch(r"[0-9a-f]{2}", folder.name):
                continue
            for entry in sorted(folder.iterdir()):
                sha = folder.name + entry.name
                if _SHA256.fullmatch(sha) and entry.is_file():
                    yield sha

    def check_writable(self) -> None:
        """Write and remove a probe file in the store's folder (OSError when it cannot): the health check."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=self.root, prefix=_TEMP_PREFIX)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)

    def remove_stale_temp(self, older_than: float = 3600.0) -> int:
        """Delete temp files a crash or power cut left behind; returns how many were removed."""
        if not self.root.is_dir():
            return 0
        cutoff, removed = time.time() - older_than, 0
        for temp in self.root.glob(f"[0-9a-f][0-9a-f]/{_TEMP_PREFIX}*"):
            try:
                if temp.stat().st_mtime < cutoff:  # younger ones may belong to a put() in progress
                    temp.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed
