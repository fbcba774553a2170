"""Document workflow: commands through the state machine, effective dates, read receipts and periodic review."""
from datetime import date

from .. import db as dbm
from .. import ids, settings, trail
from . import states
from .data import (DocumentError, ensure_authoring, get_document, get_document_by_code, get_version,
                   review_due_date, today_at, versions_of)

MEANING_APPROVED = "approved"
READER_ROLES = ("operator", "auditor")
_ACTIONS = {"submit": "submitted", "return": "returned", "approve": "approved", "activate": "effective",
            "supersede": "superseded", "withdraw": "withdrawn"}


def snapshot(version: dict) -> states.Version:
    """What the state machine needs of a stored version."""
    return states.Version(state=version["status"], author_id=version["author_id"],
                          has_content=bool((version["body"] or "").strip() or version["attachment_sha256"]),
                          effective_date=version["effective_date"],
                          authors=frozenset(a["id"] for a in version["authors"]))


def transition(db, version_id: str, command: states.Command, actor: states.Actor, *,
               signer: dict | None = None) -> dict:
    """Apply a person's command to a version in one transaction; refusals raise DocumentError, nothing changes."""
    if command.name in states.PERSON_COMMANDS:
        ensure_authoring(db)
    with dbm.transaction(db):
        version = get_version(db, version_id)
        if version is None:
            raise DocumentError("No such document version.", 404)
        doc = get_document(db, version["document_id"])
        today = today_at(db, doc["site_ids"])
        _promote(db, doc, today)  # catch up with the calendar first, so the command meets today's state
        version = get_version(db, version_id)
        decision = states.decide(snapshot(version), command, actor, today)
        if isinstance(decision, states.Refused):
            raise DocumentError(decision.reason, decision.status)
        if command.name == "approve" and signer is None:
            raise DocumentError("An approval needs the approver's e-signature.", 422)
        _apply(db, doc, version, decision, actor.id, comment=command.comment, signer=signer)
        if decision.after == "approved" and states.parse_date(decision.effective_date) <= today:
            _activate(db, doc, get_version(db, version_id), today)
    return get_version(db, version_id)


def _apply(db, doc: dict, version: dict, move: states.Transition, actor_id: str | None, *, comment: str = "",
           signer: dict | None = None) -> None:
    """Write one accepted transition, compare-and-set on the state it was decided against."""
    now = ids.now_iso()
    sets = {"status": move.after, "updated_at": now}
    if move.command == "submit":
        sets["submitted_at"] = now
    elif move.command == "approve":
        sets.update(approved_by=actor_id, approved_at=now, effective_date=move.effective_date)
    elif move.command == "activate":
        sets["effective_at"] = now
    elif move.command in ("supersede", "withdraw"):
        sets["ended_at"] = now
    assignments = ", ".join(f"{k} = ?" for k in sets)
    changed = dbm.execute(db, f"UPDATE document_versions SET {assignments} WHERE id = ? AND status = ?",
                          (*sets.values(), version["id"], move.before))
    if changed != 1:
        raise DocumentError("This version changed meanwhile; reload the page. Nothing was done.", 409)
    payload = {"code": doc["code"], "version": version["version"], "from": move.before, "to": move.after,
               "content_hash": version["content_hash"]}
    if comment.strip():
        payload["comment"] = comment.strip()[:2000]
    if move.command == "approve":
        signature = {"id": ids.new_id(), "record_type": "document_version", "record_id": version["id"],
                     "user_id": signer["id"], "printed_name": signer["display_name"], "meaning": MEANING_APPROVED,
                     "signed_at": now, "record_hash": version["content_hash"], "created_at": now,
                     "origin": settings.device_id(db)}
        db["signatures"].insert(signature)
        payload["effective_date"] = move.effective_date
        payload["signature"] = {k: signature[k] for k in ("id", "printed_name", "meaning", "signed_at")}
    trail.append(db, actor_id=actor_id, action=f"document.{_ACTIONS[move.command]}",
                 record_type="document_version", record_id=version["id"], payload=payload)


