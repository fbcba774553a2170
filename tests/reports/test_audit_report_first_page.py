"""What the audit PDF prints since the walk on the floor: the summary up front, rating labels, failures marked,
whole photo hashes and one document id in the footer (the CAPA PDF's footer too)."""
import re

from fieldaudit.audits import data, record
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.reports import audit_pdf, pdfdoc

from . import pages, pdf_of

CHECKLIST = """
id: summary-walk
version: 1
title: Summary walk
sections:
  - id: floor
    title: Floor
    questions:
      - {id: clean, text: Floor clean, type: yes_no}
      - {id: grade, text: Housekeeping grade, type: rating, labels: [Poor, Fair, Good, Very good]}
      - {id: tools, text: Tools shadowed, type: pass_fail}
  - id: close
    title: Close
    questions:
      - {id: wrap-up, text: Overall summary, type: text, required: false, summary: true}
"""


def test_summary_question_leads_and_failures_are_marked(auth, db, plant, tmp_path):
    version, _ = store.publish(db, parse_checklist(CHECKLIST, "s.yaml"), by=None)
    audit = data.create_audit(db, site=plant["a"], checklist_version_id=version["id"],
                              auditor_id=plant["auditor"]["id"])
    by = plant["auditor"]["id"]
    for qid, value in {"clean": "no", "grade": "3", "tools": "pass",
                       "wrap-up": "Strong shop-floor discipline; one dirty bay."}.items():
        data.save_answer(db, audit, qid, value, None, by)
    record.submit(db, audit["id"], plant["auditor"])
    auth.login("aud.a")
    path, texts = pdf_of(auth.client.get(f"/audits/{audit['id']}/report.pdf"), tmp_path)
    assert "Overall summary" in texts[0] and "Strong shop-floor discipline; one dirty bay." in texts[0]
    answers = "\n".join(texts[1:])
    assert "Good (3 of 4)" in answers  # the rating's label, not a bare "3"
    assert f"{audit_pdf.FLAG} No" in answers  # the failed answer is marked …
    assert f"{audit_pdf.FLAG} Pass" not in answers and "Pass" in answers  # … and only that one
    for text in texts:
        assert re.search(r"Audit report AUD-PLTA-\d{4} · generated", text)
        assert not re.search(r"(AUD-PLTA-\d{4}) · \1", text)


def test_highlighted_rows_are_filled(tmp_path):
    """The marked row is also drawn on a light red ground (the fill colour is in the page's content stream)."""
    pdf = pdfdoc.ReportPDF(title="T", document_id="D", generated="now")
    pdf.add_page()
    pdf.rows_table(None, (30, 30), [["a", "fine"], ["b", "bad"]], highlight={1})
    data = pdf.to_bytes()
    import zlib
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
    content = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    fill = " ".join(f"{c / 255:.4f}" for c in pdfdoc.HIGHLIGHT.fill_color.colors255) + " rg"
    filled = [line for line in content.split(b"\n") if fill.encode() in line and b" re B" in line]
    assert len(filled) == 2  # both cells of the second row, none of the first
    assert "bad" in pages(data)[0]


def test_capa_footer_names_the_capa_once(tmp_path):
    pdf = pdfdoc.ReportPDF(title="CAPA report CAPA-PLT1-0001", document_id="CAPA-PLT1-0001", generated="now")
    pdf.add_page()
    text = pages(pdf.to_bytes())[0]
    assert "CAPA report CAPA-PLT1-0001 · generated now" in text and "0001 · CAPA-PLT1-0001" not in text
