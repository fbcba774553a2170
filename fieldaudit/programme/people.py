"""Who may audit what: auditors of a site, their own area (impartiality) and their qualifications."""
from datetime import date
from zoneinfo import ZoneInfo

from .. import db as dbm
from .. import ids, settings
from ..refusal import Refusal
from .paired import ensure_planned_here

# Roles that run audits (fieldaudit/auth/roles.py); admins do not.
AUDITING_ROLES = ("auditor", "quality_manager")


def auditors_at(db, site_id: str) -> list[dict]:
    """Active people who may run audits at a site (a role there or at every site), by name."""
    return dbm.query(
        db, "SELECT DISTINCT u.id, u.display_name, u.username FROM users u JOIN memberships m ON m.user_id = u.id"
            " WHERE u.active = 1 AND m.role IN ('auditor', 'quality_manager') AND (m.site_id = ? OR m.site_id IS NULL)"
            " ORDER BY u.display_name", (site_id,))


def auditors_at_sites(db, site_ids: list[str]) -> list[dict]:
    """`auditors_at` of several sites in one query (each person once), by name: a hub's programme page asked
    once per site."""
    if not site_ids:
        return []
    return dbm.query(
        db, "SELECT DISTINCT u.id, u.display_name, u.username FROM users u JOIN memberships m ON m.user_id = u.id"
            " WHERE u.active = 1 AND m.role IN ('auditor', 'quality_manager')"
            f" AND (m.site_id IN ({', '.join('?' for _ in site_ids)}) OR m.site_id IS NULL)"
            " ORDER BY u.display_name, u.id", list(site_ids))


def home_areas_of_sites(db, site_ids: list[str]) -> dict[str, dict[str, str]]:
    """site id → `home_areas` of that site, for several sites in one query (every site asked is a key)."""
    out = {site_id: {} for site_id in site_ids}
    if site_ids:
        for r in dbm.query(db, "SELECT site_id, user_id, area_id FROM home_areas WHERE site_id IN"
                               f" ({', '.join('?' for _ in site_ids)})", list(site_ids)):
            out[r["site_id"]][r["user_id"]] = r["area_id"]
    return out


def names(db, user_ids) -> dict[str, str]:
    """user id → display name."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    marks = ", ".join("?" for _ in user_ids)
    return {r["id"]: r["display_name"]
            for r in dbm.query(db, f"SELECT id, display_name FROM users WHERE id IN ({marks})", user_ids)}


# -- own area (ISO 19011 §5.5.3, impartiality) -------------------------------------------------------------

def home_areas(db, site_id: str) -> dict[str, str]:
    """user id → their own area at a site: the place they work in, which they are not scheduled to audit."""
    return {r["user_id"]: r["area_id"]
            for r in dbm.query(db, "SELECT user_id, area_id FROM home_areas WHERE site_id = ?", (site_id,))}


def set_home_area(db, user_id: str, site_id: str, area_id: str | None) -> None:
    """Set (or with None clear) a person's own area at a site."""
    ensure_planned_here(db)
    with dbm.transaction(db):
        if area_id is None:
            dbm.execute(db, "DELETE FROM home_areas WHERE user_id = ? AND site_id = ?", (user_id, site_id))
            return
        if dbm.scalar(db, "SELECT site_id FROM areas WHERE id = ?", (area_id,)) != site_id:
            raise Refusal("Choose an area of this site.", 422)
        now = ids.now_iso()
        dbm.execute(db, "INSERT INTO home_areas (id, user_id, site_id, area_id, created_at, updated_at, origin)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, site_id) DO UPDATE SET"
                        " area_id = excluded.area_id, updated_at = excluded.updated_at",
                    (ids.new_id(), user_id, site_id, area_id, now, now, settings.device_id(db)))


# -- qualifications --------------------------------------------------------------------------------------------

