"""Leases in the database (the `sync_lease` table): one runner of a background task across threads and processes
(no Flask). A lease, not an OS lock: it works where file locks do not follow a process, on PostgreSQL as on SQLite,
and it lapses by itself when its holder dies."""
from datetime import datetime, timedelta

from . import db as dbm
from . import ids


def acquire(db, name: str, holder: str, seconds: float, now: datetime | None = None) -> bool:
    """Take or renew lease `name` until `now` + `seconds`; False while another holder's lease has not lapsed."""
    now = now or ids.utc_now()
    with dbm.transaction(db):
        row = dbm.query_one(db, "SELECT holder, expires_at FROM sync_lease WHERE name = ?", (name,))
        if row and row["holder"] != holder and ids.parse_iso(row["expires_at"]) > now:
            return False
        dbm.execute(db, "INSERT INTO sync_lease (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name)"
                        " DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
                    (name, holder, ids.iso(now + timedelta(seconds=seconds))))
    return True


def release(db, name: str, holder: str) -> None:
    """Give lease `name` up (on stop), so another runner need not wait for it to lapse; only its holder can."""
    with dbm.transaction(db):
        dbm.execute(db, "DELETE FROM sync_lease WHERE name = ? AND holder = ?", (name, holder))
