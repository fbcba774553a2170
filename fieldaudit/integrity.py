"""`fieldaudit verify`: every signed or published record against what the hash-chained trail says was sealed.

The trail is the reference: each chain is recomputed and compared with the sealed head (`seal.py`), and then each
record the trail names (signed audits, approved document versions, published checklists, signatures, read
receipts, CAPA history) is recomputed from the database and compared with it. Files are checked by content.
"""
import hashlib

from . import db as dbm
from . import seal, trail
from .audits import record
from .documents.data import content_hash
from .sync import anchor

_DOC_SIGNATURE_FIELDS = ("id", "printed_name", "meaning", "signed_at")
_EVENT_FIELDS = ("id", "capa_id", "at", "actor_id", "kind", "field", "old_value", "new_value", "note")


def verify(db, store) -> list[str]:
    """Every problem found, one line each naming the record (empty when nothing was altered)."""
    problems = trail.verify_chains(db) + seal.check(db) + record.verify(db) + anchor.problems(db)
    for check in (_checklists, _documents, _signatures, _receipts, _capas):
        problems += check(db)
    return problems + _blobs(db, store)


def _writers(db) -> set[str] | None:
    """On a device paired with a hub: the writers whose chains it holds (records the hub made are checked on the
    hub, where their chain is); None elsewhere, where every record is checked here."""
    from . import settings
    if not settings.hub_paired(db):
        return None
    return {r["writer"] for r in dbm.query(db, "SELECT DISTINCT writer FROM audit_trail")} | {settings.device_id(db)}


def counts(db) -> dict[str, int]:
    """How much was checked, for the closing line."""
    return {"trail entries": dbm.scalar(db, "SELECT COUNT(*) FROM audit_trail"),
            "signatures": dbm.scalar(db, "SELECT COUNT(*) FROM signatures"),
            "submitted audits": dbm.scalar(db, "SELECT COUNT(*) FROM audits WHERE status = 'submitted'")}


def _checklists(db) -> list[str]:
    problems = []
    sealed = {entry["record_id"]: payload for entry, payload in trail.entries_with(db, "checklist.published")}
    rows = {r["id"]: r for r in dbm.query(
        db, "SELECT v.*, c.key FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id"
            " WHERE v.status = 'published'")}
    for version_id, payload in sealed.items():
        row = rows.get(version_id)
        name = f"checklist version {version_id} (v{payload.get('version')})"
        if row is None:
            problems.append(f"{name}: published (in the trail) but gone from the database or unpublished")
            continue
        name = f"checklist {row['key']} v{row['version']}"
        definition_hash = hashlib.sha256(row["definition"].encode("utf-8")).hexdigest()
        if definition_hash != payload.get("content_hash"):
            problems.append(f"{name}: its questions no longer match the published version")
        if any(row[k] != v for k, v in payload.items() if k != "content_hash"):
            problems.append(f"{name}: its title, count or publication no longer match the published version")
    local = _writers(db)
    for version_id, row in rows.items():
        # On a paired device a version the hub published is checked on the hub, whose chain holds it.
        if version_id not in sealed and (local is None or row["origin"] in local):
            problems.append(f"checklist {row['key']} v{row['version']}: published but has no entry in the trail")
    return problems


def _documents(db) -> list[str]:
    problems = []
    approvals = {entry["record_id"]: (entry, payload) for entry, payload in trail.entries_with(db, "document.approved")}
    rows = dbm.query(db, "SELECT v.*, d.code FROM document_versions v JOIN documents d ON d.id = v.document_id")
    local = _writers(db)
    for row in rows:
        name = f"document {row['code']} v{row['version']}"
        approval = approvals.pop(row["id"], None)
        if approval is None:
            if local is not None and row["origin"] not in local:
                continue  # approved on the hub: its approval is in the hub's chain and checked there
            if row["approved_by"] or row["status"] in ("approved", "effective", "superseded"):
                problems.append(f"{name}: {row['status']} but its approval is not in the trail")
            continue
        entry, payload = approval
        recomputed = content_hash(row["code"], row["version"], row["title"], row["body"], row["change_summary"],
                                  row["attachment_sha256"])
        if recomputed != payload.get("content_hash") or row["content_hash"] != payload.get("content_hash"):
            problems.append(f"{name}: its text or attachment no longer matches the approved version")
        if row["approved_by"] != entry["actor_id"]:
            problems.append(f"{name}: its approver no longer matches the approval in the trail")
        if row["status"] in ("draft", "in_review"):
            problems.append(f"{name}: approved but set back to {row['status']}")
    for version_id, (_, payload) in approvals.items():
        problems.append(f"document {payload.get('code')} v{payload.get('version')} ({version_id}): approved but "
                        "gone from the database")
    return problems


def _sealed_signatures(db) -> dict[str, tuple[str, dict]]:
    """Every signature the trail holds, by id: (what it signs, its fields as signed)."""
    sealed = {}
    for entry, payload in record.submissions(db):
        what = f"audit {payload.get('number')}"
        if "signatures" in payload:
            for sig in payload["signatures"]:
                sealed[sig["id"]] = (what, sig)
        elif "signature" in payload:  # signed before every field of every signature was sealed
            sealed[payload["signature"]["id"]] = (what, {**payload["signature"], "user_id": entry["actor_id"],
                                                         "record_hash": payload["record_hash"]})
    for entry, payload in trail.entries_with(db, "document.approved"):
        if "signature" in payload:
            sig = {k: payload["signature"][k] for k in _DOC_SIGNATURE_FIELDS if k in payload["signature"]}
            sealed[sig["id"]] = (f"document {payload.get('code')} v{payload.get('version')}",
                                 {**sig, "user_id": entry["actor_id"], "record_hash": payload.get("content_hash")})
    return sealed


