"""Demo history for the KPI dashboards: a year of signed audits, so every month of the default period has scores
and findings, and a station that keeps failing the same clause shows up as repeat findings. Made with the real data
functions at past instants (`ids.at`), like the rest of the demo history."""
import random
from datetime import timedelta

from .. import db as dbm
from .. import ids
from ..audits import data as audits
from ..audits import record
from ..auth import users
from ..checklists import rules
from ..checklists import store as checklists
from ..stations import data as stations
from ..evidence import data as evidence
from .history import FINDING_TEXT, _answer, _local_morning, demo_photo

SCOPE = "Year of the KPI demo"
# (days ago, workstation code, checklist key, auditor username, share of good answers)
PLAN = [(days, ws, key, who, good)
        for month in range(5, 12)
        for days, ws, key, who, good in (
            (30 * month + 3, "ASM-02", "lpa-assembly", "auditor", 0.72),   # keeps failing: repeat findings
            (30 * month + 17, ("MCH-01", "QLB-01", "ASM-01")[month % 3], "iso9001-internal", "auditor",
             0.80 + 0.02 * (month % 4)),
            (30 * month + 11, "MLD-01", "lpa-assembly", "auditor2", 0.78))]


def seed_kpi_history(db, store, *, progress=lambda message: None) -> int:
    """The year of audits, once (after the demo history); returns how many were added."""
    if dbm.scalar(db, "SELECT COUNT(*) FROM audits WHERE scope = ?", (SCOPE,)):
        return 0
    versions = {row["key"]: row["version_id"] for row in checklists.list_checklists(db)}
    added = 0
    for n, (days_ago, ws_code, key, username, good) in enumerate(PLAN):
        ws = stations.get_workstation_by_code(db, ws_code)
        site = stations.get_site(db, ws["site_id"])
        auditor = users.get_user_by_username(db, username)
        rng = random.Random(5000 + n)
        start = _local_morning(days_ago, site["timezone"])
        with ids.at(start):
            audit = audits.create_audit(db, site=site, checklist_version_id=versions[key], auditor_id=auditor["id"],
                                        workstation=ws, auditees="Shift team", scope=SCOPE)
        progress(f"KPI history {audit['number']} {key} at {ws_code}")
        checklist = audits.checklist_of(db, audit)
        minute = 0
        for question in checklist.all_questions():
            minute += 1
            with ids.at(start + timedelta(minutes=minute)):
                answers = audits.values(audits.answers_of(db, audit["id"]))
                if question.id not in rules.visible_questions(checklist, answers):
                    continue
                if question.kind.photos:
                    if question.required:  # the failure photo an LPA asks for once something failed
                        evidence.attach(db, store, audit, [demo_photo(f"{ws_code} · {question.text[:40]}", n)],
                                        by=auditor["id"], question_id=question.id, caption=question.text[:80])
                    continue
                value = _answer(question, rng, good)
                if value is None:
                    continue
                saved = audits.save_answer(db, audit, question.id, value,
                                           "Does not apply at this station." if value == "na" else None,
                                           auditor["id"])
                if saved.proposed:
                    audits.add_finding(db, audit, {
                        "severity": saved.proposed.severity, "question_id": question.id,
                        "clause": question.clause or "",
                        "description": FINDING_TEXT[saved.proposed.severity].format(
                            place=ws["name"], question=question.text, answer=value),
                        "requirement": question.text, "evidence": saved.proposed.reason}, auditor["id"])
        with ids.at(start + timedelta(minutes=minute + 10)):
            record.submit(db, audit["id"], auditor)
        added += 1
    return added
