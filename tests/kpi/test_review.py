"""The management-review pack: the PDF read back has the period's figures, charts' tables and open CAPAs; it runs
as a job for whoever asked, and from the command line."""
from datetime import date

from click.testing import CliRunner

from fieldaudit.cli import main
from fieldaudit.kpi import review
from fieldaudit.kpi.scope import make_scope
from tests.reports import checked, layout_text, pdf_of
from tests.reports.test_jobs import job_id, wait_for


def text_of(data: bytes, tmp_path) -> str:
    """The PDF checked (qpdf) and its text as pdftotext lays it out."""
    return layout_text(checked(data, tmp_path))


def test_pack_has_the_figures_tables_and_open_capas(db, plant, kpi, capa_rows, schedule, tmp_path):
    scope = make_scope([plant["a"]], date(2026, 1, 1), date(2026, 3, 31), {plant["a"]["id"]: date(2026, 4, 10)})
    text = text_of(review.make(db, scope), tmp_path)
    assert "Plant A (PLTA)" in text and "2026-01-01 to 2026-03-31" in text and "§9.3" in text
    squeezed = " ".join(text.split())
    # Headline figures, worked out by hand in test_figures.py.
    for expected in ("Audits submitted 5", "Nonconformities 8", "Repeat nonconformities (6 months) 4",
                     "Open CAPAs 6", "Overdue CAPAs 3", "Effectiveness pass rate 75.0 % (3 of 4)",
                     # test_programme.py's schedule, January to March: 2 of 5 decided done on time.
                     "Programme adherence 40.0 % (2 of 5 on time)", "Done late 1", "Missed (with a reason) 1"):
        assert expected in squeezed, expected
    # Tables beneath the charts: findings by severity, the clause table, CAPA ageing and time to close.
    for expected in ("2026-02 1 3 0 1 5", "8.5.1 2 2 4", "over 90 days 1 1", "Major nonconformity 3 30.0",
                     "Minor nonconformity 2 29.8"):
        assert expected in squeezed, expected
    # Open CAPAs are listed by number; closed ones are not.
    assert capa_rows["c1"]["number"] in text and capa_rows["c7"]["number"] not in text


def test_pack_as_a_job_and_its_guard(auth, plant, kpi, tmp_path):
    auth.login("qm.a")
    fragment = auth.post(f"/kpi/sites/{plant['a']['id']}/review", {"from": "2026-01-01", "to": "2026-03-31"},
                         htmx=True).get_data(as_text=True)
    assert "<progress" in fragment
    done = wait_for(auth, fragment)
    assert "management-review-PLTA-2026-01-01-2026-03-31.pdf" in done
    _, pages = pdf_of(auth.client.get(f"/reports/jobs/{job_id(fragment)}/file"), tmp_path)
    assert "Management review" in pages[0] or "MANAGEMENT REVIEW" in pages[0]
    auth.logout()
    auth.login("aud.a")
    response = auth.post(f"/kpi/sites/{plant['a']['id']}/review", {"from": "2026-01-01"}, htmx=True)
    assert response.status_code == 403


def test_cli_writes_the_pack(app, db, plant, kpi, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(app.config["DATA_DIR"]))
    monkeypatch.setenv("FIELDAUDIT_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    if app.config.get("DATABASE_URL"):  # the CLI on the test's store
        monkeypatch.setenv("FIELDAUDIT_DATABASE_URL", app.config["DATABASE_URL"])
    out = tmp_path / "pack.pdf"
    result = CliRunner().invoke(main, ["kpi", "review", "plta", "--from", "2026-01-01", "--to", "2026-03-31",
                                       "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Audits submitted 5" in " ".join(text_of(out.read_bytes(), tmp_path).split())
    shown = CliRunner().invoke(main, ["kpi", "show", "PLTA", "--from", "2026-01-01", "--to", "2026-03-31"])
    assert "Nonconformities: 8" in shown.output
    bad = CliRunner().invoke(main, ["kpi", "show", "NOPE"])
    assert bad.exit_code == 1 and "no site" in bad.output
