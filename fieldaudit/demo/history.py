"""Demo history: shipped checklists published, and months of audits with answers, findings and photos."""
import io
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from .. import db as dbm
from .. import ids
from ..audits import data as audits
from ..audits import record
from ..auth import users
from ..checklists import load_checklist, rules, shipped_checklist_paths
from ..checklists.qtypes.values import NOTES
from ..checklists import store as checklists
from ..evidence import data as evidence
from ..stations import data as stations

# (days ago, workstation code, checklist key, auditor username, share of good answers, submitted?)
PLAN = [
    (160, "QLB-01", "iso9001-internal", "auditor", 0.86, True),
    (131, "MCH-01", "5s-workplace", "auditor", 0.70, True),
    (104, "ASM-01", "lpa-assembly", "quality", 0.88, True),
    (77, "WHS-01", "supplier-audit", "auditor", 0.80, True),
    (49, "ASM-02", "safety-walk", "auditor", 0.78, True),
    (21, "ASM-01", "lpa-assembly", "auditor", 0.92, True),
    (9, "MCH-02", "5s-workplace", "auditor", 0.62, True),
    (115, "MLD-01", "5s-workplace", "auditor2", 0.80, True),
    (33, "MLD-02", "lpa-assembly", "auditor2", 0.74, True),
    (1, "ASM-03", "lpa-assembly", "auditor", 0.85, False),
    (0, "PCK-01", "safety-walk", "auditor2", 0.80, False),
]

FINDING_TEXT = {
    "major": "Requirement not met at {place}: {question} — answered '{answer}'. Product or process at risk.",
    "minor": "Lapse at {place}: {question} — answered '{answer}'.",
    "observation": "Worth watching at {place}: {question} — answered '{answer}'.",
    "ofi": "Improvement possible at {place}: {question}.",
}


def publish_shipped(db) -> int:
    """Publish every shipped checklist (no-op for those already published); returns how many are new."""
    created = 0
    for path in shipped_checklist_paths():
        _, new = checklists.publish(db, load_checklist(path), by=None, source=path.name)
        created += new
    return created


def demo_photo(label: str, seed: int) -> bytes:
    """A camera-like JPEG made on the spot (no bundled images): a scene of shapes with a caption."""
    rng = random.Random(seed)
    im = Image.new("RGB", (1600, 1200))
    draw = ImageDraw.Draw(im)
    top, bottom = [rng.randint(60, 200) for _ in range(3)], [rng.randint(20, 120) for _ in range(3)]
    for y in range(0, 1200, 8):
        t = y / 1200
        draw.rectangle((0, y, 1600, y + 8), fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(14):
        x, y, w, h = rng.randint(0, 1400), rng.randint(100, 1100), rng.randint(60, 400), rng.randint(40, 300)
        colour = tuple(rng.randint(40, 250) for _ in range(3))
        (draw.rectangle if rng.random() < 0.6 else draw.ellipse)((x, y, x + w, y + h), fill=colour,
                                                                 outline=(20, 20, 20), width=4)
    draw.rectangle((0, 1080, 1600, 1200), fill=(255, 255, 255))
    draw.text((30, 1105), label, fill=(10, 10, 10), font=ImageFont.load_default(size=56))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88)
    return out.getvalue()


def _answer(question, rng: random.Random, good: float):
    """A plausible answer: mostly good, sometimes not."""
    return question.kind.demo(question, rng, rng.random() < good)


def _local_morning(days_ago: int, tz: str) -> datetime:
    day = datetime.now(ZoneInfo(tz)).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, 8, 30, tzinfo=ZoneInfo(tz))


def seed_history(db, store, *, progress=lambda message: None) -> dict:
    """Audits over the last months, once: answered, with findings and photos, most of them signed."""
    publish_shipped(db)
    if dbm.scalar(db, "SELECT COUNT(*) FROM audits"):
        return {"audits": 0}
    versions = {row["key"]: row["version_id"] for row in checklists.list_checklists(db)}
    counts = {"audits": 0, "submitted": 0, "findings": 0, "photos": 0}
    for n, (days_ago, ws_code, key, username, good, submit) in enumerate(PLAN):
        ws = stations.get_workstation_by_code(db, ws_code)
        site = stations.get_site(db, ws["site_id"])
        auditor = users.get_user_by_username(db, username)
        rng = random.Random(1000 + n)
        start = _local_morning(days_ago, site["timezone"])
        with ids.at(start):
            audit = audits.create_audit(db, site=site, checklist_version_id=versions[key], auditor_id=auditor["id"],
                                        workstation=ws, auditees=rng.choice(["J. Weber", "T. Novák", "Line team B"]),
                                        scope=f"{ws['name']}, day shift")
        progress(f"audit {audit['number']} {key} at {ws_code}")
        checklist = audits.checklist_of(db, audit)
        minute = 0
        questions = list(checklist.all_questions())
        stop = len(questions) // 2 if not submit else len(questions)
        for question in questions[:stop]:
            minute += 1
            with ids.at(start + timedelta(minutes=minute)):
                answers = audits.values(audits.answers_of(db, audit["id"]))
                if question.id not in rules.visible_questions(checklist, answers):
                    continue
                if question.kind.photos:
                    if question.required or rng.random() < 0.4:
                        shots = [demo_photo(f"{site['code']} · {ws_code} · {question.text[:40]}", 7919 * n + i)
                                 for i in range(question.min_photos or 1)]
                        evidence.attach(db, store, audit, shots, by=auditor["id"], question_id=question.id,
                                        caption=question.text[:80])
                        counts["photos"] += len(shots)
                    continue
                value = _answer(question, rng, good)
                if value is None:
                    continue
                note = rng.choice(NOTES) if rng.random() < 0.2 else None
                if value == "na" and not note:
                    note = "Does not apply at this station."  # N/A always says why
                saved = audits.save_answer(db, audit, question.id, value, note, auditor["id"])
                if saved.proposed:
                    finding = audits.add_finding(db, audit, {
                        "severity": saved.proposed.severity, "question_id": question.id,
                        "clause": question.clause or "",
                        "description": FINDING_TEXT[saved.proposed.severity].format(
                            place=ws["name"], question=question.text, answer=value),
                        "requirement": question.text, "evidence": saved.proposed.reason}, auditor["id"])
                    counts["findings"] += 1
                    if saved.proposed.severity in ("major", "minor"):
                        evidence.attach(db, store, audit, [demo_photo(f"Finding {finding['number']} · {ws_code}",
                                                                      104729 * n + minute)],
                                        by=auditor["id"], finding_id=finding["id"], caption="As found")
                        counts["photos"] += 1
        counts["audits"] += 1
        if submit:
            with ids.at(start + timedelta(minutes=minute + 10)):
                record.submit(db, audit["id"], auditor)
            counts["submitted"] += 1
    return counts
