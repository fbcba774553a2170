"""Installation settings kept in the database: this device's id and whether a hub owns reference data."""
from . import db as dbm
from . import ids


def get(db, key: str, default=None):
    """One setting's value."""
    value = dbm.scalar(db, "SELECT value FROM settings WHERE key = ?", (key,))
    return default if value is None else value


def put(db, key: str, value: str) -> None:
    """Set one setting."""
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO settings (key, value) VALUES (?, ?)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


def device_id(db) -> str:
    """This installation's id, the `origin` of every row it creates; made once."""
    value = get(db, "device_id")
    if value is None:
        with dbm.transaction(db):
            value = get(db, "device_id")
            if value is None:
                value = ids.new_id()
                dbm.execute(db, "INSERT INTO settings (key, value) VALUES ('device_id', ?)", (value,))
    return value


def hub_paired(db) -> bool:
    """True once this site server is paired with a hub: reference data then arrives read-only from it."""
    return get(db, "hub_url") is not None
