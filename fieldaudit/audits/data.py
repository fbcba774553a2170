"""Audit data functions (no Flask): create, answer, find, score, submit, list."""
import json
from dataclasses import dataclass, field, replace

from .. import db as dbm
from .. import edits, ids, settings
from ..checklists import rules
from ..checklists import store as checklist_store
from ..checklists.model import SEVERITIES, Checklist
from ..evidence import data as evidence
from ..evidence.blobstore import BlobStore
from ..evidence.limits import DEFAULT as DEFAULT_LIMITS
from ..evidence.limits import Limits
from ..evidence.pipeline import PhotoError
from ..refusal import Refusal
from ..sync import numbers


class AuditError(Refusal):
    """A user-facing refusal with the HTTP status that fits it."""

    status = 400


NA_NEEDS_NOTE = "Say in the note why this does not apply here; N/A needs a reason."


class MissingItems(AuditError):
    """Submission refused: what is still missing, as (question id, reason) pairs."""

    def __init__(self, missing: list[tuple[str, str]]):
        super().__init__("Some items are still missing.", 422)
        self.missing = missing


@dataclass(frozen=True)
class Saved:
    """What a save changed (or, refused, would have shown), for the page or fragments the view sends back."""

    answers: dict
    visible_before: set
    visible_after: set
    score: rules.Score
    errors: dict = field(default_factory=dict)  # question id → why its answer or photos were not taken
    hidden: set = field(default_factory=set)  # posted questions hidden by an earlier answer, left alone
    answer: dict | None = None
    proposed: rules.ProposedFinding | None = None


_AUDIT_SELECT = (
    "SELECT a.*, s.code AS site_code, s.name AS site_name, s.timezone, w.code AS workstation_code,"
    " w.name AS workstation_name, ar.name AS area_name, v.title AS checklist_title, v.version AS checklist_version,"
    " v.checklist_id, u.display_name AS auditor_name"
    " FROM audits a JOIN sites s ON s.id = a.site_id LEFT JOIN workstations w ON w.id = a.workstation_id"
    " LEFT JOIN areas ar ON ar.id = COALESCE(a.area_id, w.area_id)"
    " JOIN checklist_versions v ON v.id = a.checklist_version_id JOIN users u ON u.id = a.auditor_id")


def next_number(db, prefix: str) -> str:
    """The next human number of a scope, e.g. AUD-PLT1-0042 (inside the caller's transaction); a device paired
    with a hub numbers in its own series (sync/numbers.py)."""
    prefix = numbers.scope(db, prefix)
    with dbm.transaction(db):
        value = (dbm.scalar(db, "SELECT value FROM counters WHERE scope = ?", (prefix,)) or 0) + 1
        dbm.execute(db, "INSERT INTO counters (scope, value) VALUES (?, ?)"
                        " ON CONFLICT (scope) DO UPDATE SET value = excluded.value", (prefix, value))
    return f"{prefix}-{value:04d}"


def create_audit(db, *, site: dict, checklist_version_id: str, auditor_id: str, workstation: dict | None = None,
                 area_id: str | None = None, auditees: str = "", scope: str = "",
                 out_of_scope: dict[str, str] | None = None) -> dict:
    """Start an audit; it keeps the checklist version it starts with, and its scope, for good.

    `out_of_scope` maps the sections left out to the auditor's reason for each.
    """
    if workstation is not None and workstation["site_id"] != site["id"]:
        raise AuditError("That workstation belongs to another site.", 404)
    try:
        checklist = checklist_store.load_version(db, checklist_version_id)
    except KeyError:
        raise AuditError("Choose a published checklist.", 422) from None
    left_out = _checked_scope(checklist, out_of_scope or {})
    first = next(s.id for s in checklist.sections if s.id not in left_out)
    now = ids.now_iso()
    with dbm.transaction(db):
        row = {
            "id": ids.new_id(), "number": next_number(db, f"AUD-{site['code']}"), "site_id": site["id"],
            "area_id": area_id or (workstation or {}).get("area_id"),
            "workstation_id": workstation["id"] if workstation else None,
            "checklist_version_id": checklist_version_id, "auditor_id": auditor_id,
            "auditees": auditees.strip()[:500], "scope": scope.strip()[:2000], "status": "in_progress",
            "current_section": first, "started_at": now, "submitted_at": None,
            "score_percent": None, "answered_count": 0,
            "visible_count": len(rules.visible_questions(checklist, {}, left_out)), "record_hash": None,
            "created_at": now, "updated_at": now, "origin": settings.device_id(db),
            "out_of_scope": json.dumps(left_out, ensure_ascii=False, sort_keys=True),
        }
        db["audits"].insert(row)
    return row


