"""Server-side sessions and login throttling, so logout and timeouts end a session for real."""

SQL = """
-- The browser holds a random token; only its SHA-256 is stored, so a copy of the database opens no session.
CREATE TABLE auth_sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    remember INTEGER NOT NULL DEFAULT 0,
    ended_at TEXT,
    end_reason TEXT,
    user_agent TEXT NOT NULL DEFAULT '',
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX auth_sessions_user ON auth_sessions(user_id);

-- One row per throttled key (a username or a client address): consecutive failures and the lock they earned.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until TEXT
)
"""


def upgrade(db):
    """Create the session and throttle tables."""
    for statement in SQL.split(";\n"):
        if statement.strip():
            db.conn.execute(statement)
