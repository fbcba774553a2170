"""Run in a site server's process environment: a backlog of field records to sync (for the kill -9 test).

`python -m tests.sync.seed_device AUDITS PHOTOS SEED`: AUDITS audits of PLT1 by the demo auditor, each fully
answered with a finding and PHOTOS photos, all submitted but the last; and a CAPA with a few field edits. Made
through the data layer in one process (each `fieldaudit` start costs seconds under load); the pages that make
the same rows are exercised by test_loopback.py."""
import sys

from fieldaudit import appdb, create_app
from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from fieldaudit.auth import users
from fieldaudit.capa.data import create_capa, get_capa, save_fields
from fieldaudit.cli.common import open_db
from fieldaudit.evidence import data as evidence
from fieldaudit.stations import data as stations
from tests.factories import FULL_ANSWERS
from tests.sync.loopback import photo


def main(count: int, photos: int, seed: int) -> None:
    app = create_app()
    db, store = open_db(app), appdb.blob_store_of(app)
    site = stations.get_site_by_code(db, "PLT1")
    auditor, quality = users.get_user_by_username(db, "auditor"), users.get_user_by_username(db, "quality")
    version = dbm.query_one(db, "SELECT v.id FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id"
                                " WHERE c.key = 'test-walk' AND v.status = 'published'")
    for n in range(count):
        audit = audits.create_audit(db, site=site, checklist_version_id=version["id"], auditor_id=auditor["id"])
        for qid, value in FULL_ANSWERS.items():
            audits.save_answer(db, audit, qid, value, None, auditor["id"])
        audits.add_finding(db, audit, {"severity": "minor", "description": f"Oil on the floor {seed}/{n}"},
                           auditor["id"])
        for k in range(photos):
            evidence.attach(db, store, audit, [photo(seed * 1000 + n * 10 + k)], by=auditor["id"],
                            question_id="guard")
        if n < count - 1:
            record.submit(db, audit["id"], auditor)
    capa = create_capa(db, site=site, title=f"Spill kit missing {seed}", by=quality["id"],
                       owner_id=quality["id"])
    for k in range(3):
        save_fields(db, get_capa(db, capa["id"]), {"containment": f"Kit borrowed from hall {k}"}, quality["id"])


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
