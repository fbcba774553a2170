"""Controlled documents: queries, creation, metadata and draft editing (data functions; no Flask)."""
import calendar
import json
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from .. import db as dbm
from .. import edits, ids, settings, trail
from ..auth import users
from ..evidence.limits import DEFAULT as PHOTO_LIMITS
from ..evidence import blobgc
from . import attachments
from ..refusal import Refusal

KINDS = {"procedure": "Procedure", "work_instruction": "Work instruction", "form": "Form"}
# Codes go into URLs and onto labels; '/' is left out so /documents/code/<code> stays one path segment.
CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
MAX_BODY = 200_000


class DocumentError(Refusal):
    """A user-facing refusal with the HTTP status that fits it."""

    status = 422


def normalize_code(code: str) -> str:
    """Upper-case a document code and check it fits a URL and a label."""
    code = (code or "").strip().upper()
    if not CODE.match(code):
        raise DocumentError("Document codes use capital letters, digits, '.', '_' and '-' (up to 40), "
                            "e.g. WI-ASM-012.")
    return code


def ensure_authoring(db) -> None:
    """Documents and approvals are authored on the hub once this site server is paired with one."""
    if settings.hub_paired(db):
        raise DocumentError("This site server is paired with a hub: documents are written and approved at head "
                            "office and arrive here read-only with the next sync.", 409)


# -- calendar dates ---------------------------------------------------------------------------------------------

def local_today(tz: str) -> date:
    """Today's date in a time zone (at ids.utc_now(), so history and tests can set the clock)."""
    return ids.utc_now().astimezone(ZoneInfo(tz)).date()


def today_at(db, site_ids) -> date:
    """The earliest local date over some sites: a date has come for a document once it has come at all of them."""
    site_ids = list(site_ids)
    if not site_ids:
        return ids.utc_now().date()
    marks = ", ".join("?" for _ in site_ids)
    zones = {r["timezone"] for r in dbm.query(db, f"SELECT timezone FROM sites WHERE id IN ({marks})",
                                              tuple(site_ids))}
    return min(local_today(tz) for tz in zones) if zones else ids.utc_now().date()


def add_months(day: date, months: int) -> date:
    """A date some months later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def content_hash(code: str, version: int, title: str, body: str, change_summary: str, attachment: str | None) -> str:
    """The hash an approval signs: exactly this content of this version of this document."""
    return trail.digest({"code": code, "version": version, "title": title, "body": body,
                         "change_summary": change_summary, "attachment_sha256": attachment})


# -- reading ----------------------------------------------------------------------------------------------------

_DOC_SELECT = ("SELECT d.*, u.display_name AS owner_name FROM documents d LEFT JOIN users u ON u.id = d.owner_id")


def _with_scope(db, doc: dict | None) -> dict | None:
    if doc is not None:
        doc["site_ids"] = [r["site_id"] for r in dbm.query(
            db, "SELECT site_id FROM document_sites WHERE document_id = ? ORDER BY site_id", (doc["id"],))]
        doc["workstation_ids"] = [r["workstation_id"] for r in dbm.query(
            db, "SELECT workstation_id FROM document_workstations WHERE document_id = ?", (doc["id"],))]
    return doc


def get_document(db, document_id: str) -> dict | None:
    """One document with its owner's name, site ids and workstation ids."""
    return _with_scope(db, dbm.query_one(db, _DOC_SELECT + " WHERE d.id = ?", (document_id,)))


def get_document_by_code(db, code: str) -> dict | None:
    """One document by its code (any case)."""
    return _with_scope(db, dbm.query_one(db, _DOC_SELECT + " WHERE d.code = ?", ((code or "").strip().upper(),)))


