"""Programme data functions (no Flask): scheduled audits listed with their state, missed, due for a person."""
import json

from .. import db as dbm
from .. import ids
from ..refusal import Refusal
from . import schedule
from .states import STATES, on_time, state  # noqa: F401  (the public state function lives with the data)

# The same rule as states.state, in SQL, for filters and counts over many rows (`?` is the local today).
STATE_SQL = ("CASE WHEN s.done_on IS NOT NULL THEN 'done' WHEN s.missed_reason IS NOT NULL THEN 'missed'"
             " WHEN s.due_date > ? THEN 'upcoming' WHEN s.window_end >= ? THEN 'due' ELSE 'overdue' END")

_SELECT = ("SELECT s.*, c.title AS checklist_title, w.code AS workstation_code, w.name AS workstation_name,"
           " ar.name AS area_name, u.display_name AS auditor_name, a.number AS audit_number,"
           " a.status AS audit_status, a.auditor_id AS audit_auditor_id, p.pool, p.title AS plan_title,"
           " p.requires_qualification, st.code AS site_code, st.timezone, " + STATE_SQL + " AS state"
           " FROM scheduled_audits s JOIN checklists c ON c.id = s.checklist_id JOIN audit_plans p ON p.id = s.plan_id"
           " JOIN sites st ON st.id = s.site_id LEFT JOIN workstations w ON w.id = s.workstation_id"
           " LEFT JOIN areas ar ON ar.id = s.area_id LEFT JOIN users u ON u.id = s.auditor_id"
           " LEFT JOIN audits a ON a.id = s.audit_id")


def scheduled_row(db, scheduled_id: str) -> dict | None:
    """One scheduled audit's own row (for the site guard)."""
    return dbm.query_one(db, "SELECT * FROM scheduled_audits WHERE id = ?", (scheduled_id,))


def get_scheduled(db, scheduled_id: str, today: str) -> dict | None:
    """One scheduled audit with its names and its state on `today`."""
    return dbm.query_one(db, _SELECT + " WHERE s.id = ?", (today, today, scheduled_id))


def list_scheduled(db, today: str, *, site_ids=None, checklist_id=None, auditor_id=None, in_state=None,
                   date_from=None, date_to=None, workstation_id=None, limit: int = 500) -> list[dict]:
    """Scheduled audits by due date, filtered; site_ids None means every site."""
    where, params = [], [today, today]
    if site_ids is not None:
        if not site_ids:
            return []
        where.append(f"s.site_id IN ({', '.join('?' for _ in site_ids)})")
        params += list(site_ids)
    for column, value in (("s.checklist_id", checklist_id), ("s.auditor_id", auditor_id),
                          ("s.workstation_id", workstation_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if date_from:
        where.append("s.due_date >= ?")
        params.append(date_from)
    if date_to:
        where.append("s.due_date <= ?")
        params.append(date_to)
    if in_state:
        where.append(STATE_SQL + " = ?")
        params += [today, today, in_state]
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.due_date, s.id LIMIT ?"
    return dbm.query(db, sql, (*params, limit))


def due_for(db, user_id: str, today_by_site: dict[str, str], workstation_id: str | None = None) -> list[dict]:
    """What is due or overdue for a person today: assigned to them, or unassigned with them in the plan's pool.
    `today_by_site` gives each site's local date (the person may work at sites in different zones)."""
    out = []
    for site_id, today in today_by_site.items():
        rows = list_scheduled(db, today, site_ids=[site_id], workstation_id=workstation_id, date_to=today,
                              limit=200)
        for row in rows:
            if row["state"] not in ("due", "overdue"):
                continue
            mine = row["auditor_id"] == user_id or (row["auditor_id"] is None and user_id in json.loads(row["pool"]))
            if mine:
                out.append(row)
    return sorted(out, key=lambda r: (r["state"] != "overdue", r["due_date"]))


def today_by_site(db, site_ids, now) -> dict[str, str]:
    """Each site's local date at the instant `now` (site_ids None: every site)."""
    rows = dbm.query(db, "SELECT id, timezone FROM sites WHERE active = 1")
    return {r["id"]: schedule.local_today(r["timezone"], now).isoformat() for r in rows
            if site_ids is None or r["id"] in site_ids}


def mark_missed(db, scheduled_id: str, reason: str, by: str, today: str) -> dict:
    """A quality manager records that a scheduled audit was not done, and why; only once it is overdue."""
    reason = (reason or "").strip()[:500]
    if not reason:
        raise Refusal("Say why this audit was missed.", 422)
    with dbm.transaction(db):
        row = get_scheduled(db, scheduled_id, today)
        if row is None:
            raise Refusal("No such scheduled audit.", 404)
        if row["state"] != "overdue":
            raise Refusal(f"Only an overdue audit can be marked missed; this one is {row['state']}.", 409)
        dbm.execute(db, "UPDATE scheduled_audits SET missed_reason = ?, missed_by = ?, updated_at = ? WHERE id = ?",
                    (reason, by, ids.now_iso(), scheduled_id))
    return get_scheduled(db, scheduled_id, today)


def counts_by_state(rows: list[dict]) -> dict[str, int]:
    """How many rows are in each state."""
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row["state"]] += 1
    return counts


def lpa_completion(db, site_ids, date_from: str, date_to: str, today: str) -> dict[str, list[dict]]:
    """LPA completion per layer and per person: of the layered audits due from `date_from` to `date_to` (and not
    later than today), how many were done, done on time, missed; rate = done ÷ planned."""
    if site_ids is not None and not site_ids:
        return {"layers": [], "people": []}
    where = ["s.layer IS NOT NULL", "s.due_date >= ?", "s.due_date <= ?"]
    params: list = [date_from, min(date_to, today)]
    if site_ids is not None:
        where.append(f"s.site_id IN ({', '.join('?' for _ in site_ids)})")
        params += list(site_ids)
    base = (" COUNT(*) AS planned, SUM(s.done_on IS NOT NULL) AS done,"
            " SUM(s.done_on IS NOT NULL AND s.done_on <= s.window_end) AS on_time,"
            " SUM(s.done_on IS NULL AND s.missed_reason IS NOT NULL) AS missed FROM scheduled_audits s")
    layers = dbm.query(db, "SELECT s.layer AS key, COALESCE(l.name, s.layer) AS name," + base +
                       " LEFT JOIN lpa_layers l ON l.site_id = s.site_id AND l.key = s.layer WHERE "
                       + " AND ".join(where) + " GROUP BY s.layer, l.name ORDER BY MIN(l.position), name", params)
    persons = dbm.query(db, "SELECT s.auditor_id AS key, COALESCE(u.display_name, 'Unassigned') AS name," + base +
                        " LEFT JOIN users u ON u.id = s.auditor_id WHERE " + " AND ".join(where)
                        + " GROUP BY s.auditor_id, u.display_name ORDER BY name", params)
    for row in layers + persons:
        row["rate"] = round(100 * row["done"] / row["planned"]) if row["planned"] else None
    return {"layers": layers, "people": persons}
