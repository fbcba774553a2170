"""Making field records on a device for the sync tests."""
import io

from PIL import Image, ImageDraw

from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from fieldaudit.evidence import data as evidence
from tests.factories import FULL_ANSWERS


def jpeg(seed: int, size=(320, 240)) -> bytes:
    """A small real photo, different per seed."""
    im = Image.effect_noise(size, 30 + seed % 50).convert("RGB")
    ImageDraw.Draw(im).rectangle((10 + seed % 100, 10, 200, 200), outline=(seed % 255, 30, 30), width=8)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=80)
    return out.getvalue()


def site_here(device, site_id) -> dict:
    """A site row as the device holds it."""
    return dbm.query_one(device.db, "SELECT * FROM sites WHERE id = ?", (site_id,))


def field_audit(device, plant, version_id, *, photos=0, submit=True, seed=0) -> dict:
    """An audit of site A made on the device: every answer, `photos` photos, submitted unless told."""
    audit = audits.create_audit(device.db, site=site_here(device, plant["a"]["id"]), checklist_version_id=version_id,
                                auditor_id=plant["auditor"]["id"])
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(device.db, audit, qid, value, None, plant["auditor"]["id"])
    audits.add_finding(device.db, audit, {"severity": "minor", "description": f"Oil on the floor {seed}"},
                       plant["auditor"]["id"])
    for n in range(photos):
        evidence.attach(device.db, device.store, audit, [jpeg(seed * 100 + n)], by=plant["auditor"]["id"],
                        question_id="guard")
    if submit:
        record.submit(device.db, audit["id"], plant["auditor"])
    return dbm.query_one(device.db, "SELECT * FROM audits WHERE id = ?", (audit["id"],))


def rows(db, table, where="1=1", params=()) -> list[dict]:
    """Every row of a table, in key order."""
    return dbm.query(db, f"SELECT * FROM {table} WHERE {where} ORDER BY 1", params)
