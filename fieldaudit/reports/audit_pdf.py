"""The auditor's PDF summary of one audit, laid out from its JSON export (pure: export + photo bytes in, PDF out)."""
from __future__ import annotations

import io
from collections import Counter
from zoneinfo import ZoneInfo

from PIL import Image

from .. import ids
from ..checklists import qtypes
from .pdfdoc import ReportPDF

PHOTO_SIDE = 900       # pixels: enough for print at the grid size, small enough for a few MB per report
PHOTO_QUALITY = 70
SEVERITY_ORDER = ("major", "minor", "observation", "ofi")
FLAG = "✗"  # marks a failed answer in the table, so it still shows on a black-and-white copy


def _local(instant: str | None, tz: str) -> str:
    if not instant:
        return "—"
    dt = ids.parse_iso(instant).astimezone(ZoneInfo(tz))
    return dt.strftime("%Y-%m-%d %H:%M ") + (dt.tzname() or "")


def downscale(data: bytes) -> tuple[bytes, int, int]:
    """A smaller JPEG for the report, and its size."""
    with Image.open(io.BytesIO(data)) as im:
        # Decode JPEGs at reduced scale first (in the photo's own shape); re-shrinking dominates a long report.
        scale = PHOTO_SIDE / max(im.size)
        if scale < 1:
            im.draft("RGB", (max(1, int(im.width * scale)), max(1, int(im.height * scale))))
        im = im.convert("RGB")
        im.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
        out = io.BytesIO()
        im.save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
        return out.getvalue(), im.width, im.height


def build(export: dict, *, integrity: str, load_photo, previous: dict | None = None, generated: str | None = None,
          progress=lambda done, total, message: None, trail_head: str | None = None) -> bytes:
    """Render the report; `load_photo(sha256)` returns bytes or None when the blob is missing."""
    audit, tz = export["audit"], export["site"]["timezone"]
    draft = audit["status"] != "submitted"
    generated = generated or _local(ids.now_iso(), tz)
    pdf = ReportPDF(title=f"Audit report {audit['number']}", document_id=audit["number"], generated=generated,
                    draft=draft)
    total = 4 + len(export["photos"])
    done = 0

    def step(message):
        nonlocal done
        done += 1
        progress(done, total, message)

    _cover(pdf, export, integrity, draft)
    step("cover")
    _summary(pdf, export, previous)
    _findings(pdf, export)
    step("findings")
    _answers(pdf, export)
    step("answers")
    if export["photos"]:
        _photos(pdf, export, load_photo, step)
    _signatures(pdf, export, integrity, load_photo, draft, trail_head)
    step("signatures")
    return pdf.to_bytes()


