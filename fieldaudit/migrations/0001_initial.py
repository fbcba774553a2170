"""Reference data: installation settings, sites, areas, workstations, users and role memberships."""

SQL = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE sites (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);

CREATE TABLE areas (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL,
    UNIQUE (site_id, code)
);

-- Workstation codes are unique across sites: they are printed on QR labels (/w/<code>) and must stay
-- valid when a station is renamed.
CREATE TABLE workstations (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES sites(id),
    area_id TEXT REFERENCES areas(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX workstations_site ON workstations(site_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    password_changed_at TEXT NOT NULL,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);

-- site_id NULL is the all-sites scope of group quality managers and admins.
CREATE TABLE memberships (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    site_id TEXT REFERENCES sites(id),
    role TEXT NOT NULL CHECK (role IN ('operator', 'auditor', 'quality_manager', 'admin')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL
);
CREATE UNIQUE INDEX memberships_site_role ON memberships(user_id, site_id, role) WHERE site_id IS NOT NULL;
CREATE UNIQUE INDEX memberships_group_role ON memberships(user_id, role) WHERE site_id IS NULL;
CREATE INDEX memberships_site ON memberships(site_id);
"""


def upgrade(db):
    """Create the reference-data tables."""
    for statement in SQL.split(";\n"):
        if statement.strip():
            db.conn.execute(statement)
