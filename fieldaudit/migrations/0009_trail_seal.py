"""Seal what earlier versions published without a trail entry (checklist versions, CAPA history), and the head.

Verify now requires every published checklist version and every CAPA history entry to be in the hash-chained
trail; records from before this version are sealed as they are at upgrade, which is the best evidence there is.
"""
import json

from fieldaudit import db as dbm
from fieldaudit import seal, trail
from fieldaudit.checklists.store import PUBLISHED_FIELDS


def upgrade(db):
    """Append trail entries for unsealed published checklist versions and CAPA events; seal the trail head."""
    sealed = {(r["record_type"], r["record_id"]) for r in dbm.query(
        db, "SELECT record_type, record_id FROM audit_trail WHERE action = 'checklist.published'")}
    for row in dbm.query(db, "SELECT * FROM checklist_versions WHERE status = 'published' ORDER BY created_at, id"):
        if ("checklist_version", row["id"]) not in sealed:
            trail.append(db, actor_id=row["published_by"], action="checklist.published",
                         record_type="checklist_version", record_id=row["id"],
                         payload={k: row[k] for k in PUBLISHED_FIELDS})
    events = set()
    for r in dbm.query(db, "SELECT payload FROM audit_trail WHERE action = 'capa.event'"):
        events.add(json.loads(r["payload"])["id"])
    for event in dbm.query(db, "SELECT * FROM capa_events ORDER BY at, id"):
        if event["id"] not in events:
            trail.append(db, actor_id=event["actor_id"], action="capa.event", record_type="capa",
                         record_id=event["capa_id"], payload=event)
    dbm.after_commit(db, "trail-seal", lambda: seal.advance(db))