def _checked_scope(checklist: Checklist, out_of_scope: dict[str, str]) -> dict[str, str]:
    """The sections left out, each with its reason; refused when one is unknown, has no reason, or none is left."""
    titles = {s.id: s.title for s in checklist.sections}
    # Single questions ("q:<id>") are left out by a layered process audit's draw (fieldaudit/programme/lpa.py).
    known = titles | {f"q:{q.id}": q.text for q in checklist.all_questions()}
    left_out = {}
    for section_id, reason in out_of_scope.items():
        if section_id not in known:
            raise AuditError("This checklist has no such section to leave out of scope.", 422)
        reason = (reason or "").strip()[:500]
        if not reason:
            raise AuditError(f"Say why “{known[section_id]}” is not in scope.", 422)
        left_out[section_id] = reason
    if all(section_id in left_out for section_id in titles):
        raise AuditError("Keep at least one section in scope.", 422)
    return left_out


def out_of_scope(audit: dict) -> dict[str, str]:
    """Section id → why it is not in this audit's scope (empty when every section is in)."""
    return json.loads(audit.get("out_of_scope") or "{}")


def get_audit(db, audit_id: str) -> dict | None:
    """One audit with its site, place, checklist and auditor names."""
    return dbm.query_one(db, _AUDIT_SELECT + " WHERE a.id = ?", (audit_id,))


