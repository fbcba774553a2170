"""The audit report as a person and a checker read it: every field, photo hashes, the signature, the integrity hash,
drafts, other sites, missing photo files, long texts, scripts beyond the font; plus the CSV exports."""
import csv
import hashlib
import io
import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageStat

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from fieldaudit.auth import users
from fieldaudit.evidence.blobstore import BlobStore
from fieldaudit.reports import pdfdoc
from fieldaudit.timefmt import local_time
from tests.factories import FULL_ANSWERS, make_user

from . import pdf_of

DOCS = Path(__file__).resolve().parents[2] / "docs"
AUDITOR = "Łukasz Żółć"
AUDITEES = "Ελένη Παπαδοπούλου, Ирина Смирнова, Tomáš Dvořák"
FINDINGS = [("major", "Guard of press 3 removed; operator Ирина reported it at 06:10", "8.5.1"),
            ("minor", "Work instruction WI-14 out of date (Tomáš checked rev. C)", "7.5.3")]


def jpeg(seed: int, size=(640, 480)) -> bytes:
    """A small photo with real content (gradient, noise, shapes), different per seed."""
    im = Image.merge("RGB", [Image.linear_gradient("L").rotate(seed * 40 + k * 90).resize(size) for k in range(3)])
    im = Image.blend(im, Image.effect_noise(size, 40 + seed).convert("RGB"), 0.3)
    ImageDraw.Draw(im).rectangle((60 + seed * 20, 60, 300, 260), outline=(200, 30, 30), width=12)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(auth, audit, finding_id, *photos):
    response = auth.post(f"/audits/{audit['id']}/evidence",
                         {"finding_id": finding_id, "photos": [(io.BytesIO(p), f"p{n}.jpg") for n, p in
                                                               enumerate(photos)]},
                         htmx=True, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def start(db, plant, checklist_version, auditees=AUDITEES):  # noqa: F811
    return audits.create_audit(db, site=plant["a"], checklist_version_id=checklist_version["id"],
                               auditor_id=plant["auditor"]["id"], workstation=plant["ws_a"], auditees=auditees)


@pytest.fixture
def in_progress(db, plant, checklist_version, auth):  # noqa: F811
    """An audit answered in full with two findings and three photos, not yet submitted; the auditor is signed in."""
    users.update_profile(db, plant["auditor"]["id"], AUDITOR, "")
    audit = start(db, plant, checklist_version)
    by = plant["auditor"]["id"]
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(db, audit, qid, value, "checked twice" if qid == "torque" else None, by)
    audits.save_answer(db, audit, "ppe", ["gloves", "glasses"], None, by)
    audits.save_answer(db, audit, "notes", "Ελένη showed the new 5S board", None, by)
    rows = [audits.add_finding(db, audit, {"severity": s, "description": d, "clause": c}, by) for s, d, c in FINDINGS]
    auth.login("aud.a")
    upload(auth, audit, rows[0]["id"], jpeg(1), jpeg(2))
    upload(auth, audit, rows[1]["id"], jpeg(3))
    return audits.get_audit(db, audit["id"])


@pytest.fixture
def submitted(db, plant, in_progress):
    """The same audit signed and submitted by its auditor."""
    signer = dbm.query_one(db, "SELECT * FROM users WHERE id = ?", (plant["auditor"]["id"],))
    return record.submit(db, in_progress["id"], signer)[0]


def export_of(client, audit) -> tuple[dict, str, str]:
    """The JSON export, the hash recomputed from its signed part (canonical JSON) and the hash the server says."""
    response = client.get(f"/audits/{audit['id']}/export.json")
    assert response.status_code == 200
    parsed = json.loads(response.get_data(as_text=True))
    canonical = json.dumps(parsed["signed"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return parsed, hashlib.sha256(canonical.encode("utf-8")).hexdigest(), response.headers["X-Integrity-Hash"]


def render_page(path: Path, number: int) -> Image.Image:
    """One page as a 50 dpi greyscale PNG (pdftoppm)."""
    prefix = path.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", str(number), "-l", str(number), str(path), str(prefix)],
                   check=True)
    png = next(path.parent.glob(f"{prefix.name}-*{number}.png"))
    with Image.open(png) as im:
        return im.convert("L")


def word_boxes(path: Path):
    """(page width, page height, word, xMax, yMax) of every word, from pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.DOTALL):
        width, height = float(page.group(1)), float(page.group(2))
        for word in re.finditer(r'xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page.group(3)):
            yield width, height, word.group(3), float(word.group(1)), float(word.group(2))


def in_order(needle: list[str], haystack: list[str]) -> bool:
    """Whether every word of `needle` occurs in `haystack` in the same order (other words may come between)."""
    rest = iter(haystack)
    return all(any(word == seen for seen in rest) for word in needle)


def assert_within_pages(path: Path) -> None:
    """No word runs past the right margin (15 mm) or off the bottom of its page."""
    for width, height, word, x_max, y_max in word_boxes(path):
        assert x_max <= width - 15 * 72 / 25.4 + 3, (word, x_max)
        assert y_max <= height, (word, y_max)


# -- the report of a submitted audit -----------------------------------------------------------------------------

@pytest.mark.both_engines(slow=True)
def test_report_has_cover_answers_findings_photos_signature_and_integrity(auth, db, submitted, tmp_path):
    path, texts = pdf_of(auth.client.get(f"/audits/{submitted['id']}/report.pdf"), tmp_path)
    text = "\n".join(texts)
    export, recomputed, header = export_of(auth.client, submitted)
    assert recomputed == header
    for expected in ("Plant A (PLTA)", "Assembly · Station A1 (A-01)", "Test walk (v1)", "ISO 9001:2015",
                     f"Auditor {AUDITOR}", f"Auditee(s) {AUDITEES}", submitted["number"],
                     f"Started {local_time(export['audit']['started_at'], 'Europe/Berlin')}",
                     f"Submitted {local_time(export['audit']['submitted_at'], 'Europe/Berlin')}",
                     f"Overall score: {export['score']['percent']:.1f} %"):
        assert expected in text, expected
    for finding in export["findings"]:
        assert finding["description"] in text
    shown = [q["display"] for s in export["sections"] for q in s["questions"] if q["visible"] and q["display"]]
    assert len(shown) == 7  # guard, torque, label, tidy, shift, ppe, notes (guard-why is hidden)
    for display in shown:
        assert display in text, display
    assert "checked twice" in text
    assert len(export["photos"]) == 3
    for photo in export["photos"]:
        # Printed whole (in two halves of a narrow column), so paper can be matched to the file.
        assert photo["sha256"] in re.sub(r"\s+", "", text.split("SHA-256", 1)[1])
    signatures = texts[-1]
    assert AUDITOR in signatures and "Meaning: performed this audit" in signatures
    assert submitted["record_hash"] in text
    printed = set(re.findall(r"Integrity hash[^0-9a-f]*([0-9a-f]{64})", text))
    assert printed == {recomputed} == {submitted["record_hash"]}  # the signed record, and only that
    head = dbm.query_one(db, "SELECT seq, hash FROM audit_trail ORDER BY seq DESC LIMIT 1")
    assert f"entry#{head['seq']},hash{head['hash']}" in "".join(signatures.split())  # the sealed trail head
    assert "DRAFT" not in text and not any(word == "\ufffd" for word in text.split())

    photos_page = next(n for n, t in enumerate(texts, 1) if "Evidence photos" in t)
    photos, signature_page = render_page(path, photos_page), render_page(path, len(texts))
    white = ImageStat.Stat(Image.new("L", photos.size, 255)).var[0]
    assert white == 0
    variance = ImageStat.Stat(photos).var[0]
    assert variance > 1000 and variance > 4 * ImageStat.Stat(signature_page).var[0]  # a text-only page: ~200


def test_follow_up_after_submission_leaves_the_integrity_hash_unchanged(auth, db, plant, submitted):
    from fieldaudit.capa import triage
    before, monday, _ = export_of(auth.client, submitted)
    finding = before["findings"][0]
    triage.dismiss(db, finding["id"], "corrected on the spot", plant["qm"]["id"])
    after, friday, header = export_of(auth.client, submitted)
    assert after["findings"][0]["capa"]["decision"] == "no_capa" != before["findings"][0]["capa"]["decision"]
    assert monday == friday == header == submitted["record_hash"]


def test_report_job_with_progress_gives_the_same_report(auth, submitted, tmp_path):
    response = auth.post(f"/audits/{submitted['id']}/report", htmx=True)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    job = re.search(r"/reports/jobs/([0-9A-Z]+)", fragment).group(1)
    deadline = time.monotonic() + 30
    while "Download" not in fragment:
        assert time.monotonic() < deadline, fragment
        time.sleep(0.05)
        fragment = auth.client.get(f"/reports/jobs/{job}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "could not be made" not in fragment and f"{submitted['number']}.pdf" in fragment
    _, texts = pdf_of(auth.client.get(f"/reports/jobs/{job}/file"), tmp_path)
    _, recomputed, _ = export_of(auth.client, submitted)
    assert submitted["number"] in texts[0] and recomputed in "".join(texts[0].split())
    auth.logout()
    auth.login("qm.a")  # the same site, another person: jobs belong to whoever asked
    assert auth.client.get(f"/reports/jobs/{job}").status_code == 404
    assert auth.client.get(f"/reports/jobs/{job}/file").status_code == 404


def test_in_progress_audit_is_watermarked_draft(auth, in_progress, tmp_path):
    response = auth.client.get(f"/audits/{in_progress['id']}/report.pdf")
    assert "-DRAFT.pdf" in response.headers["Content-Disposition"]
    _, texts = pdf_of(response, tmp_path)
    assert all("DRAFT" in t.split("\n")[0] for t in texts)  # the watermark, on every page
    assert "DRAFT, NOT SUBMITTED" in texts[0] and "not submitted (draft)" in texts[0]
    assert "Not signed: this is a draft" in texts[-1]


def test_reports_doc_explains_drafts_and_the_font_coverage():
    doc = " ".join((DOCS / "REPORTS.md").read_text(encoding="utf-8").split())
    assert "DRAFT" in doc and "watermark" in doc
    assert " ".join(pdfdoc.COVERED_SCRIPTS.split()) in doc


def test_other_sites_audit_is_404_for_pdf_job_and_json(auth, db, plant, submitted):
    auth.logout()
    auth.login("aud.b")
    assert auth.client.get(f"/audits/{submitted['id']}/report.pdf").status_code == 404
    assert auth.post(f"/audits/{submitted['id']}/report", htmx=True).status_code == 404
    assert auth.client.get(f"/audits/{submitted['id']}/export.json").status_code == 404
    assert auth.client.get("/audits/NOPE/report.pdf").status_code == 404


def test_missing_photo_file_is_said_in_its_place(auth, app, submitted, tmp_path):
    export, _, _ = export_of(auth.client, submitted)
    gone = export["photos"][1]["sha256"]
    BlobStore(config.blob_dir(app.config)).path(gone).unlink()
    _, texts = pdf_of(auth.client.get(f"/audits/{submitted['id']}/report.pdf"), tmp_path)
    text = "\n".join(texts)
    assert text.count("Photo file missing") == 1
    for photo in export["photos"]:
        # Printed whole (in two halves of a narrow column), so paper can be matched to the file.
        assert photo["sha256"] in re.sub(r"\s+", "", text.split("SHA-256", 1)[1])


# -- long texts and scripts ------------------------------------------------------------------------------------

LONG = ("Coolant mist at the grinding cell exceeds the limit; extraction hood clogged with swarf and dust. " * 45)


@pytest.mark.parametrize("length,note_length", [(1500, 800), (3000, 800), (4000, 4000)])  # 4,000: the most stored
def test_long_texts_wrap_inside_the_page(auth, db, plant, checklist_version, tmp_path, length, note_length):  # noqa: F811
    audit = start(db, plant, checklist_version)
    word = "Unbroken" + "X" * 192
    description, note = LONG[:length].strip(), LONG[:note_length].strip()
    by = plant["auditor"]["id"]
    audits.add_finding(db, audit, {"severity": "minor", "description": description, "clause": "7.1.4"}, by)
    audits.add_finding(db, audit, {"severity": "observation", "description": word, "evidence": word}, by)
    audits.save_answer(db, audit, "notes", word, note, by)
    auth.login("aud.a")
    path, texts = pdf_of(auth.client.get(f"/audits/{audit['id']}/report.pdf"), tmp_path)
    assert_within_pages(path)
    words = "\n".join(texts).split()
    # Table cells sit side by side, so other columns' words interleave; the text's own words stay in order.
    assert in_order(description.split(), words) and in_order(note.split(), words)
    # The finding, its evidence and the answer: each long word broken over lines, none of its letters lost.
    text = "".join(texts)
    assert text.count("Unbroken") == 3 and text.count("X") == 3 * 192


def test_characters_beyond_the_font_become_the_replacement_character(auth, db, plant, tmp_path,
                                                                       checklist_version):  # noqa: F811
    audit = start(db, plant, checklist_version, auditees="Ирина 𓀀 Ελένη")
    audits.add_finding(db, audit, {"severity": "minor", "description": "Label shows 𓀀 and 中文 and Tomáš"},
                       plant["auditor"]["id"])
    auth.login("aud.a")
    _, texts = pdf_of(auth.client.get(f"/audits/{audit['id']}/report.pdf"), tmp_path)
    text = "\n".join(texts)
    assert "Ирина \ufffd Ελένη" in text and "Label shows \ufffd and" in text and "Tomáš" in text
    cjk = "中文" if any(Path(f).exists() for _, f in pdfdoc.FALLBACK_CANDIDATES) else "\ufffd\ufffd"
    assert f"and {cjk} and" in text


# -- CSV exports -----------------------------------------------------------------------------------------------

@pytest.fixture
def two_sites(db, plant, checklist_version, submitted):  # noqa: F811
    """Besides site A's submitted audit, an audit at site B with one finding."""
    other = audits.create_audit(db, site=plant["b"], checklist_version_id=checklist_version["id"],
                                auditor_id=plant["auditor_b"]["id"], workstation=plant["ws_b"])
    audits.save_answer(db, other, "guard", "no", None, plant["auditor_b"]["id"])
    audits.add_finding(db, other, {"severity": "major", "description": "Guard missing at B-01"},
                       plant["auditor_b"]["id"])
    return other


def csv_rows(auth, url) -> list[dict]:
    response = auth.client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_exports_list_only_the_users_sites(auth, db, plant, submitted, two_sites):
    rows = csv_rows(auth, "/reports/audits.csv")
    assert [(r["number"], r["site"], r["status"], r["auditor"]) for r in rows] == \
        [(submitted["number"], "PLTA", "submitted", AUDITOR)]
    assert rows[0]["score_percent"] == f"{submitted['score_percent']:.1f}"
    answers = csv_rows(auth, "/reports/answers.csv")
    assert {r["audit"] for r in answers} == {submitted["number"]}
    by_question = {r["question_id"]: r for r in answers}
    assert by_question["torque"]["answer"] == "11 Nm" and by_question["torque"]["note"] == "checked twice"
    assert by_question["notes"]["answer"] == "Ελένη showed the new 5S board" and "guard-why" not in by_question
    findings = csv_rows(auth, "/reports/findings.csv")
    assert [(r["audit"], r["finding"], r["severity"], r["description"], r["triage"]) for r in findings] == \
        [(submitted["number"], "1", "major", FINDINGS[0][1], "pending"),
         (submitted["number"], "2", "minor", FINDINGS[1][1], "pending")]
    assert auth.client.get(f"/reports/audits.csv?site_id={plant['b']['id']}").status_code == 404

    auth.logout()
    make_user(db, "boss", "auditor", all_sites=True)
    auth.login("boss")
    every = csv_rows(auth, "/reports/findings.csv")
    assert {r["site"] for r in every} == {"PLTA", "PLTB"}
    only_b = csv_rows(auth, f"/reports/audits.csv?site_id={plant['b']['id']}")
    assert [r["number"] for r in only_b] == [two_sites["number"]] and only_b[0]["status"] == "in_progress"

