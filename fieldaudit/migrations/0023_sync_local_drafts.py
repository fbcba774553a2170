"""Draft checklist versions stop travelling: every builder autosave used to enter the outbox for every device.
The checklist_versions triggers are remade from tables.py (a draft is `local`: not logged; publishing logs the
published row whole). Drafts already logged are withdrawn with one delete each, so a device that pulled one drops
it; when such a draft is published later, its whole row travels again."""
from fieldaudit import db as dbm
from fieldaudit.sync import outbox


def upgrade(db):
    """Remake the triggers of checklist_versions; withdraw drafts that were logged before."""
    outbox.install_triggers(db, "checklist_versions")
    logged = dbm.query(db, "SELECT v.id FROM checklist_versions v WHERE v.status = 'draft' AND EXISTS ("
                           " SELECT 1 FROM changes c WHERE c.tbl = 'checklist_versions' AND c.row_key = v.id)"
                           " ORDER BY v.id")
    for row in logged:
        outbox.log(db, "checklist_versions", row["id"], "delete", None)