def _activate(db, doc: dict, version: dict, today: date) -> None:
    """Make an approved version effective and supersede the one before it (in that order for the unique index)."""
    current = next((v for v in versions_of(db, doc["id"]) if v["status"] == "effective"), None)
    move = states.decide(snapshot(version), states.Command("activate", "approved"), states.SYSTEM, today)
    if isinstance(move, states.Refused):
        raise DocumentError(move.reason, move.status)
    if current is not None:
        old = states.decide(snapshot(current), states.Command("supersede", "effective"), states.SYSTEM, today)
        _apply(db, doc, current, old, None, comment=f"superseded by version {version['version']}")
    _apply(db, doc, version, move, None)
    dbm.execute(db, "UPDATE documents SET title = ?, next_review_date = ?, updated_at = ? WHERE id = ?",
                (version["title"], review_due_date(version["effective_date"], doc["review_months"]),
                 ids.now_iso(), doc["id"]))


def _promote(db, doc: dict, today: date) -> bool:
    """Store the calendar's change for one document: its approved version whose date has come becomes effective."""
    due = states.in_force([v for v in versions_of(db, doc["id"]) if v["status"] == "approved"], today)
    if due is None:
        return False
    _activate(db, doc, due, today)
    return True


def promote_due(db) -> list[tuple[str, int]]:
    """Make every approved version whose effective date has come (at all its sites) effective; (code, version)."""
    done = []
    pending = dbm.query(db, "SELECT DISTINCT document_id FROM document_versions WHERE status = 'approved'")
    for row in pending:
        with dbm.transaction(db):
            doc = get_document(db, row["document_id"])
            if _promote(db, doc, today_at(db, doc["site_ids"])):
                done.append((doc["code"], next(v["version"] for v in versions_of(db, doc["id"])
                                                if v["status"] == "effective")))
    return done


def in_force(db, document_id: str, today: date) -> dict | None:
    """The version in force on a local date (see states.in_force)."""
    return states.in_force(versions_of(db, document_id), today)


# -- read and understood ---------------------------------------------------------------------------------------

def audience(db, document_id: str) -> list[dict]:
    """Active operators and auditors with a role at one of the document's sites: who must read each version."""
    return dbm.query(
        db, "SELECT DISTINCT u.id, u.username, u.display_name FROM users u JOIN memberships m ON m.user_id = u.id"
            " JOIN document_sites ds ON ds.site_id = m.site_id WHERE ds.document_id = ? AND u.active = 1"
            " AND m.role IN ('operator', 'auditor') ORDER BY u.display_name", (document_id,))


def is_reader(db, document_id: str, user_id: str) -> bool:
    """Whether a person is asked to confirm having read this document's versions."""
    return any(u["id"] == user_id for u in audience(db, document_id))


def receipt(db, version_id: str, user_id: str) -> dict | None:
    """A person's read receipt for a version, if any."""
    return dbm.query_one(db, "SELECT * FROM document_acks WHERE version_id = ? AND user_id = ?",
                         (version_id, user_id))


def acknowledge(db, version_id: str, user_id: str, today: date) -> tuple[dict, bool]:
    """Record "read and understood" for the version in force; returns (receipt, newly recorded)."""
    with dbm.transaction(db):
        version = get_version(db, version_id)
        if version is None:
            raise DocumentError("No such document version.", 404)
        doc = get_document(db, version["document_id"])
        _promote(db, doc, today_at(db, doc["site_ids"]))  # a write catches up with the calendar first
        current = in_force(db, version["document_id"], today)
        if current is None or current["id"] != version_id:
            raise DocumentError("Only the version in force can be confirmed; open the current version and "
                                "confirm that one.", 409)
        if not is_reader(db, version["document_id"], user_id):
            raise DocumentError("Read receipts are asked of the operators and auditors of the document's sites.", 403)
        existing = receipt(db, version_id, user_id)
        if existing:
            return existing, False
        now = ids.now_iso()
        row = {"id": ids.new_id(), "version_id": version_id, "user_id": user_id, "acked_at": now, "created_at": now,
               "origin": settings.device_id(db)}
        db["document_acks"].insert(row)
        trail.append(db, actor_id=user_id, action="document.acknowledged", record_type="document_version",
                     record_id=version_id, payload={"code": doc["code"], "version": version["version"],
                                                    "meaning": "read and understood"})
    return row, True


