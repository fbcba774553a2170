"""The one place blob files are removed: only under the database's write lock, only when no row names them.

A column whose name ends in `sha256` names a blob (evidence photos and thumbnails, document attachments, drawn
signatures, …); every such column of every table is counted, so a new table that names blobs is protected by
following that naming rule. Writers that add a row naming a blob write or verify the file under the same lock
(`keep`), so a removal decided here can never take a file that a row committed after it names.
"""
import hashlib
import time

from .. import db as dbm
from .blobstore import BlobStore, check_sha

# A file younger than this may belong to an upload whose row is not committed yet; a full sweep leaves it.
SWEEP_GRACE_SECONDS = 3600.0


def reference_columns(db) -> list[tuple[str, str]]:
    """(table, column) of every column that names a blob."""
    found = []
    for table in dbm.table_names(db):
        for column in dbm.column_names(db, table):
            if column.lower().endswith("sha256"):
                found.append((table, column))
    return found


def is_named(db, sha: str, columns=None) -> bool:
    """Whether any row of any table names this blob (signed records included)."""
    for table, column in columns or reference_columns(db):
        if dbm.scalar(db, f'SELECT 1 FROM "{table}" WHERE "{column}" = ? LIMIT 1', (sha,)):
            return True
    return False


def keep(store: BlobStore, sha: str, data: bytes | None = None) -> bool:
    """Under the write lock, before a row naming `sha` is written: make sure its file is there (written from
    `data` if a concurrent removal took it). False when it is missing and there are no bytes to write it from."""
    if store.exists(sha):
        return True
    if data is None:
        return False
    store.put(data)
    return True


def with_blobs(db, store: BlobStore, blobs, write):
    """Store `blobs` (None for an absent one) and call `write(*their hashes)` in one write transaction, so no
    removal comes between the files and the rows naming them. Afterwards the files no row names go (`write`
    refused, or did not need them: a repeated submission)."""
    try:
        with dbm.transaction(db):
            return write(*(store.put(blob) if blob else None for blob in blobs))
    finally:
        collect(db, store, [hashlib.sha256(blob).hexdigest() for blob in blobs if blob])


def collect(db, store: BlobStore, shas) -> int:
    """Remove the blobs among `shas` that no row names; returns how many files were removed.

    Decided and done under BEGIN IMMEDIATE, so no upload can link a blob in between. Inside a caller's
    transaction nothing is removed: that transaction may still roll back and restore a row naming the blob (a
    later `collect` or `sweep` takes the orphan instead; a missing file would be a lost photo).
    """
    wanted = sorted({check_sha(s) for s in shas if s})
    if not wanted or db.conn.in_transaction:
        return 0
    removed = 0
    with dbm.transaction(db):
        columns = reference_columns(db)
        for sha in wanted:
            if not is_named(db, sha, columns) and store.delete(sha):
                removed += 1
    return removed


def sweep(db, store: BlobStore, grace: float = SWEEP_GRACE_SECONDS) -> int:
    """Remove every blob no row names and older than `grace` seconds (orphans a kill or an old version left)."""
    if db.conn.in_transaction:
        return 0
    cutoff, removed = time.time() - grace, 0
    with dbm.transaction(db):
        columns = reference_columns(db)
        named = set()
        for table, column in columns:
            named.update(r[0] for r in db.conn.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'
                                                       f' WHERE "{column}" IS NOT NULL'))
        for sha in store:
            if sha in named:
                continue
            try:
                if store.path(sha).stat().st_mtime >= cutoff:
                    continue
            except FileNotFoundError:
                continue
            if store.delete(sha):
                removed += 1
    return removed
