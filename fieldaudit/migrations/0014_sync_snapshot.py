"""Log the rows that existed before the outbox, once, so the first sync sends a site's history (sync/PROTOCOL.md)."""
from fieldaudit.sync import snapshot


def upgrade(db):
    """Append one change per existing syncable row, parents first."""
    snapshot.take(db)
