"""Demo audit programme: plans (one of them a daily LPA), six months of scheduled audits linked to the history's
signed audits where they fit, missed ones with reasons, today's LPA due for the demo auditor, own areas and
training records (one of them expired)."""
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .. import db as dbm
from .. import ids
from ..audits import data as audits
from ..audits import record
from ..auth import users
from ..checklists import rules
from ..checklists import store as checklists
from ..evidence import data as evidence
from ..programme import data, generate, lpa, people, plans, start
from ..stations import data as stations
from .history import demo_photo

# (site, title, checklist key, place (area or station code), auditor, pool, frequency, rule, window, extras)
PLANS = [
    ("PLT1", "5S walk, machining", "5s-workplace", "area:MCH", None, ["auditor", "quality"], "monthly",
     {"nth": 1, "weekday": 0}, 5, {"risk": {"up_on": "major", "down_after": 3}}),
    ("PLT1", "Internal QMS audit, quality lab", "iso9001-internal", "QLB-01", "quality", ["auditor"], "semiannual",
     {"day": 15}, 10, {"requires_qualification": True}),
    ("PLT1", "Goods receiving supplier check", "supplier-audit", "WHS-01", "auditor", [], "quarterly", {"day": 1},
     5, {}),
    ("PLT1", "Safety walk, torque station 2", "safety-walk", "ASM-02", "auditor", [], "monthly", {"day": 31}, 3, {}),
    ("PLT1", "LPA plant manager, torque station 1", "lpa-assembly", "ASM-01", "quality", [], "monthly",
     {"nth": -1, "weekday": 4}, 5, {"layer": "plant_manager"}),
    ("PLT2", "5S walk, moulding", "5s-workplace", "MLD-01", "auditor2", [], "quarterly", {"day": 20}, 5, {}),
]
# The team leader's daily LPA, started a few days ago so that today's is due for the demo auditor.
DAILY_LPA = ("PLT1", "LPA team leader, torque station 1", "lpa-assembly", "ASM-01", "auditor", [], "daily",
             {"weekdays": [0, 1, 2, 3, 4, 5, 6]}, 0, {"layer": "team_leader"})
# `demo --hub`: head office adds this plan on the hub; the plant gets it, with its scheduled audits, by the sync.
HUB_PLAN = ("PLT1", "Head office: safety walk, goods receiving", "safety-walk", "WHS-01", "auditor", [], "monthly",
            {"day": 10}, 5, {})
MISSED_REASONS = ["Line stopped for retooling that week.", "Auditor on sick leave; not reassigned in time.",
                  "Station dismantled for the annual maintenance shutdown."]


def seed_programme(db, store, *, progress=lambda message: None) -> dict:
    """The demo programme, once (nothing is added when the plant already has plans)."""
    if dbm.scalar(db, "SELECT COUNT(*) FROM audit_plans"):
        return {"plans": 0}
    person = {u: users.get_user_by_username(db, u) for u in ("auditor", "quality", "auditor2", "groupqm")}
    keys = {c["key"]: c for c in checklists.list_checklists(db)}
    for code in ("PLT1", "PLT2"):
        lpa.ensure_default_layers(db, stations.get_site_by_code(db, code)["id"])
    plt1 = stations.get_site_by_code(db, "PLT1")
    areas = {a["code"]: a["id"] for a in stations.list_areas(db, plt1["id"])}
    people.set_home_area(db, person["quality"]["id"], plt1["id"], areas["ASM"])
    people.set_home_area(db, person["auditor"]["id"], plt1["id"], areas["QLB"])
    _qualifications(db, person, keys)
    lpa_head = keys["lpa-assembly"]
    lpa.set_pool(db, checklists.load_version(db, lpa_head["version_id"]), lpa_head["id"], draw_count=8,
                 must_ask=["layer", "wi-followed", "ppe"], recheck_days=30)
    counts = {"plans": 0, "scheduled": 0, "done": 0, "missed": 0}
    for spec in PLANS:
        plan, site = _plan(db, spec, person, keys, days_back=182)
        counts["plans"] += 1
        counts["scheduled"] += generate.generate_plan(db, plan, _today(site) - timedelta(days=182), horizon_days=272)
    _link_history(db, counts)
    plan, site = _plan(db, DAILY_LPA, person, keys, days_back=4)
    counts["plans"] += 1
    counts["scheduled"] += generate.generate_plan(db, plan, _today(site) - timedelta(days=4), horizon_days=94)
    _run_daily_lpa(db, store, plan, site, person["auditor"], counts)
    _miss_old(db, counts)
    # From today on, the risk rules see the history (a major finding in machining: 5S walks weekly for now).
    counts["scheduled"] += generate.generate(db, ids.utc_now())
    progress(f"programme: {counts['plans']} plans, {counts['scheduled']} scheduled audits")
    return counts


def seed_hub_plan(hub_db) -> dict:
    """Head office plans one more audit on the hub and schedules it (the plant is paired: it plans nothing itself);
    nothing without the shipped checklists (a plant seeded without its history)."""
    person = {u: users.get_user_by_username(hub_db, u) for u in ("auditor", "groupqm")}
    keys = {c["key"]: c for c in checklists.list_checklists(hub_db)}
    if HUB_PLAN[2] not in keys:
        return {}
    plan, site = _plan(hub_db, HUB_PLAN, person, keys, days_back=0)
    return {"plan_id": plan["id"], "title": plan["title"],
            "scheduled": generate.generate_plan(hub_db, plan, _today(site))}


def _today(site: dict) -> date:
    return datetime.now(ZoneInfo(site["timezone"])).date()