def list_documents(db, site_ids=None, q: str = "") -> list[dict]:
    """Documents that apply to some sites (None: all), by code, optionally matching a code or title."""
    where, params = [], []
    if site_ids is not None:
        if not site_ids:
            return []
        where.append(f"d.id IN (SELECT document_id FROM document_sites WHERE site_id IN "
                     f"({', '.join('?' for _ in site_ids)}))")
        params += list(site_ids)
    if q.strip():
        where.append("(UPPER(d.code) LIKE ? OR UPPER(d.title) LIKE ?)")
        params += [f"%{q.strip().upper()}%"] * 2
    sql = _DOC_SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY d.code"
    docs = dbm.query(db, sql, tuple(params))
    # The scopes of all in two queries, not two per document (a hub lists hundreds).
    scopes = {d["id"]: d for d in docs}
    for d in docs:
        d["site_ids"], d["workstation_ids"] = [], []
    for column, table in (("site_id", "document_sites"), ("workstation_id", "document_workstations")):
        for chunk in _chunks(list(scopes)):
            for r in dbm.query(db, f"SELECT document_id, {column} FROM {table} WHERE document_id IN"
                                   f" ({', '.join('?' for _ in chunk)}) ORDER BY document_id, {column}", chunk):
                scopes[r["document_id"]][column + "s"].append(r[column])
    return docs


def _chunks(values: list, size: int = 500):
    """Slices of at most `size` values, for `IN (…)` lists."""
    return [values[i:i + size] for i in range(0, len(values), size)]


_VERSION_SELECT = ("SELECT v.*, a.display_name AS author_name, p.display_name AS approver_name"
                   " FROM document_versions v JOIN users a ON a.id = v.author_id"
                   " LEFT JOIN users p ON p.id = v.approved_by")


def _with_authors(db, rows: list[dict], where: str, param: str) -> list[dict]:
    """Give each version its `authors`: everyone who started or changed it, in the order they first did."""
    found: dict[str, list[dict]] = {}
    for row in dbm.query(db, "SELECT x.version_id, u.id, u.display_name FROM document_version_authors x"
                             " JOIN users u ON u.id = x.user_id JOIN document_versions v ON v.id = x.version_id"
                             f" WHERE {where} ORDER BY x.first_at, u.display_name", (param,)):
        found.setdefault(row.pop("version_id"), []).append(row)
    for row in rows:
        row["authors"] = found.get(row["id"], [])
    return rows


def versions_of_many(db, document_ids: list[str]) -> dict[str, list[dict]]:
    """`versions_of` for many documents in a few queries: document id → its versions, newest first."""
    out: dict[str, list[dict]] = {d: [] for d in document_ids}
    for chunk in _chunks(list(document_ids)):
        marks = ", ".join("?" for _ in chunk)
        rows = dbm.query(db, _VERSION_SELECT + f" WHERE v.document_id IN ({marks})"
                                              " ORDER BY v.document_id, v.version DESC", chunk)
        authors: dict[str, list[dict]] = {}
        for row in dbm.query(db, "SELECT x.version_id, u.id, u.display_name FROM document_version_authors x"
                                 " JOIN users u ON u.id = x.user_id JOIN document_versions v ON v.id = x.version_id"
                                 f" WHERE v.document_id IN ({marks}) ORDER BY x.first_at, u.display_name", chunk):
            authors.setdefault(row.pop("version_id"), []).append(row)
        for row in rows:
            row["authors"] = authors.get(row["id"], [])
            out[row["document_id"]].append(row)
    return out


def versions_of(db, document_id: str) -> list[dict]:
    """A document's versions, newest first, each with its authors."""
    rows = dbm.query(db, _VERSION_SELECT + " WHERE v.document_id = ? ORDER BY v.version DESC", (document_id,))
    return _with_authors(db, rows, "v.document_id = ?", document_id)


def get_version(db, version_id: str) -> dict | None:
    """One version with its author's and approver's names and everyone who changed it."""
    row = dbm.query_one(db, _VERSION_SELECT + " WHERE v.id = ?", (version_id,))
    return _with_authors(db, [row], "v.id = ?", version_id)[0] if row else None


