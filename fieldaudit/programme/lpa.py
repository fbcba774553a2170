"""Layered process audits: layers per site, question pools, and the rotating draw each audit asks."""
import json
from datetime import date, timedelta

from .. import db as dbm
from .. import ids, settings
from ..checklists import rules
from ..checklists.model import Checklist
from ..refusal import Refusal
from . import schedule
from .paired import ensure_planned_here

DEFAULT_LAYERS = (("team_leader", "Team leader", "daily"), ("supervisor", "Supervisor", "weekly"),
                  ("plant_manager", "Plant manager", "monthly"))
NOT_DRAWN = "Not drawn for this layered process audit (rotating question pool)."


# -- layers ------------------------------------------------------------------------------------------------------

def list_layers(db, site_id: str) -> list[dict]:
    """A site's LPA layers, top of the shop floor first."""
    return dbm.query(db, "SELECT * FROM lpa_layers WHERE site_id = ? ORDER BY position, name", (site_id,))


def save_layer(db, site_id: str, key: str, name: str, frequency: str, position: int = 0) -> None:
    """Add or change one layer of a site."""
    ensure_planned_here(db)
    key = (key or "").strip().lower().replace(" ", "_")[:40]
    name = (name or "").strip()[:100]
    if not key or not name:
        raise Refusal("A layer needs a key and a name.", 422)
    if frequency not in schedule.FREQUENCIES:
        raise Refusal("Choose the layer's frequency.", 422)
    now = ids.now_iso()
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO lpa_layers (id, site_id, key, name, frequency, position, created_at, updated_at,"
                        " origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, key) DO UPDATE SET"
                        " name = excluded.name, frequency = excluded.frequency, position = excluded.position,"
                        " updated_at = excluded.updated_at",
                    (ids.new_id(), site_id, key, name, frequency, position, now, now, settings.device_id(db)))


def ensure_default_layers(db, site_id: str) -> list[dict]:
    """The three usual layers, for a site that has none yet."""
    if not list_layers(db, site_id):
        for position, (key, name, frequency) in enumerate(DEFAULT_LAYERS):
            save_layer(db, site_id, key, name, frequency, position)
    return list_layers(db, site_id)


# -- pools -------------------------------------------------------------------------------------------------------

def get_pool(db, checklist_id: str) -> dict | None:
    """An LPA checklist's pool settings, must_ask decoded."""
    row = dbm.query_one(db, "SELECT * FROM lpa_pools WHERE checklist_id = ?", (checklist_id,))
    return {**row, "must_ask": json.loads(row["must_ask"])} if row else None


def pooled_checklists(db) -> set[str]:
    """Ids of the checklists that are LPA question pools."""
    return {r["checklist_id"] for r in dbm.query(db, "SELECT checklist_id FROM lpa_pools")}


def set_pool(db, checklist: Checklist, checklist_id: str, draw_count: int, must_ask: list[str],
             recheck_days: int = 30) -> None:
    """Make a checklist an LPA question pool: `draw_count` questions per audit, `must_ask` always among them."""
    ensure_planned_here(db)
    known = {q.id for q in checklist.all_questions()}
    if any(q not in known for q in must_ask):
        raise Refusal("A must-ask question is not in this checklist.", 422)
    if not 1 <= int(draw_count) <= len(known) or not 0 <= int(recheck_days) <= 365:
        raise Refusal("Draw between 1 and all of the questions; re-check within 0 to 365 days.", 422)
    now = ids.now_iso()
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO lpa_pools (checklist_id, draw_count, must_ask, recheck_days, created_at,"
                        " updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (checklist_id) DO UPDATE SET"
                        " draw_count = excluded.draw_count, must_ask = excluded.must_ask,"
                        " recheck_days = excluded.recheck_days, updated_at = excluded.updated_at",
                    (checklist_id, int(draw_count), json.dumps(sorted(set(must_ask))), int(recheck_days), now, now,
                     settings.device_id(db)))


# -- the draw ----------------------------------------------------------------------------------------------------