def _plan(db, spec, person, keys, days_back: int) -> tuple[dict, dict]:
    site_code, title, key, place, auditor, pool, frequency, rule, window, extras = spec
    site = stations.get_site_by_code(db, site_code)
    fields = {"title": title, "checklist_id": keys[key]["id"], "frequency": frequency, "rule": rule,
              "window_days": window, "auditor_id": person[auditor]["id"] if auditor else None,
              "pool": [person[p]["id"] for p in pool], "starts_on": (_today(site) - timedelta(days=days_back))
              .isoformat(), **extras}
    if place.startswith("area:"):
        fields["area_id"] = next(a["id"] for a in stations.list_areas(db, site["id"]) if a["code"] == place[5:])
    else:
        fields["workstation_id"] = stations.get_workstation_by_code(db, place)["id"]
    return plans.create_plan(db, site, fields, by=person["groupqm"]["id"]), site


def _qualifications(db, person, keys) -> None:
    today = date.today()
    people.add_qualification(db, person["quality"]["id"], standard="ISO 9001:2015",
                             trained_on=(today - timedelta(days=400)).isoformat(),
                             expires_on=(today + timedelta(days=695)).isoformat(),
                             evidence="Lead auditor course, certificate LA-2291 (HR file)")
    people.add_qualification(db, person["auditor"]["id"], standard="ISO 9001:2015",
                             trained_on=(today - timedelta(days=1150)).isoformat(),
                             expires_on=(today - timedelta(days=55)).isoformat(),
                             evidence="Internal auditor course 2023; refresher not yet booked")
    people.add_qualification(db, person["auditor"]["id"], checklist_id=keys["lpa-assembly"]["id"],
                             trained_on=(today - timedelta(days=200)).isoformat(),
                             evidence="LPA briefing by the quality manager, signed attendance list")
    people.add_qualification(db, person["auditor2"]["id"], checklist_id=keys["5s-workplace"]["id"],
                             trained_on=(today - timedelta(days=90)).isoformat(),
                             expires_on=(today + timedelta(days=640)).isoformat(), evidence="5S trainer sign-off")


def _link_history(db, counts) -> None:
    """Each signed history audit does the nearest open occurrence of a plan of its checklist at its place."""
    for audit in audits.list_audits(db, status="submitted", limit=1000):
        done_on = audit["submitted_at"][:10]
        row = dbm.query_one(
            db, "SELECT s.id FROM scheduled_audits s WHERE s.checklist_id = ? AND s.audit_id IS NULL"
                " AND (s.workstation_id = ? OR (s.workstation_id IS NULL AND s.area_id = ?))"
                " AND s.due_date BETWEEN date(?, '-60 days') AND date(?, '+30 days')"
                " ORDER BY ABS(julianday(s.due_date) - julianday(?)) LIMIT 1",
            (audit["checklist_id"], audit["workstation_id"], audit["area_id"], done_on, done_on, done_on))
        if row:
            start.link_audit(db, row["id"], audit["id"])
            counts["done"] += 1


def _run_daily_lpa(db, store, plan, site, auditor, counts) -> None:
    """Two of the last four days' team-leader LPAs done (drawn questions, one failure re-checked), one missed;
    yesterday's is left overdue and today's due."""
    rows = dbm.query(db, "SELECT id, due_date FROM scheduled_audits WHERE plan_id = ? ORDER BY due_date",
                     (plan["id"],))
    tz = ZoneInfo(site["timezone"])
    for n, row in enumerate(rows[:3]):
        day = date.fromisoformat(row["due_date"])
        if n == 1:
            data.mark_missed(db, row["id"], "Team leader covered a sick operator on the line all shift.", None,
                             _today(site).isoformat())
            counts["missed"] += 1
            continue
        morning = datetime(day.year, day.month, day.day, 6, 45, tzinfo=tz)
        with ids.at(morning):
            audit = start.start_scheduled(db, row["id"], auditor, row["due_date"])
        _answer_drawn(db, store, audit, auditor, morning, random.Random(n))
        with ids.at(morning + timedelta(minutes=20)):
            record.submit(db, audit["id"], auditor)
        counts["done"] += 1


def _answer_drawn(db, store, audit, auditor, morning, rng) -> None:
    checklist = audits.checklist_of(db, audit)
    for minute, question in enumerate(checklist.all_questions(), 1):
        with ids.at(morning + timedelta(minutes=minute)):
            answers = audits.values(audits.answers_of(db, audit["id"]))
            if question.id not in rules.visible_questions(checklist, answers, audits.out_of_scope(audit)):
                continue
            if question.kind.photos:
                evidence.attach(db, store, audit, [demo_photo(f"LPA · {question.text[:40]}", rng.randint(0, 9999))],
                                by=auditor["id"], question_id=question.id, caption=question.text[:80])
                continue
            if question.id == "layer":
                value = "team-leader"
            else:
                value = question.kind.demo(question, rng, rng.random() < 0.9)
            if value is not None:
                audits.save_answer(db, audit, question.id, value, "Does not apply at this station."
                                   if value == "na" else None, auditor["id"])


def _miss_old(db, counts) -> None:
    """Occurrences that ended more than two weeks ago without an audit: marked missed, with a reason."""
    for n, row in enumerate(dbm.query(
            db, "SELECT id FROM scheduled_audits WHERE audit_id IS NULL AND missed_reason IS NULL"
                " AND window_end < date('now', '-14 days') ORDER BY due_date")):
        data.mark_missed(db, row["id"], MISSED_REASONS[n % len(MISSED_REASONS)], None, date.today().isoformat())
        counts["missed"] += 1
