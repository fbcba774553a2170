"""Audit report PDF: a 200-question audit with 50 photos against the same audit without photos, in time and size."""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as `python bench/bench_reports.py` from a checkout, installed or not

import fpdf  # noqa: E402
from PIL import ExifTags, Image, ImageChops, ImageDraw  # noqa: E402

from camera import camera_base

from fieldaudit import config, create_app  # noqa: E402
from fieldaudit import db as dbm  # noqa: E402
from fieldaudit.audits import data as audits  # noqa: E402
from fieldaudit.audits import record  # noqa: E402
from fieldaudit.auth import users  # noqa: E402
from fieldaudit.checklists import parse_checklist, store  # noqa: E402
from fieldaudit.evidence import data as evidence  # noqa: E402
from fieldaudit.evidence.blobstore import BlobStore  # noqa: E402
from fieldaudit.reports.build import make_audit_pdf  # noqa: E402
from fieldaudit.stations import data as stations  # noqa: E402

TARGET_S, TARGET_MB = 3.0, 10.0  # the 50-photo report: median build time and file size
SECTIONS, PER_SECTION, PHOTOS, FINDINGS = 10, 20, 50, 8
PHOTOS_PER_QUESTION = 4  # 40 photos on the ten photo questions, the other 10 on findings (2 each on 5)
FAST_HASH = "pbkdf2:sha256:1000"

# Nineteen answered questions per section cycle through these; the twentieth is an optional photo question.
KINDS = [
    ("yes_no", "allow_na: true", "yes"),
    ("pass_fail", "", "pass"),
    ("rating", "scale: {min: 1, max: 5}", "4"),
    ("numeric", "unit: mm\n        min: 22\n        max: 26\n        decimals: 1", "24.5"),
    ("text", "required: false", "Guard fitted and locked; the key is kept by the shift lead as posted."),
    ("single_choice", "options: [early, late, night]", "late"),
    ("multi_choice", "options: [gloves, glasses, boots, earplugs]", ["gloves", "glasses", "boots"]),
    ("date", "required: false", "2026-03-01"),
]
SUBJECTS = ["machine guard", "torque tool", "work instruction", "first-part approval", "scrap bin", "gauge",
            "labelling", "ESD wrist strap", "fire extinguisher", "kanban card"]