def add_qualification(db, user_id: str, *, checklist_id: str | None = None, standard: str | None = None,
                      trained_on: str, expires_on: str | None = None, evidence: str = "",
                      by: str | None = None) -> dict:
    """Record a person's training for one checklist or for a standard (e.g. ISO 9001:2015)."""
    ensure_planned_here(db)
    standard = (standard or "").strip()[:100] or None
    if (checklist_id is None) == (standard is None):
        raise Refusal("Choose either a checklist or a standard the training covers.", 422)
    trained = _date(trained_on, "the training date")
    expires = _date(expires_on, "the expiry date") if expires_on else None
    if expires is not None and expires < trained:
        raise Refusal("The expiry date is before the training date.", 422)
    now = ids.now_iso()
    row = {"id": ids.new_id(), "user_id": user_id, "checklist_id": checklist_id, "standard": standard,
           "trained_on": trained.isoformat(), "expires_on": expires.isoformat() if expires else None,
           "evidence": (evidence or "").strip()[:2000], "recorded_by": by, "created_at": now, "updated_at": now,
           "origin": settings.device_id(db)}
    with dbm.transaction(db):
        db["qualifications"].insert(row)
    return row


def _date(text: str | None, what: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise Refusal(f"Give {what} as a date (YYYY-MM-DD).", 422) from None


def qualifications_of(db, user_ids) -> list[dict]:
    """Training records of some people, newest first, with the checklist title."""
    user_ids = list(user_ids)
    if not user_ids:
        return []
    marks = ", ".join("?" for _ in user_ids)
    return dbm.query(db, "SELECT q.*, c.title AS checklist_title, u.display_name FROM qualifications q"
                         " JOIN users u ON u.id = q.user_id LEFT JOIN checklists c ON c.id = q.checklist_id"
                         f" WHERE q.user_id IN ({marks}) ORDER BY u.display_name, q.trained_on DESC", user_ids)


def qualification_status(db, user_id: str, checklist_id: str, today: str) -> str:
    """'valid', 'expired' (a record exists but none is in force today) or 'missing' for a checklist: a record for
    the checklist itself or for its standard counts."""
    rows = dbm.query(db, "SELECT q.trained_on, q.expires_on FROM qualifications q JOIN checklists c ON c.id = ?"
                         " WHERE q.user_id = ? AND (q.checklist_id = c.id OR (c.standard <> ''"
                         " AND q.standard = c.standard))", (checklist_id, user_id))
    if any(r["trained_on"] <= today and (r["expires_on"] is None or r["expires_on"] >= today) for r in rows):
        return "valid"
    return "expired" if rows else "missing"


def requires_qualification(db, site_id: str, checklist_id: str) -> bool:
    """Whether auditing a checklist at a site needs a qualification: an active plan of it there says so."""
    return bool(dbm.scalar(db, "SELECT 1 FROM audit_plans WHERE site_id = ? AND checklist_id = ? AND active = 1"
                               " AND requires_qualification = 1 LIMIT 1", (site_id, checklist_id)))


def ensure_qualified(db, user: dict, site_id: str, checklist_id: str, today: str, required: bool = False) -> None:
    """Refuse (422) to start an audit that needs a qualification (`required` by its plan, or by an active plan of
    the checklist at the site) the person lacks or let expire."""
    if not required and not requires_qualification(db, site_id, checklist_id):
        return
    status = qualification_status(db, user["id"], checklist_id, today)
    if status == "valid":
        return
    title = dbm.scalar(db, "SELECT title FROM checklists WHERE id = ?", (checklist_id,))
    why = "has expired" if status == "expired" else "is not on record"
    raise Refusal(f"{user['display_name']}'s qualification for “{title}” {why}; this audit needs a qualified "
                  "auditor. A quality manager records the training under Programme → Qualifications.", 422)


def ensure_qualified_to_start(db, user: dict, site: dict, checklist_version_id: str, now) -> None:
    """The check before any audit starts (the audits' own start form too): refused when an active plan of the
    checklist at the site needs a qualification the person does not hold today (site-local date)."""
    checklist_id = dbm.scalar(db, "SELECT checklist_id FROM checklist_versions WHERE id = ?", (checklist_version_id,))
    if checklist_id is not None:
        ensure_qualified(db, user, site["id"], checklist_id,
                         now.astimezone(ZoneInfo(site["timezone"])).date().isoformat())
