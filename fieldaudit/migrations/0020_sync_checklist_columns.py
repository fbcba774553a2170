"""Checklist versions gained draft columns (0019) after the outbox's triggers were made (0013): remake that table's
triggers so the new columns travel too. Every later migration that adds a column to a synced table does the same."""
from fieldaudit.sync import outbox


def upgrade(db):
    """Remake the logging triggers of checklist_versions from its current columns."""
    outbox.install_triggers(db, "checklist_versions")