def documents_at_workstation(db, workstation_id: str) -> list[dict]:
    """Documents linked to one workstation, by code."""
    rows = dbm.query(db, _DOC_SELECT + " JOIN document_workstations dw ON dw.document_id = d.id"
                                       " WHERE dw.workstation_id = ? ORDER BY d.code", (workstation_id,))
    return [_with_scope(db, row) for row in rows]


def signatures_of(db, version_id: str) -> list[dict]:
    """E-signatures on a version (its approval)."""
    return dbm.query(db, "SELECT * FROM signatures WHERE record_type = 'document_version' AND record_id = ?"
                         " ORDER BY signed_at", (version_id,))


def history(db, document_id: str) -> list[dict]:
    """The document's audit-trail entries (creation, versions, transitions, reviews, receipts), oldest first."""
    rows = dbm.query(db, "SELECT t.*, u.display_name AS actor_name FROM audit_trail t LEFT JOIN users u"
                         " ON u.id = t.actor_id WHERE (t.record_type = 'document' AND t.record_id = ?)"
                         " OR (t.record_type = 'document_version' AND t.record_id IN"
                         " (SELECT id FROM document_versions WHERE document_id = ?)) ORDER BY t.at, t.seq",
                     (document_id, document_id))
    for row in rows:
        row["details"] = json.loads(row["payload"])
    return rows


# -- writing ----------------------------------------------------------------------------------------------------

def _stamp(db) -> dict:
    now = ids.now_iso()
    return {"id": ids.new_id(), "created_at": now, "updated_at": now, "origin": settings.device_id(db)}


def _scope(db, site_ids, workstation_ids) -> tuple[list[str], list[str]]:
    """Checked site and workstation ids; a workstation's site is added to the document's sites."""
    sites = set(site_ids or [])
    stations = []
    for ws_id in dict.fromkeys(workstation_ids or []):
        row = dbm.query_one(db, "SELECT id, site_id FROM workstations WHERE id = ?", (ws_id,))
        if row is None:
            raise DocumentError("One of the chosen workstations does not exist.")
        stations.append(row["id"])
        sites.add(row["site_id"])
    for site_id in sites:
        if dbm.scalar(db, "SELECT COUNT(*) FROM sites WHERE id = ?", (site_id,)) != 1:
            raise DocumentError("One of the chosen sites does not exist.")
    if not sites:
        raise DocumentError("Choose at least one site (or workstation) the document applies to.")
    return sorted(sites), stations