def list_audits(db, *, site_ids=None, status=None, auditor_id=None, checklist_id=None, workstation_id=None,
                limit: int = 100) -> list[dict]:
    """Audits newest first, filtered; site_ids None means every site."""
    where, params = [], []
    if site_ids is not None:
        if not site_ids:
            return []
        where.append(f"a.site_id IN ({', '.join('?' for _ in site_ids)})")
        params.extend(site_ids)
    for column, value in (("a.status", status), ("a.auditor_id", auditor_id), ("v.checklist_id", checklist_id),
                          ("a.workstation_id", workstation_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    sql = _AUDIT_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.started_at DESC LIMIT ?"
    return dbm.query(db, sql, (*params, limit))


def checklist_of(db, audit: dict) -> Checklist:
    """The exact checklist version an audit runs."""
    return checklist_store.load_version(db, audit["checklist_version_id"])


def answers_of(db, audit_id: str) -> dict[str, dict]:
    """Answer rows of an audit by question id, with the stored value decoded."""
    rows = dbm.query(db, "SELECT * FROM answers WHERE audit_id = ?", (audit_id,))
    for row in rows:
        row["value"] = json.loads(row["value"]) if row["value"] is not None else None
    return {row["question_id"]: row for row in rows}


def values(answers: dict[str, dict]) -> dict:
    """question id → value, for the checklist rules."""
    return {qid: row["value"] for qid, row in answers.items() if row["value"] is not None}


def photo_counts(db, audit_id: str) -> dict[str, int]:
    """Photos attached per question."""
    rows = dbm.query(db, "SELECT question_id, COUNT(*) AS n FROM evidence WHERE audit_id = ? AND question_id"
                         " IS NOT NULL GROUP BY question_id", (audit_id,))
    return {r["question_id"]: r["n"] for r in rows}


def _ensure_open(audit: dict) -> None:
    if audit["status"] != "in_progress":
        raise AuditError(f"Audit {audit['number']} has been submitted and is read-only.", 409)


def save_answer(db, audit: dict, question_id: str, raw, note: str | None, by: str, *, at: str | None = None) -> Saved:
    """Validate and store one answer (and its note): the section save of one question, refused if it fails;
    `at` is when the auditor gave it (a change made offline), now by default."""
    checklist = checklist_of(db, audit)
    try:
        question = checklist.question(question_id)
    except KeyError:
        raise AuditError("This audit's checklist has no such question.", 404) from None
    saved = save_section(db, audit, checklist.section_of(question_id).id, {question_id: raw}, {question_id: note},
                         by, at=at)
    if question_id in saved.hidden:
        raise AuditError("This question is hidden by an earlier answer; change that answer first.", 409)
    if question_id in saved.errors:
        raise AuditError(saved.errors[question_id], 422)
    answer = saved.answers.get(question_id)
    value = (answer or {}).get("value")
    return replace(saved, answer=answer,
                   proposed=rules.proposed_finding(question, value) if value is not None else None)


def save_section(db, audit: dict, section_id: str, posted: dict, notes: dict, by: str,
                 photos: dict[str, list[bytes]] | None = None, *, store: BlobStore | None = None,
                 limits: Limits = DEFAULT_LIMITS, at: str | None = None) -> Saved:
    """Save a section's posted answers, notes and photos in one transaction, reading the answers once.

    `posted` and `notes` hold raw values and notes by question id (a note of None keeps the stored one), `photos`
    the uploads by question id; `at` is when they were answered (now by default; a change made offline brings its
    own). An unchanged answer is not written. An answer that does not fit, or a question hidden by an earlier
    answer, is left out and reported (`errors`, `hidden`) while the rest is saved; a refused photo refuses the whole
    save, as an upload refuses its whole batch, and `answers` then shows what was typed.
    """
    checklist = checklist_of(db, audit)
    section = next((s for s in checklist.sections if s.id == section_id), None)
    if section is None:
        raise AuditError("This audit's checklist has no such section.", 404)
    excluded = out_of_scope(audit)
    if section_id in excluded:
        raise AuditError(f"“{section.title}” is not in this audit's scope: {excluded[section_id]}", 409)
    errors, prepared = {}, {}
    for question_id, uploads in (photos or {}).items():
        if uploads:
            try:  # decoded before the write lock is taken
                prepared[question_id] = evidence.process(db, uploads, limits)
            except PhotoError as exc:
                errors[question_id] = exc.message
    photo_refused = bool(errors)
    try:
        with dbm.transaction(db):
            _ensure_open(dbm.query_one(db, "SELECT status, number FROM audits WHERE id = ?", (audit["id"],)))
            answers = answers_of(db, audit["id"])
            after = values(answers)
            visible_before = visible = rules.visible_questions(checklist, after, excluded)
            shown, changed, hidden, to_link = dict(answers), {}, set(), []
            for question in section.questions:
                qid = question.id
                if qid not in posted and qid not in notes and qid not in prepared:
                    continue
                # Visible as of the answers before it in this form: a follow-up shown by one is saved with it.
                if qid not in visible:
                    hidden.add(qid)
                    continue
                if qid in prepared:
                    to_link.append(qid)
                if qid not in posted and qid not in notes:
                    continue
                try:
                    value = None if posted.get(qid) is None else rules.normalize_answer(question, posted[qid])
                except rules.AnswerError as exc:
                    errors[qid] = exc.message
                    continue
                existing = answers.get(qid) or {}
                note = existing.get("note", "") if notes.get(qid) is None else notes[qid].strip()[:4000]
                if value == "na" and not note:
                    # "Not applicable" is a finding-free answer: the record must say why (ISO 19011 scope evidence).
                    errors[qid] = NA_NEEDS_NOTE
                    continue
                if existing.get("value") == value and existing.get("note", "") == note:
                    continue
                changed[qid] = shown[qid] = {**existing, "value": value, "note": note}
                if value is None:
                    after.pop(qid, None)
                else:
                    after[qid] = value
                visible = rules.visible_questions(checklist, after, excluded)
            if not photo_refused:
                now = ids.now_iso()
                for qid, row in changed.items():
                    shown[qid] = _write_answer(db, audit["id"], qid, row, by, now, at or now)
                for qid in to_link:
                    evidence.link(db, store, audit, prepared[qid], by=by, question_id=qid)
            score = rules.score(checklist, after, photo_counts(db, audit["id"]), excluded)
            if not photo_refused and (changed or to_link):
                dbm.execute(db, "UPDATE audits SET score_percent = ?, answered_count = ?, visible_count = ?,"
                                " current_section = ?, updated_at = ? WHERE id = ?",
                            (score.percent, score.answered, score.visible, section_id, now, audit["id"]))
    except BaseException:
        # Photos linked in a transaction that then failed would leave their files behind.
        if prepared:
            evidence.drop_unreferenced(db, store, [item[k] for items in prepared.values() for item in items
                                                   for k in ("sha256", "thumb_sha256")])
        raise
    return Saved(shown, visible_before, visible, score, errors, hidden)


def _write_answer(db, audit_id: str, question_id: str, row: dict, by: str, now: str, answered: str) -> dict:
    """Insert or update one answer row; returns it with its value decoded."""
    stored = json.dumps(row["value"], ensure_ascii=False) if row["value"] is not None else None
    if "id" in row:
        dbm.execute(db, "UPDATE answers SET value = ?, note = ?, answered_by = ?, answered_at = ?, updated_at = ?"
                        " WHERE id = ?", (stored, row["note"], by, answered, now, row["id"]))
        return {**row, "answered_by": by, "answered_at": answered, "updated_at": now}
    new = {"id": ids.new_id(), "audit_id": audit_id, "question_id": question_id, "value": stored,
           "note": row["note"], "answered_by": by, "answered_at": answered, "created_at": now, "updated_at": now,
           "origin": settings.device_id(db)}
    db["answers"].insert(new)
    return {**new, "value": row["value"]}


def progress(db, audit: dict, checklist: Checklist | None = None) -> tuple[dict, rules.Score, set]:
    """(answers, score, visible question ids) of an audit as it stands."""
    checklist = checklist or checklist_of(db, audit)
    answers = answers_of(db, audit["id"])
    vals = values(answers)
    counts = photo_counts(db, audit["id"])
    excluded = out_of_scope(audit)
    return (answers, rules.score(checklist, vals, counts, excluded),
            rules.visible_questions(checklist, vals, excluded))


def resume_section(db, audit: dict, checklist: Checklist | None = None) -> str:
    """Where to resume: the last section seen unless it is complete, else the first with unanswered questions."""
    checklist = checklist or checklist_of(db, audit)
    _, score, _ = progress(db, audit, checklist)
    sections = {s.id: s for s in score.sections}
    last = sections.get(audit["current_section"])
    if last is not None and last.visible and last.answered < last.visible:
        return last.id
    first_open = next((s.id for s in score.sections if s.answered < s.visible), None)
    if first_open:
        return first_open
    if last is not None and audit["current_section"] not in out_of_scope(audit):
        return last.id
    return next(s.id for s in checklist.sections if s.id not in out_of_scope(audit))


def mark_seen(db, audit: dict, section_id: str) -> None:
    """Remember the section the auditor last opened, for Resume."""
    if audit["current_section"] != section_id:
        with dbm.transaction(db):
            dbm.execute(db, "UPDATE audits SET current_section = ? WHERE id = ? AND status = 'in_progress'",
                        (section_id, audit["id"]))


def finding_questions(db, audit_id: str) -> set[str]:
    """Ids of the questions that have a finding raised from them."""
    return {r["question_id"] for r in dbm.query(db, "SELECT DISTINCT question_id FROM findings WHERE audit_id = ?"
                                                    " AND question_id IS NOT NULL", (audit_id,))}


def unraised_suggestions(db, audit: dict, checklist: Checklist | None = None) -> list[rules.ProposedFinding]:
    """Findings the answers suggest, in checklist order, for questions with no finding raised from them."""
    checklist = checklist or checklist_of(db, audit)
    proposed = rules.proposed_findings(checklist, values(answers_of(db, audit["id"])), out_of_scope(audit))
    raised = finding_questions(db, audit["id"])
    return [p for p in proposed if p.question_id not in raised]


# -- findings -------------------------------------------------------------------------------------------------

def list_findings(db, audit_id: str) -> list[dict]:
    """An audit's findings by number."""
    return dbm.query(db, "SELECT * FROM findings WHERE audit_id = ? ORDER BY number", (audit_id,))


def get_finding(db, finding_id: str) -> dict | None:
    """One finding."""
    return dbm.query_one(db, "SELECT * FROM findings WHERE id = ?", (finding_id,))


def _finding_fields(checklist: Checklist, fields: dict) -> dict:
    severity = (fields.get("severity") or "").strip()
    if severity not in SEVERITIES:
        raise AuditError("Choose a severity: major or minor nonconformity, observation, or opportunity for "
                         "improvement.", 422)
    description = (fields.get("description") or "").strip()
    if not description:
        raise AuditError("Describe the finding: what did you see?", 422)
    question_id = (fields.get("question_id") or "").strip() or None
    if question_id is not None:
        try:
            checklist.question(question_id)
        except KeyError:
            raise AuditError("This audit's checklist has no such question.", 404) from None
    return {"severity": severity, "description": description[:4000], "question_id": question_id,
            "clause": (fields.get("clause") or "").strip()[:50],
            "requirement": (fields.get("requirement") or "").strip()[:4000],
            "evidence": (fields.get("evidence") or "").strip()[:4000]}


def add_finding(db, audit: dict, fields: dict, by: str) -> dict:
    """Raise a finding (from a question or free-standing) while the audit is open."""
    clean = _finding_fields(checklist_of(db, audit), fields)
    now = ids.now_iso()
    with dbm.transaction(db):
        _ensure_open(dbm.query_one(db, "SELECT status, number FROM audits WHERE id = ?", (audit["id"],)))
        number = (dbm.scalar(db, "SELECT MAX(number) FROM findings WHERE audit_id = ?", (audit["id"],)) or 0) + 1
        row = {"id": ids.new_id(), "audit_id": audit["id"], "number": number, **clean, "created_by": by,
               "created_at": now, "updated_at": now, "origin": settings.device_id(db)}
        db["findings"].insert(row)
    return row


FINDING_EDITS = ("severity", "clause", "description", "requirement", "evidence")


def update_finding(db, audit: dict, finding_id: str, fields: dict) -> dict:
    """Edit a finding until the audit is submitted."""
    return save_finding(db, audit, finding_id, fields)[0]


def save_finding(db, audit: dict, finding_id: str, fields: dict, seen: dict | None = None) -> tuple[dict, list]:
    """Edit a finding; a field someone else changed since the form's `seen` tokens (edits.py) is not written but
    returned as a conflict. Returns (the finding, conflicts)."""
    clean = _finding_fields(checklist_of(db, audit), fields)
    with dbm.transaction(db):
        _ensure_open(dbm.query_one(db, "SELECT status, number FROM audits WHERE id = ?", (audit["id"],)))
        finding = get_finding(db, finding_id)
        if finding is None or finding["audit_id"] != audit["id"]:
            raise AuditError("No such finding in this audit.", 404)
        write, conflicts = edits.merge(finding, clean, seen or {})
        row = {**finding, **write}
        if write:
            dbm.execute(db, "UPDATE findings SET severity = ?, description = ?, question_id = ?, clause = ?,"
                            " requirement = ?, evidence = ?, updated_at = ? WHERE id = ?",
                        (row["severity"], row["description"], row["question_id"], row["clause"],
                         row["requirement"], row["evidence"], ids.now_iso(), finding_id))
    return get_finding(db, finding_id), conflicts


def delete_finding(db, audit: dict, finding_id: str) -> None:
    """Withdraw a finding while the audit is open."""
    with dbm.transaction(db):
        _ensure_open(dbm.query_one(db, "SELECT status, number FROM audits WHERE id = ?", (audit["id"],)))
        if dbm.execute(db, "DELETE FROM findings WHERE id = ? AND audit_id = ?", (finding_id, audit["id"])) == 0:
            raise AuditError("No such finding in this audit.", 404)


def add_finding_with_photos(db, store: BlobStore, audit: dict, fields: dict, by: str, uploads: list[bytes],
                            limits: Limits = DEFAULT_LIMITS) -> dict:
    """Raise a finding and attach the photos taken with it, all or nothing: a refused photo raises no finding."""
    prepared = evidence.process(db, uploads, limits) if uploads else []  # decoded before the write lock
    with dbm.transaction(db):
        finding = add_finding(db, audit, fields, by)
        if prepared:
            evidence.link(db, store, audit, prepared, by=by, finding_id=finding["id"])
    return finding