def _cover(pdf: ReportPDF, export: dict, integrity: str, draft: bool) -> None:
    audit, tz = export["audit"], export["site"]["timezone"]
    pdf.add_page()
    pdf.para("AUDIT REPORT" + (" — DRAFT, NOT SUBMITTED" if draft else ""), size=10, bold=True, color=(11, 92, 171))
    pdf.h1(f"{export['checklist']['title']} (v{export['checklist']['version']})")
    if export["checklist"]["standard"]:
        pdf.para(export["checklist"]["standard"], size=10, color=(90, 90, 90))
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 22)
    pdf.cell(0, 12, pdf.text_of(audit["number"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    place = " · ".join(p for p in (export["place"]["area"], export["place"]["workstation"]) if p)
    pdf.facts([
        ("Plant / site", f"{export['site']['name']} ({export['site']['code']})"),
        ("Area / workstation", place + (f" ({export['place']['workstation_code']})"
                                        if export["place"]["workstation_code"] else "")),
        ("Auditor", export["auditor"]),
        ("Auditee(s)", audit["auditees"]),
        ("Scope", audit["scope"]),
        ("Started", _local(audit["started_at"], tz)),
        ("Submitted", _local(audit["submitted_at"], tz) if audit["submitted_at"] else "not submitted (draft)"),
    ])
    pdf.ln(3)
    score = export["score"]
    pdf.set_font("DejaVu", "B", 15)
    overall = "—" if score["percent"] is None else f"{score['percent']:.1f} %"
    pdf.cell(0, 9, pdf.text_of(f"Overall score: {overall}   ({score['answered']}/{score['visible']} answered)"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    pdf.rows_table(("Section", "Answered", "Score"), (120, 35, 25),
                   [[s["title"], "not in scope" if s.get("out_of_scope") else f"{s['answered']}/{s['visible']}",
                     "—" if s["percent"] is None else f"{s['percent']:.0f} %"] for s in export["sections"]],
                   size=10, line_height=5.5, align=("LEFT", "RIGHT", "RIGHT"))
    left_out = [s for s in export["sections"] if s.get("out_of_scope")]
    if left_out:
        pdf.ln(2)
        pdf.facts([(s["title"], f"Not in scope: {s['out_of_scope']}") for s in left_out])
    summaries = [q for s in export["sections"] for q in s["questions"]
                 if q.get("summary") and q["visible"] and q["display"]]
    for q in summaries:
        # A question the checklist marks `summary: true` is the auditor's own summary: it leads the report.
        pdf.h2(q["text"])
        pdf.para(q["display"])
    pdf.ln(4)
    pdf.facts([("Integrity hash", integrity),
               ("Record hash", audit["record_hash"] or "— (not signed yet)")], label_width=38)


def _summary(pdf: ReportPDF, export: dict, previous: dict | None) -> None:
    pdf.h2("Executive summary")
    counts = Counter(f["severity"] for f in export["findings"])
    labels = {f["severity"]: f["severity_label"] for f in export["findings"]}
    parts = [f"{counts[s]} {labels.get(s, s).lower()}" for s in SEVERITY_ORDER if counts[s]]
    pdf.para(f"{len(export['findings'])} finding(s)" + (": " + ", ".join(parts) if parts else "."))
    score = export["score"]["percent"]
    if previous and previous["score_percent"] is not None and score is not None:
        delta = score - previous["score_percent"]
        pdf.para(f"Score {score:.1f} % against {previous['score_percent']:.1f} % at the previous audit of this "
                 f"checklist here ({previous['number']}): {'+' if delta >= 0 else ''}{delta:.1f} points.")
    else:
        pdf.para("No earlier submitted audit of this checklist at this place to compare with.")


def _findings(pdf: ReportPDF, export: dict) -> None:
    pdf.h2(f"Findings ({len(export['findings'])})")
    if not export["findings"]:
        pdf.para("No findings were raised.")
        return
    rows = []
    for f in export["findings"]:
        capa = f["capa"] or {}
        capa_text = capa.get("number") and f"{capa['number']} ({(capa.get('state') or '').replace('_', ' ')})" \
            or ("no CAPA: " + (capa.get("reason") or "") if capa.get("decision") == "no_capa"
                else "awaiting decision" if capa.get("decision") == "pending" else "—")
        rows.append([str(f["number"]), f["severity_label"], f["clause"] or "—", f["requirement"] or "—",
                     f["description"] + (f"\nEvidence: {f['evidence']}" if f["evidence"] else ""), capa_text])
    pdf.rows_table(("No.", "Severity", "Clause", "Requirement", "Finding and evidence", "CAPA"),
                   (9, 24, 14, 45, 58, 30), rows, line_height=4.3)


def _answers(pdf: ReportPDF, export: dict) -> None:
    pdf.add_page()
    pdf.h2("Answers")
    for n, section in enumerate(export["sections"], 1):
        pdf.para(f"{n}. {section['title']}", size=10.5, bold=True)
        if section.get("out_of_scope"):
            pdf.para(f"Not in scope: {section['out_of_scope']}", size=9.5, color=(90, 90, 90))
            pdf.ln(2)
            continue
        rows, flagged = [], set()
        for m, q in enumerate(section["questions"], 1):
            if q["visible"]:
                answer = q["display"] or qtypes.get(q["type"]).unanswered_text(len(q["photos"]))
                if q.get("flagged"):
                    flagged.add(len(rows))
                    answer = f"{FLAG} {answer}"
                rows.append([f"{n}.{m}", q["text"] + (f"  [{q['clause']}]" if q["clause"] else ""), answer,
                             q["note"] or ""])
        pdf.rows_table(None, (10, 92, 38, 40), rows, highlight=flagged)
        pdf.ln(2)


def _photos(pdf: ReportPDF, export: dict, load_photo, step) -> None:
    pdf.add_page()
    pdf.h2(f"Evidence photos ({len(export['photos'])})")
    texts = {q["id"]: q["text"] for s in export["sections"] for q in s["questions"]}
    findings = {f["id"]: f["number"] for f in export["findings"]}
    cols, gap = 3, 5
    width = (pdf.w - pdf.l_margin - pdf.r_margin - gap * (cols - 1)) / cols
    box = width * 0.75
    x0 = pdf.l_margin
    y = pdf.get_y()
    for i, photo in enumerate(export["photos"]):
        col = i % cols
        if col == 0 and i:
            y += box + 21
        if y + box + 20 > pdf.h - pdf.b_margin:
            pdf.add_page()
            y = pdf.get_y()
        x = x0 + col * (width + gap)
        data = load_photo(photo["sha256"])
        if data:
            small, w, h = downscale(data)
            scale = min(width / w, box / h)
            pdf.image(io.BytesIO(small), x=x + (width - w * scale) / 2, y=y + (box - h * scale) / 2,
                      w=w * scale, h=h * scale)
        else:
            pdf.set_draw_color(180, 60, 50)
            pdf.rect(x, y, width, box)
            pdf.set_xy(x + 2, y + box / 2 - 5)
            pdf.set_font("DejaVu", size=8)
            pdf.multi_cell(width - 4, 4, "Photo file missing from the data folder", align="C")
        target = f"Finding {findings.get(photo['finding_id'], '?')}" if photo["finding_id"] else \
            texts.get(photo["question_id"], "")
        pdf.set_xy(x, y + box + 1)
        pdf.set_font("DejaVu", size=7)
        # The whole hash, in two halves that fit the column (5 lines at most with the caption), so a printed
        # photo can be matched to its file.
        caption = (photo["caption"] or target)[:90]
        sha = photo["sha256"]
        pdf.multi_cell(width, 3.4, pdf.text_of(f"{caption}\nSHA-256\n{sha[:32]}\n{sha[32:]}"), align="L",
                       new_x="LEFT", new_y="NEXT")
        pdf.set_font("DejaVu", size=10)
        step(f"photo {i + 1}")
    pdf.set_y(y + box + 22)


def _signatures(pdf: ReportPDF, export: dict, integrity: str, load_photo, draft: bool,
                trail_head: str | None) -> None:
    pdf.add_page()
    pdf.h2("Signatures")
    tz = export["site"]["timezone"]
    if not export["signatures"]:
        pdf.para("Not signed: this is a draft of an audit still in progress.")
    for sig in export["signatures"]:
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 6, pdf.text_of(sig["printed_name"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=9.5)
        pdf.multi_cell(0, 5, pdf.text_of(f"Meaning: {sig['meaning']}\nSigned: {_local(sig['signed_at'], tz)}\n"
                                         f"Record hash: {sig['record_hash']}"), align="L", new_x="LMARGIN",
                       new_y="NEXT")
        drawing = load_photo(sig["drawing_sha256"]) if sig.get("drawing_sha256") else None
        if drawing:
            with Image.open(io.BytesIO(drawing)) as im:
                ratio = im.height / im.width
            pdf.image(io.BytesIO(drawing), x=pdf.l_margin, w=70, h=70 * ratio)
        pdf.ln(5)
    pdf.set_font("DejaVu", size=8.5)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 4.2, pdf.text_of(
        f"Integrity hash (SHA-256 of the signed record, the canonical JSON of the \"signed\" part of this audit's "
        f"export; once signed it equals each signature's record hash): {integrity}. Recompute it from the export "
        "(GET /audits/<id>/export.json) to check that this document matches the record; CAPA links and triage "
        "travel beside the signed part and are not covered."
        + (f" Audit trail head when printed (sealed; `fieldaudit verify` checks the trail still reaches it): "
           f"{trail_head}." if trail_head else "")), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
