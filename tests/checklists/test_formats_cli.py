"""`fieldaudit checklist validate|import|export` with spreadsheets and XLSForms."""
import io

import openpyxl
import pytest
from click.testing import CliRunner

from fieldaudit import db as dbm
from fieldaudit.checklists import build_checklist, load_checklist, shipped_checklist_paths
from fieldaudit.checklists.formats import read_any, write_csv, write_xlsx
from fieldaudit.cli import main

from .xlsform_fixtures import HOUSEHOLD, xlsform


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FIELDAUDIT_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def lpa():
    return load_checklist(next(p for p in shipped_checklist_paths() if p.stem == "lpa-assembly"))


def test_validate_takes_yaml_xlsx_csv_and_xlsform_together(run, tmp_path, lpa):
    (tmp_path / "a.xlsx").write_bytes(write_xlsx(lpa))
    (tmp_path / "b.csv").write_text(write_csv(lpa).replace("lpa-assembly", "lpa-copy"), encoding="utf-8")
    (tmp_path / "c.xlsx").write_bytes(xlsform(**HOUSEHOLD))
    yaml_path = next(p for p in shipped_checklist_paths() if p.stem == "safety-walk")
    result = run("checklist", "validate", str(tmp_path / "a.xlsx"), str(tmp_path / "b.csv"), str(tmp_path / "c.xlsx"),
                 str(yaml_path))
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'a.xlsx'}: ok: lpa-assembly v2" in result.stdout
    assert f"{tmp_path / 'c.xlsx'}: not imported: survey row 9, adults: calculations" in result.stdout
    assert "all 4 file(s) valid" in result.stdout


def test_validate_names_sheet_row_and_column_and_exits_2(run, tmp_path, lpa):
    path = tmp_path / "bad.csv"
    path.write_text(write_csv(lpa).replace(",pass_fail,", ",passfail,", 1), encoding="utf-8")
    result = run("checklist", "validate", str(path))
    assert result.exit_code == 2
    assert f"{path}: row 11, column D (type): unknown question type 'passfail'" in result.stderr
    assert "did you mean 'pass_fail'?" in result.stderr


def test_importing_the_same_sheet_again_makes_a_new_version_never_a_second_checklist(run, tmp_path, lpa):
    path = tmp_path / "lpa.xlsx"
    path.write_bytes(write_xlsx(lpa))
    first = run("checklist", "import", str(path))
    assert first.exit_code == 0 and "published: lpa-assembly v2" in first.stdout
    again = run("checklist", "import", str(path))
    assert again.exit_code == 0 and "unchanged: lpa-assembly v2" in again.stdout
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(lpa)))
    book["questions"]["E2"] = "Your audit layer today"
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())  # the version cell still says 2
    changed = run("checklist", "import", str(path))
    assert changed.exit_code == 0 and "published: lpa-assembly v3" in changed.stdout
    db = dbm.connect(tmp_path / "data" / "fieldaudit.sqlite3")
    assert dbm.scalar(db, "SELECT COUNT(*) FROM checklists WHERE key = 'lpa-assembly'") == 1
    assert [r["version"] for r in dbm.query(db, "SELECT version FROM checklist_versions ORDER BY version")] == [2, 3]


def test_an_xlsform_imports_and_lists_what_it_left_out(run, tmp_path):
    path = tmp_path / "household.xlsx"
    path.write_bytes(xlsform(**HOUSEHOLD))
    result = run("checklist", "import", str(path))
    assert result.exit_code == 0
    assert "published: household v1 (3 questions)" in result.stdout
    assert "not imported: survey row 5, member: repeats" in result.stderr


def test_a_bad_file_among_good_ones_imports_nothing(run, tmp_path, lpa):
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(write_xlsx(lpa))
    bad.write_bytes(b"\xff\xd8\xff\xe0 a photo")
    result = run("checklist", "import", str(good), str(bad))
    assert result.exit_code == 2 and "it looks like a JPEG image" in result.stderr
    assert run("checklist", "list").stdout == ""


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_export_writes_what_import_reads_back_unchanged(run, tmp_path, lpa, fmt):
    source = next(p for p in shipped_checklist_paths() if p.stem == "lpa-assembly")
    assert run("checklist", "import", str(source)).exit_code == 0
    out = tmp_path / f"export.{fmt}"
    result = run("checklist", "export", "lpa-assembly", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    back = build_checklist(read_any(out.read_bytes(), out.name))
    assert back.content_hash() == lpa.content_hash()
    assert run("checklist", "import", str(out)).stdout.startswith("unchanged: lpa-assembly v2")


def test_export_to_stdout_and_its_refusals(run):
    source = next(p for p in shipped_checklist_paths() if p.stem == "lpa-assembly")
    run("checklist", "import", str(source))
    assert run("checklist", "export", "lpa-assembly").stdout.startswith("# Layered process audit")
    assert "give -o FILE.xlsx" in run("checklist", "export", "lpa-assembly", "--format", "xlsx").stderr
    missing = run("checklist", "export", "nope")
    assert missing.exit_code == 1 and "no checklist 'nope'; known: lpa-assembly" in missing.stderr


def test_template_command_writes_the_workbook(run, tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("checklist", "template", "-o", str(out))
    assert result.exit_code == 0
    assert build_checklist(read_any(out.read_bytes(), "t.xlsx")).id == "my-checklist"


def test_the_docs_column_table_lists_every_column():
    from pathlib import Path

    from fieldaudit.checklists.formats import layout

    doc = (Path(__file__).resolve().parents[2] / "docs" / "CHECKLIST_FORMAT.md").read_text(encoding="utf-8")
    table = doc.split("### Columns", 1)[1].split("###", 1)[0]
    assert [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")] == list(layout.NAMES)
