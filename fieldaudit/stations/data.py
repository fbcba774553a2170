"""Sites, areas and workstations (data functions; no Flask)."""
import re
import zoneinfo
from functools import lru_cache

from .. import db as dbm
from .. import ids, settings
from ..refusal import Refusal

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


class StationError(Refusal):
    """A user-facing problem with a site, area or workstation (422 unless said otherwise)."""

    status = 422


@lru_cache(maxsize=1)
def time_zones() -> list[str]:
    """IANA time zones a site can be in, sorted."""
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


def normalize_code(code: str, what: str) -> str:
    """Upper-case a code and check it can go on a label and in a URL."""
    code = (code or "").strip().upper()
    if not CODE.match(code):
        raise StationError(f"{what} codes use capital letters, digits and '-' (up to 32), e.g. PLT1 or ASM-03.")
    return code


def ensure_editable(db) -> None:
    """Reference data is authored on the hub once paired; here it is then read-only."""
    if settings.hub_paired(db):
        raise StationError("This site server is paired with a hub: sites, areas and workstations are managed "
                           "at head office and arrive here with the next sync.", 409)


def _stamp(db) -> dict:
    now = ids.now_iso()
    return {"id": ids.new_id(), "created_at": now, "updated_at": now, "origin": settings.device_id(db)}


# -- sites ----------------------------------------------------------------------------------------------------

def list_sites(db, site_ids=None) -> list[dict]:
    """Sites by code; all of them, or only `site_ids`."""
    if site_ids is None:
        return dbm.query(db, "SELECT * FROM sites ORDER BY code")
    if not site_ids:
        return []
    marks = ", ".join("?" for _ in site_ids)
    return dbm.query(db, f"SELECT * FROM sites WHERE id IN ({marks}) ORDER BY code", tuple(site_ids))


def get_site(db, site_id: str) -> dict | None:
    """One site by id."""
    return dbm.query_one(db, "SELECT * FROM sites WHERE id = ?", (site_id,))


def get_site_by_code(db, code: str) -> dict | None:
    """One site by its code."""
    return dbm.query_one(db, "SELECT * FROM sites WHERE code = ?", ((code or "").strip().upper(),))


def _check_site_fields(name: str, timezone: str) -> None:
    if not name.strip():
        raise StationError("Give the site a name, e.g. 'Riverside Plant'.")
    if timezone not in zoneinfo.available_timezones():
        raise StationError(f"Unknown time zone {timezone!r}; pick one from the list, e.g. Europe/Berlin.")


def create_site(db, code: str, name: str, timezone: str, address: str = "") -> dict:
    """Create a site with its time zone (due and effective dates are local dates there)."""
    ensure_editable(db)
    code = normalize_code(code, "Site")
    _check_site_fields(name, timezone)
    with dbm.transaction(db):
        if get_site_by_code(db, code):
            raise StationError(f"A site with code {code} already exists.")
        row = {**_stamp(db), "code": code, "name": name.strip(), "timezone": timezone,
               "address": address.strip(), "active": 1}
        db["sites"].insert(row)
    return row


def update_site(db, site_id: str, name: str, timezone: str, address: str = "") -> None:
    """Rename a site or change its time zone; its code stays, because labels and numbers carry it."""
    ensure_editable(db)
    _check_site_fields(name, timezone)
    with dbm.transaction(db):
        dbm.execute(db, "UPDATE sites SET name = ?, timezone = ?, address = ?, updated_at = ? WHERE id = ?",
                    (name.strip(), timezone, address.strip(), ids.now_iso(), site_id))


# -- areas ----------------------------------------------------------------------------------------------------

def list_areas(db, site_id: str) -> list[dict]:
    """A site's areas with their workstation counts."""
    return dbm.query(
        db, "SELECT a.*, (SELECT COUNT(*) FROM workstations w WHERE w.area_id = a.id) AS workstation_count"
            " FROM areas a WHERE a.site_id = ? ORDER BY a.code", (site_id,))


def get_area(db, area_id: str) -> dict | None:
    """One area by id."""
    return dbm.query_one(db, "SELECT * FROM areas WHERE id = ?", (area_id,))


def create_area(db, site_id: str, code: str, name: str) -> dict:
    """Create an area (a department, a line, a warehouse zone) in a site."""
    ensure_editable(db)
    code = normalize_code(code, "Area")
    if not name.strip():
        raise StationError("Give the area a name, e.g. 'Final assembly'.")
    with dbm.transaction(db):
        if dbm.query_one(db, "SELECT id FROM areas WHERE site_id = ? AND code = ?", (site_id, code)):
            raise StationError(f"This site already has an area with code {code}.")
        row = {**_stamp(db), "site_id": site_id, "code": code, "name": name.strip(), "active": 1}
        db["areas"].insert(row)
    return row


# -- workstations ---------------------------------------------------------------------------------------------

_WS_SELECT = ("SELECT w.*, a.name AS area_name, a.code AS area_code, s.code AS site_code, s.name AS site_name"
              " FROM workstations w JOIN sites s ON s.id = w.site_id LEFT JOIN areas a ON a.id = w.area_id")


def list_workstations(db, site_id: str, area_id: str | None = None) -> list[dict]:
    """A site's workstations (optionally of one area) by code."""
    if area_id:
        return dbm.query(db, _WS_SELECT + " WHERE w.site_id = ? AND w.area_id = ? ORDER BY w.code",
                         (site_id, area_id))
    return dbm.query(db, _WS_SELECT + " WHERE w.site_id = ? ORDER BY w.code", (site_id,))


def get_workstation(db, workstation_id: str) -> dict | None:
    """One workstation by id, with its area and site names."""
    return dbm.query_one(db, _WS_SELECT + " WHERE w.id = ?", (workstation_id,))


def get_workstation_by_code(db, code: str) -> dict | None:
    """One workstation by its label code."""
    return dbm.query_one(db, _WS_SELECT + " WHERE w.code = ?", ((code or "").strip().upper(),))


def create_workstation(db, site_id: str, area_id: str | None, code: str, name: str, description: str = "") -> dict:
    """Create a workstation; its code is printed on its QR label and never changes."""
    ensure_editable(db)
    code = normalize_code(code, "Workstation")
    if not name.strip():
        raise StationError("Give the workstation a name, e.g. 'Torque station 3'.")
    with dbm.transaction(db):
        if area_id:
            area = get_area(db, area_id)
            if area is None or area["site_id"] != site_id:
                raise StationError("Choose an area of this site.")
        if get_workstation_by_code(db, code):
            raise StationError(f"Workstation code {code} is already used (codes are unique across sites, "
                               "because they are printed on labels).")
        row = {**_stamp(db), "site_id": site_id, "area_id": area_id or None, "code": code, "name": name.strip(),
               "description": description.strip(), "active": 1}
        db["workstations"].insert(row)
    return row


def update_workstation(db, workstation_id: str, name: str, area_id: str | None, description: str = "",
                       active: bool = True) -> None:
    """Rename or move a workstation within its site; the code (and so printed labels) stays valid."""
    ensure_editable(db)
    if not name.strip():
        raise StationError("Give the workstation a name.")
    with dbm.transaction(db):
        ws = get_workstation(db, workstation_id)
        if area_id:
            area = get_area(db, area_id)
            if area is None or area["site_id"] != ws["site_id"]:
                raise StationError("Choose an area of this site.")
        dbm.execute(db, "UPDATE workstations SET name = ?, area_id = ?, description = ?, active = ?, updated_at = ?"
                        " WHERE id = ?", (name.strip(), area_id or None, description.strip(), int(active),
                                          ids.now_iso(), workstation_id))