def checklist_yaml() -> str:
    """10 sections × 20 questions of eight answer types plus one optional photo question per section."""
    lines = ["id: bench-report", "version: 1", "title: Full line audit (report bench)",
             "standard: ISO 9001:2015", "sections:"]
    for s in range(SECTIONS):
        lines += [f"  - id: s{s + 1:02d}", f"    title: \"Section {s + 1}: {SUBJECTS[s].capitalize()} and area\"",
                  "    questions:"]
        for q in range(PER_SECTION):
            qid = f"s{s + 1:02d}q{q + 1:02d}"
            subject = SUBJECTS[(s + q) % len(SUBJECTS)]
            if q == PER_SECTION - 1:
                lines += [f"      - {{id: {qid}, text: \"Photos of the {subject}\", type: photo, required: false}}"]
                continue
            kind, extra, _ = KINDS[q % len(KINDS)]
            lines += [f"      - id: {qid}",
                      f"        text: \"Check {q + 1}: the {subject} at the station meets the standard ({kind})\"",
                      f"        type: {kind}", f"        clause: \"8.{q % 7 + 1}.{s % 4 + 1}\""]
            lines += [f"        {line.strip()}" for line in extra.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


def camera_jpeg(base: Image.Image, n: int) -> bytes:
    """Photo number n: the base picture shifted and overdrawn differently (so no two share bytes or pixels),
    quality 92, EXIF orientation 6 and a capture time, like a phone's."""
    width, height = base.size
    im = ImageChops.offset(base, n * 397 % width, n * 263 % height)
    draw = ImageDraw.Draw(im)
    for k in range(40):
        x, y = (k * 397 + n * 911) % width, (k * 263 + n * 577) % height
        draw.rectangle((x, y, x + width // 9, y + height // 11), outline=((k + n) * 37 % 256, 80, 200),
                       width=max(2, width // 500))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.Exif)[0x9003] = f"2026:03:14 09:{n % 60:02d}:53"
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def setup(folder: Path, photo_side: int, say) -> dict:
    """A data folder with two submitted audits of the 200-question checklist: one with 50 photos, one without."""
    app = create_app({"DATA_DIR": str(folder), "PASSWORD_HASH_METHOD": FAST_HASH})
    db = dbm.connect(config.database_path(app.config))
    blobs = BlobStore(config.blob_dir(app.config))
    site = stations.create_site(db, "PLT1", "Plant Riverside", "Europe/Berlin")
    area = stations.create_area(db, site["id"], "ASM", "Final assembly")
    station = stations.create_workstation(db, site["id"], area["id"], "ASM-01", "Station 1")
    auditor = users.create_user(db, "auditor", "Łukasz Żółć", "correct-horse-battery", hash_method=FAST_HASH)
    users.add_membership(db, auditor["id"], site["id"], "auditor")
    checklist = parse_checklist(checklist_yaml(), "bench-report.yaml")
    version, _ = store.publish(db, checklist, by=None)
    questions = [q for q in checklist.all_questions()]
    assert len(questions) == SECTIONS * PER_SECTION
    by = auditor["id"]
    made = {}
    for label, photos in (("photos", PHOTOS), ("baseline", 0)):
        audit = audits.create_audit(db, site=site, checklist_version_id=version["id"], auditor_id=by,
                                    workstation=station, auditees="Ελένη Παπαδοπούλου, Ирина Смирнова")
        for n, q in enumerate(questions):
            if q.type != "photo":
                value = KINDS[[k for k, _, _ in KINDS].index(q.type)][2]
                audits.save_answer(db, audit, q.id, value, "Checked with the shift lead." if n % 5 == 0 else None,
                                   by)
        findings = [audits.add_finding(db, audit, {
            "severity": ("major", "minor", "minor", "observation")[k % 4], "clause": f"8.{k % 7 + 1}.1",
            "question_id": questions[k * 23].id,
            "description": f"Finding {k + 1}: the {SUBJECTS[k]} did not match the posted standard; the operator "
                           "showed the last check sheet, which was two shifts old.",
            "evidence": "Seen at the station with the line lead."}, by) for k in range(FINDINGS)]
        if photos:
            base = camera_base(*((4000, 3000) if photo_side >= 4000 else (photo_side, photo_side * 3 // 4)))
            started = time.perf_counter()
            photo_questions = [q for q in questions if q.type == "photo"]
            for n in range(photos):
                data = camera_jpeg(base, n)
                if n < PHOTOS_PER_QUESTION * len(photo_questions):
                    target = {"question_id": photo_questions[n // PHOTOS_PER_QUESTION].id}
                else:
                    target = {"finding_id": findings[(n - PHOTOS_PER_QUESTION * len(photo_questions)) // 2]["id"]}
                evidence.attach(db, blobs, audit, [data], by=by, **target)
            say(f"  {photos} photos of {base.width}×{base.height} made and uploaded through evidence.data.attach "
                f"in {time.perf_counter() - started:.1f} s")
        record.submit(db, audit["id"], auditor)
        made[label] = audit["id"]
    return {"db": db, "blobs": blobs, **made}


def measure(ctx: dict, audit_id: str, runs: int) -> dict:
    """Median, min and max wall time of make_audit_pdf (export + layout + output) after one warm-up."""
    pdf = make_audit_pdf(ctx["db"], ctx["blobs"], audit_id)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        pdf = make_audit_pdf(ctx["db"], ctx["blobs"], audit_id)
        times.append(time.perf_counter() - started)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")  # fpdf2 writes no object streams
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "bytes": len(pdf),
            "pages": pages}


def main() -> int:
    """Print the figures as a Markdown table and check the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="photos made at 2000×1500 instead of 12 MP (the report downscales both the same)")
    parser.add_argument("--runs", type=int, default=5, help="timed builds per report (median of them; default 5)")
    parser.add_argument("--dir", help="where the temporary data folder goes")
    args = parser.parse_args()
    runs = max(5, args.runs)
    side = 2000 if args.quick else 4000
    print(f"Python {sys.version.split()[0]}, fpdf2 {fpdf.__version__}, Pillow {Image.__version__}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}\n")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        started = time.perf_counter()
        ctx = setup(Path(tmp) / "data", side, lambda line: print(line, file=sys.stderr))
        print(f"  setup {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with_photos = measure(ctx, ctx["photos"], runs)
        baseline = measure(ctx, ctx["baseline"], runs)
        ctx["db"].conn.close()
    photos_label = "12 MP" if side == 4000 else "2000×1500"
    print(f"Audit of {SECTIONS * PER_SECTION} questions, {FINDINGS} findings, submitted; "
          f"median of {runs} builds after a warm-up:\n")
    print("| report | photos | pages | size | median | min | max |")
    print("|---|---|---|---|---|---|---|")
    for label, photos, r in ((f"{PHOTOS} photos ({photos_label} uploads)", PHOTOS, with_photos),
                             ("baseline, no photos", 0, baseline)):
        print(f"| {label} | {photos} | {r['pages']} | {r['bytes'] / 2**20:.2f} MB | {r['median']:.2f} s | "
              f"{r['min']:.2f} s | {r['max']:.2f} s |")
    print(f"\nwith photos / baseline: {with_photos['median'] / baseline['median']:.1f}× the time, "
          f"{with_photos['bytes'] / baseline['bytes']:.1f}× the size")
    ok = with_photos["median"] <= TARGET_S and with_photos["bytes"] / 2**20 <= TARGET_MB
    print(f"targets for the {PHOTOS}-photo report (median ≤ {TARGET_S:.0f} s, size ≤ {TARGET_MB:.0f} MB): "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
