"""A hub on PostgreSQL numbers its changes at commit, so write transactions run in parallel and a pull still never
skips one (sync/outbox_pg.py); its logging triggers read a change's stamp once. Nothing changes on SQLite, whose
one writer already numbers in commit order."""
from fieldaudit.sync import outbox


def upgrade(db):
    """Provisional numbers, the numbering trigger and the remade logging triggers (PostgreSQL only)."""
    outbox.install_numbering(db)