def _check_fields(title: str, kind: str, review_months) -> int:
    if not (title or "").strip():
        raise DocumentError("Give the document a title, e.g. 'Torque tightening at assembly stations'.")
    if kind not in KINDS:
        raise DocumentError("Choose the kind of document: procedure, work instruction or form.")
    try:
        months = int(review_months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= 60:
        raise DocumentError("The review interval is a number of months from 1 to 60.")
    return months


def _set_scope(db, document_id: str, sites: list[str], stations: list[str]) -> None:
    dbm.execute(db, "DELETE FROM document_sites WHERE document_id = ?", (document_id,))
    dbm.execute(db, "DELETE FROM document_workstations WHERE document_id = ?", (document_id,))
    for site_id in sites:
        dbm.execute(db, "INSERT INTO document_sites (document_id, site_id) VALUES (?, ?)", (document_id, site_id))
    for ws_id in stations:
        dbm.execute(db, "INSERT INTO document_workstations (document_id, workstation_id) VALUES (?, ?)",
                    (document_id, ws_id))


def create_document(db, *, code: str, title: str, kind: str, by: str, site_ids=(), workstation_ids=(),
                    owner_id: str | None = None, review_months=12, body: str = "",
                    change_summary: str = "First issue.") -> tuple[dict, dict]:
    """Create a document with its first version as a draft; returns (document, version)."""
    ensure_authoring(db)
    code = normalize_code(code)
    months = _check_fields(title, kind, review_months)
    with dbm.transaction(db):
        if get_document_by_code(db, code):
            raise DocumentError(f"A document with code {code} already exists; open it and start a new version.",
                                409)
        sites, stations = _scope(db, site_ids, workstation_ids)
        if owner_id:
            users.check_role_at(db, owner_id, sites)  # the owner answers for it at every site it applies to
        doc = {**_stamp(db), "code": code, "title": title.strip()[:200], "kind": kind, "owner_id": owner_id or by,
               "review_months": months, "next_review_date": None}
        db["documents"].insert(doc)
        _set_scope(db, doc["id"], sites, stations)
        trail.append(db, actor_id=by, action="document.created", record_type="document", record_id=doc["id"],
                     payload={"code": code, "title": doc["title"], "kind": kind, "sites": sites,
                              "workstations": stations})
        version = _insert_version(db, doc, 1, doc["title"], body, change_summary, None, None, by)
    return get_document(db, doc["id"]), version


def _insert_version(db, doc, number, title, body, summary, sha, mime, by, size=None) -> dict:
    row = {**_stamp(db), "document_id": doc["id"], "version": number, "status": "draft", "title": title,
           "body": body, "change_summary": summary, "attachment_sha256": sha, "attachment_mime": mime,
           "attachment_bytes": size, "content_hash": content_hash(doc["code"], number, title, body, summary, sha),
           "author_id": by, "effective_date": None, "submitted_at": None, "approved_by": None,
           "approved_at": None, "effective_at": None, "ended_at": None}
    db["document_versions"].insert(row)
    _add_author(db, row["id"], by)
    trail.append(db, actor_id=by, action="document.version_started", record_type="document_version",
                 record_id=row["id"], payload={"code": doc["code"], "version": number})
    return row


def _add_author(db, version_id: str, user_id: str) -> None:
    """Count a person among a draft's authors (once; the first time stays)."""
    dbm.execute(db, "INSERT INTO document_version_authors (version_id, user_id, first_at, origin) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (version_id, user_id) DO NOTHING",
                (version_id, user_id, ids.now_iso(), settings.device_id(db)))


def update_document(db, document_id: str, *, kind: str, by: str, site_ids=(), workstation_ids=(),
                    owner_id: str | None = None, review_months=12, next_review_date: str | None = None) -> dict:
    """Change where a document applies, its owner and its review schedule (plain fields, not its content)."""
    ensure_authoring(db)
    doc = get_document(db, document_id)
    months = _check_fields(doc["title"], kind, review_months)
    review = (next_review_date or "").strip() or None
    if review is not None:
        try:
            review = date.fromisoformat(review).isoformat()
        except ValueError:
            raise DocumentError("Give the next review date as YYYY-MM-DD.") from None
    with dbm.transaction(db):
        sites, stations = _scope(db, site_ids, workstation_ids)
        if owner_id and owner_id != doc["owner_id"]:
            users.check_role_at(db, owner_id, sites)
        dbm.execute(db, "UPDATE documents SET kind = ?, owner_id = ?, review_months = ?, next_review_date = ?,"
                        " updated_at = ? WHERE id = ?",
                    (kind, owner_id or doc["owner_id"], months, review, ids.now_iso(), document_id))
        _set_scope(db, document_id, sites, stations)
        trail.append(db, actor_id=by, action="document.updated", record_type="document", record_id=document_id,
                     payload={"kind": kind, "owner_id": owner_id or doc["owner_id"], "review_months": months,
                              "next_review_date": review, "sites": sites, "workstations": stations})
    return get_document(db, document_id)


def new_version(db, document_id: str, by: str) -> dict:
    """Start the next version as a draft, copying the latest content; one version at a time is on its way."""
    ensure_authoring(db)
    with dbm.transaction(db):
        doc = get_document(db, document_id)
        versions = versions_of(db, document_id)
        pending = next((v for v in versions if v["status"] in ("draft", "in_review", "approved")), None)
        if pending is not None:
            raise DocumentError(f"Version {pending['version']} is still {pending['status'].replace('_', ' ')}; "
                                "finish or withdraw it before starting another.", 409)
        latest = versions[0]
        return _insert_version(db, doc, latest["version"] + 1, latest["title"], latest["body"], "",
                               latest["attachment_sha256"], latest["attachment_mime"], by,
                               latest["attachment_bytes"])


DRAFT_EDITS = ("title", "body", "change_summary")


def save_draft(db, version_id: str, *, title: str, body: str, change_summary: str, by: str, store=None,
               attachment: bytes | None = None, remove_attachment: bool = False,
               max_bytes: int = attachments.MAX_BYTES, max_pixels: int = PHOTO_LIMITS.max_pixels,
               seen: dict | None = None) -> dict:
    """Save a draft's content; anything past draft is refused (and the database refuses it too).

    With `seen` (what the form showed, edits.py) a text someone else changed since is kept and listed in the
    returned version's "conflicts" with both texts. Whoever changes something becomes one of the draft's authors."""
    ensure_authoring(db)
    if not (title or "").strip():
        raise DocumentError("The version needs a title.")
    if len(body or "") > MAX_BODY:
        raise DocumentError(f"The text is longer than {MAX_BODY:,} characters; attach a PDF instead.", 413)
    if attachment is not None:
        attachment, mime = attachments.prepare(attachment, max_bytes, max_pixels)
    else:
        mime = None
    with dbm.transaction(db):
        version = get_version(db, version_id)
        if version["status"] != "draft":
            raise DocumentError(f"Version {version['version']} is {version['status'].replace('_', ' ')} and can no "
                                "longer be edited; start a new version to change it.", 409)
        sha, size = version["attachment_sha256"], version["attachment_bytes"]
        if remove_attachment:
            sha, mime, size = None, None, None
        elif attachment is not None:
            # Stored before the row that names it commits; named by content, never by the uploaded file's name.
            sha, size = store.put(attachment), len(attachment)
        else:
            mime = version["attachment_mime"]
        doc = get_document(db, version["document_id"])
        title, summary = title.strip()[:200], (change_summary or "").strip()[:2000]
        write, conflicts = edits.merge(version, {"title": title, "body": body or "", "change_summary": summary},
                                       seen or {})
        title, body, summary = (write.get(k, version[k]) for k in ("title", "body", "change_summary"))
        saved = {"title": title, "body": body or "", "change_summary": summary, "attachment_sha256": sha}
        changed = [key for key, value in saved.items() if version[key] != value]
        if not changed:
            # Saving what is there changes nothing and makes nobody an author.
            return {**version, "conflicts": conflicts}
        new_hash = content_hash(doc["code"], version["version"], title, body or "", summary, sha)
        dbm.execute(db, "UPDATE document_versions SET title = ?, body = ?, change_summary = ?, attachment_sha256 = ?,"
                        " attachment_mime = ?, attachment_bytes = ?, content_hash = ?, updated_at = ? WHERE id = ?",
                    (title, body or "", summary, sha, mime, size, new_hash, ids.now_iso(), version_id))
        _add_author(db, version_id, by)
        trail.append(db, actor_id=by, action="document.draft_edited", record_type="document_version",
                     record_id=version_id, payload={
                         "code": doc["code"], "version": version["version"],
                         "changed": [{"attachment_sha256": "attachment"}.get(k, k) for k in changed],
                         "before": version["content_hash"], "after": new_hash})
        if not any(v["status"] == "effective" for v in versions_of(db, doc["id"])):
            dbm.execute(db, "UPDATE documents SET title = ?, updated_at = ? WHERE id = ?",
                        (title, ids.now_iso(), doc["id"]))
    if store is not None and version["attachment_sha256"] not in (None, sha):
        blobgc.collect(db, store, [version["attachment_sha256"]])  # the replaced file, unless another row names it
    return {**get_version(db, version_id), "conflicts": conflicts}


def review_due_date(effective: str, months: int) -> str:
    """The next periodic review after a version becomes effective."""
    return add_months(date.fromisoformat(effective), months).isoformat()


def days_between(a: str, b: date) -> int:
    """Days from a YYYY-MM-DD date to another date (negative when `a` is later)."""
    return (b - date.fromisoformat(a)) // timedelta(days=1)
