"""Idempotency keys: the stored response of each keyed change, so a replayed change from a tablet lands once."""
from fieldaudit.db import run_script

SQL = """
-- One row per (user, key): a key is the user's own, so another user's key never returns this user's response.
-- body_hash is the SHA-256 of the request's canonical form (fields without the CSRF token, files by content),
-- named *_hash and not *_sha256 because it names no blob file (blobgc reads every *_sha256 column).
CREATE TABLE idempotency_keys (
    user_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    body_hash   TEXT NOT NULL,
    status      INTEGER NOT NULL,
    headers     TEXT NOT NULL,
    body        BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
"""


def upgrade(db):
    """Create idempotency_keys."""
    run_script(db, SQL)