def receipts(db, document_id: str, version_id: str) -> list[dict]:
    """Every reader of the document with when they confirmed this version (acked_at None: not yet)."""
    acked = {r["user_id"]: r["acked_at"] for r in dbm.query(
        db, "SELECT user_id, acked_at FROM document_acks WHERE version_id = ?", (version_id,))}
    return [{**u, "acked_at": acked.get(u["id"])} for u in audience(db, document_id)]


def to_confirm(db, user_id: str, today_for) -> list[tuple[dict, dict]]:
    """(document, version in force) pairs a reader has not confirmed yet; today_for(document) gives the date."""
    docs = dbm.query(
        db, "SELECT DISTINCT d.id, d.code, d.title FROM documents d JOIN document_sites ds ON ds.document_id = d.id"
            " JOIN memberships m ON m.site_id = ds.site_id WHERE m.user_id = ? AND m.role IN ('operator', 'auditor')"
            " ORDER BY d.code", (user_id,))
    pending = []
    for doc in docs:
        current = in_force(db, doc["id"], today_for(doc))
        if current is not None and receipt(db, current["id"], user_id) is None:
            pending.append((doc, current))
    return pending


# -- periodic review ------------------------------------------------------------------------------------------

def due_for_review(db, documents: list[dict], today_for) -> list[dict]:
    """Documents in use whose next review date has come (today_for(document) gives the local date)."""
    due = []
    for doc in documents:
        day = states.parse_date(doc["next_review_date"])
        if day is not None and day <= today_for(doc) and in_force(db, doc["id"], today_for(doc)) is not None:
            due.append({**doc, "overdue_days": (today_for(doc) - day).days})
    return sorted(due, key=lambda d: d["next_review_date"])


def mark_reviewed(db, document_id: str, by: str, today: date, note: str = "") -> dict:
    """Record a periodic review that found the document still right; the next one is an interval later."""
    ensure_authoring(db)
    with dbm.transaction(db):
        doc = get_document(db, document_id)
        if in_force(db, document_id, today) is None:
            raise DocumentError("Only a document in force is reviewed; this one has no effective version.", 409)
        nxt = review_due_date(today.isoformat(), doc["review_months"])
        dbm.execute(db, "UPDATE documents SET next_review_date = ?, updated_at = ? WHERE id = ?",
                    (nxt, ids.now_iso(), document_id))
        trail.append(db, actor_id=by, action="document.reviewed", record_type="document", record_id=document_id,
                     payload={"code": doc["code"], "reviewed_on": today.isoformat(), "next_review_date": nxt,
                              "note": note.strip()[:2000]})
    return get_document(db, document_id)


def in_force_at_site(db, site_id: str, codes, today: date) -> set[str]:
    """Which of these document codes apply to a site and have a version in force there on a local date (a
    checklist's procedure link resolves per audit site: the same checklist runs at sites with other documents)."""
    found = set()
    for code in {c for c in codes if c}:
        doc = get_document_by_code(db, code)
        if doc is not None and site_id in doc["site_ids"] and in_force(db, doc["id"], today) is not None:
            found.add(code)
    return found


def awaiting_approval(db, site_ids, approver_id: str) -> list[dict]:
    """Versions in review this person may approve: every site of the document among site_ids (where they approve;
    None: every site), written by someone else (nobody approves their own version). Oldest submission first."""
    rows = dbm.query(db, "SELECT v.id AS version_id, v.version, v.title, v.submitted_at, v.author_id, d.id, d.code,"
                         " u.display_name AS author_name FROM document_versions v"
                         " JOIN documents d ON d.id = v.document_id JOIN users u ON u.id = v.author_id"
                         " WHERE v.status = 'in_review' AND v.author_id != ? ORDER BY v.submitted_at", (approver_id,))
    if site_ids is None:
        return rows
    allowed = set(site_ids)
    mine = []
    for row in rows:
        sites = {r["site_id"] for r in dbm.query(db, "SELECT site_id FROM document_sites WHERE document_id = ?",
                                                 (row["id"],))}
        if sites and sites <= allowed:
            mine.append(row)
    return mine
