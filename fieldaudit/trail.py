"""The append-only audit trail: one hash chain per writer, and the check that recomputes it."""
import hashlib
import json

from . import db as dbm
from . import ids, seal, settings

GENESIS = "0" * 64


def canonical(value) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 kept, so equal content gives equal bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value) -> str:
    """SHA-256 hex of a value's canonical JSON."""
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def _entry_hash(row: dict) -> str:
    body = {k: row[k] for k in ("writer", "seq", "at", "actor_id", "action", "record_type", "record_id")}
    body["payload"] = json.loads(row["payload"])
    return hashlib.sha256((row["prev_hash"] + "\n" + canonical(body)).encode("utf-8")).hexdigest()


def append(db, *, actor_id: str | None, action: str, record_type: str, record_id: str, payload: dict) -> dict:
    """Add an entry to this writer's chain (inside the caller's transaction, so it commits with the change)."""
    writer = settings.device_id(db)
    with dbm.transaction(db):
        dbm.lock(db, f"trail:{writer}")  # parallel writers (a push on PostgreSQL) append to this chain in turn
        last = dbm.query_one(db, "SELECT seq, hash FROM audit_trail WHERE writer = ? ORDER BY seq DESC LIMIT 1",
                             (writer,))
        row = {"id": ids.new_id(), "writer": writer, "seq": (last["seq"] + 1) if last else 1,
               "at": ids.now_iso(), "actor_id": actor_id, "action": action, "record_type": record_type,
               "record_id": record_id, "payload": canonical(payload),
               "prev_hash": last["hash"] if last else GENESIS}
        row["hash"] = _entry_hash(row)
        db["audit_trail"].insert(row)
        # Sealed only once committed: a seal ahead of a rolled-back entry would read as a deleted one.
        dbm.after_commit(db, "trail-seal", lambda: seal.advance(db))
    return row


def entries_for(db, record_type: str, record_id: str) -> list[dict]:
    """A record's trail entries in order."""
    return dbm.query(db, "SELECT * FROM audit_trail WHERE record_type = ? AND record_id = ? ORDER BY writer, seq",
                     (record_type, record_id))


def entries_with(db, action: str) -> list[tuple[dict, dict]]:
    """(entry, its payload) of every trail entry of one action, chain by chain; a damaged payload is skipped here
    because the chain check reports it."""
    found = []
    for entry in dbm.query(db, "SELECT * FROM audit_trail WHERE action = ? ORDER BY writer, seq", (action,)):
        try:
            found.append((entry, json.loads(entry["payload"])))
        except ValueError:
            continue
    return found


def verify_chains(db) -> list[str]:
    """Problems found recomputing every writer's chain (empty when intact)."""
    problems = []
    writers = [r["writer"] for r in dbm.query(db, "SELECT DISTINCT writer FROM audit_trail ORDER BY writer")]
    for writer in writers:
        prev, expected_seq = GENESIS, 1
        for row in dbm.query(db, "SELECT * FROM audit_trail WHERE writer = ? ORDER BY seq", (writer,)):
            where = f"trail entry {writer}#{row['seq']} ({row['action']} {row['record_type']} {row['record_id']})"
            if row["seq"] != expected_seq:
                problems.append(f"{where}: entries {expected_seq}..{row['seq'] - 1} are missing from the chain")
            if row["prev_hash"] != prev:
                problems.append(f"{where}: does not link to the entry before it")
            try:
                recomputed = _entry_hash(row)
            except (ValueError, TypeError):
                recomputed = None
            if recomputed != row["hash"]:
                problems.append(f"{where}: its content no longer matches its hash")
            prev, expected_seq = row["hash"], row["seq"] + 1
    return problems