def _signatures(db) -> list[str]:
    problems = []
    sealed = _sealed_signatures(db)
    rows = {r["id"]: r for r in dbm.query(db, "SELECT * FROM signatures")}
    for sig_id, (what, fields) in sealed.items():
        row = rows.pop(sig_id, None)
        if row is None:
            problems.append(f"{what}: signature {sig_id} ({fields.get('printed_name')}) was deleted")
            continue
        changed = sorted(k for k, v in fields.items() if row.get(k) != v)
        if changed:
            problems.append(f"{what}: signature of {row['printed_name']} was altered ({', '.join(changed)})")
    for row in rows.values():
        problems.append(f"{row['record_type']} {row['record_id']}: signature of {row['printed_name']} is not in "
                        "the trail")
    return problems


def _receipts(db) -> list[str]:
    problems = []
    rows = {(r["version_id"], r["user_id"]) for r in dbm.query(db, "SELECT version_id, user_id FROM document_acks")}
    sealed = set()
    for entry, payload in trail.entries_with(db, "document.acknowledged"):
        key = (entry["record_id"], entry["actor_id"])
        sealed.add(key)
        if key not in rows:
            problems.append(f"document {payload.get('code')} v{payload.get('version')}: the read receipt of user "
                            f"{entry['actor_id']} was deleted")
    for version_id, user_id in sorted(rows - sealed):
        problems.append(f"document version {version_id}: a read receipt of user {user_id} is not in the trail")
    return problems


def _capas(db) -> list[str]:
    problems = []
    # Events another writer made whose chain is not here (the hub's, on a device) are checked where it is.
    local = _writers(db)
    rows = {r["id"]: r for r in dbm.query(db, "SELECT * FROM capa_events")
            if local is None or r["origin"] in local}
    shared = {r["capa_id"] for r in dbm.query(db, "SELECT capa_id FROM capa_events GROUP BY capa_id"
                                                   " HAVING COUNT(DISTINCT origin) > 1")}
    numbers = {r["id"]: (r["number"], r["state"]) for r in dbm.query(db, "SELECT id, number, state FROM capas")}
    last_state = {}
    for entry, event in trail.entries_with(db, "capa.event"):
        number, _ = numbers.get(entry["record_id"], (entry["record_id"], None))
        if event.get("kind") == "created":
            last_state.setdefault(entry["record_id"], "open")
        elif event.get("kind") == "transition" and event.get("field") == "state":
            last_state[entry["record_id"]] = event.get("new_value")
        row = rows.pop(event["id"], None)
        if row is None:
            problems.append(f"CAPA {number}: history entry {event['id']} ({event.get('kind')} {event.get('field')})"
                            " was deleted")
        elif any(row[k] != event.get(k) for k in _EVENT_FIELDS):
            problems.append(f"CAPA {number}: history entry {event['id']} was altered")
    for row in rows.values():
        problems.append(f"CAPA {numbers.get(row['capa_id'], (row['capa_id'],))[0]}: history entry {row['id']} is "
                        "not in the trail")
    for capa_id, state in last_state.items():
        if capa_id in shared and capa_id in numbers:
            continue  # moved on two writers (sync): each chain holds its own moves, the hub orders them
        if capa_id not in numbers:
            problems.append(f"CAPA {capa_id}: its history is in the trail but the CAPA was deleted")
        elif numbers[capa_id][1] != state:
            problems.append(f"CAPA {numbers[capa_id][0]}: is {numbers[capa_id][1]} but its last recorded state "
                            f"is {state}")
    return problems


def _named_blobs(db) -> dict[str, str]:
    """Every file a signed or approved record names: {sha256: the record}."""
    named = {}
    for row in dbm.query(db, "SELECT a.number, e.sha256, e.thumb_sha256 FROM evidence e"
                             " JOIN audits a ON a.id = e.audit_id WHERE a.status = 'submitted'"):
        for key in ("sha256", "thumb_sha256"):  # the upload itself (original_sha256) is not kept
            named.setdefault(row[key], f"audit {row['number']}: evidence photo")
    for row in dbm.query(db, "SELECT record_type, record_id, printed_name, drawing_sha256 FROM signatures"
                             " WHERE drawing_sha256 IS NOT NULL"):
        named.setdefault(row["drawing_sha256"], f"{row['record_type']} {row['record_id']}: drawn signature of "
                                                f"{row['printed_name']}")
    for row in dbm.query(db, "SELECT d.code, v.version, v.attachment_sha256 FROM document_versions v JOIN documents d"
                             " ON d.id = v.document_id WHERE v.attachment_sha256 IS NOT NULL AND v.status <> 'draft'"):
        named.setdefault(row["attachment_sha256"], f"document {row['code']} v{row['version']}: attachment")
    return named


def _blobs(db, store) -> list[str]:
    problems = []
    named = _named_blobs(db)
    for sha, what in sorted(named.items(), key=lambda kv: kv[1]):
        if not store.exists(sha):
            problems.append(f"{what}: its file {sha} is missing")
    for sha in store:
        if not store.verify(sha):
            what = named.get(sha, "a stored file")
            problems.append(f"{what}: its file {sha} no longer matches its content hash (replaced or damaged)")
    return problems