def _history(db, checklist_id: str, site_id: str, workstation_id, area_id) -> list[dict]:
    """Earlier audits of the checklist at the same place, newest first (their out_of_scope says what they asked)."""
    place, value = ("a.workstation_id = ?", workstation_id) if workstation_id else ("a.area_id = ?", area_id)
    if not workstation_id and not area_id:
        place, value = "a.workstation_id IS NULL AND a.area_id IS NULL AND ? IS NULL", None
    return dbm.query(db, "SELECT a.id, a.status, a.started_at, a.submitted_at, a.out_of_scope FROM audits a"
                         " JOIN checklist_versions v ON v.id = a.checklist_version_id"
                         f" WHERE v.checklist_id = ? AND a.site_id = ? AND {place} ORDER BY a.started_at DESC"
                         " LIMIT 500", (checklist_id, site_id, value))


def failed_recently(db, checklist: Checklist, history: list[dict], since: str) -> set[str]:
    """Questions that failed at the place in audits submitted on or after `since` (UTC date): an answer that
    scores nothing or proposes a finding, or a question a finding was raised from."""
    recent = [h["id"] for h in history if h["status"] == "submitted" and (h["submitted_at"] or "") >= since]
    if not recent:
        return set()
    marks = ", ".join("?" for _ in recent)
    failed = {r["question_id"] for r in dbm.query(
        db, f"SELECT DISTINCT question_id FROM findings WHERE audit_id IN ({marks}) AND question_id IS NOT NULL",
        recent)}
    for r in dbm.query(db, f"SELECT question_id, value FROM answers WHERE audit_id IN ({marks})"
                           " AND value IS NOT NULL", recent):
        try:
            question = checklist.question(r["question_id"])
        except KeyError:
            continue  # a question of an older version that this one no longer has
        value = json.loads(r["value"])
        if rules.question_score(question, value) == 0 or rules.proposed_finding(question, value) is not None:
            failed.add(question.id)
    return failed


def draw(db, checklist: Checklist, checklist_id: str, pool: dict, *, site_id: str, workstation_id=None,
         area_id=None, today: date) -> list[str]:
    """The questions this audit asks: every must-ask one, every one that failed at the place within the pool's
    recheck_days, then the least recently asked of the rest (never asked first, then checklist order) up to
    draw_count. Follow-up questions (show_if) come with their controller and are not drawn on their own."""
    order = [q.id for q in checklist.all_questions() if q.show_if is None]
    history = _history(db, checklist_id, site_id, workstation_id, area_id)
    since = (today - timedelta(days=pool["recheck_days"])).isoformat()
    required = [q for q in order if q in set(pool["must_ask"]) | failed_recently(db, checklist, history, since)]
    last_asked: dict[str, int] = {}
    for age, past in enumerate(history):  # age 0 is the newest audit
        scope = json.loads(past["out_of_scope"] or "{}")
        for section in checklist.sections:
            for q in section.questions:
                if q.id not in last_asked and section.id not in scope and f"q:{q.id}" not in scope:
                    last_asked[q.id] = age
    rest = sorted((q for q in order if q not in required),
                  key=lambda q: (-last_asked.get(q, len(history) + 1), order.index(q)))
    chosen = set(required) | set(rest[:max(0, pool["draw_count"] - len(required))])
    return [q.id for q in checklist.all_questions() if _root(checklist, q.id) in chosen]


def _root(checklist: Checklist, question_id: str) -> str:
    """The controlling question at the top of a show_if chain."""
    question = checklist.question(question_id)
    while question.show_if is not None:
        question = checklist.question(question.show_if.question)
    return question.id


def scope_for(checklist: Checklist, drawn: list[str]) -> dict[str, str]:
    """The audit's out_of_scope for a draw: a section with nothing drawn is left out whole, else each undrawn
    question by itself ("q:<id>"), so the audit shows only the drawn questions."""
    asked = set(drawn)
    out = {}
    for section in checklist.sections:
        ids_in = [q.id for q in section.questions]
        if not asked & set(ids_in):
            out[section.id] = NOT_DRAWN
        else:
            out |= {f"q:{q}": NOT_DRAWN for q in ids_in if q not in asked}
    return out
