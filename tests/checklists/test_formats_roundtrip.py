"""Every shipped checklist survives YAML -> .xlsx -> YAML and YAML -> .csv -> YAML with its content hash."""
import csv
import io
from pathlib import Path

import openpyxl
import pytest

from fieldaudit.checklists import build_checklist, load_checklist
from fieldaudit.checklists.formats import read_any, template_xlsx, write_csv, write_xlsx, write_yaml

FILES = sorted((Path(__file__).resolve().parents[2] / "checklists").glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_yaml_to_xlsx_to_yaml_keeps_the_definition_and_hash(path):
    original = load_checklist(path)
    data = read_any(write_xlsx(read_any(path.read_bytes(), path.name)), f"{path.stem}.xlsx")
    back = build_checklist(read_any(write_yaml(data).encode("utf-8"), "back.yaml"))
    assert back == original
    assert back.content_hash() == original.content_hash()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_yaml_to_csv_to_yaml_keeps_the_definition_and_hash(path):
    original = load_checklist(path)
    data = read_any(write_csv(original).encode("utf-8"), f"{path.stem}.csv")
    back = build_checklist(read_any(write_yaml(data).encode("utf-8"), "back.yaml"))
    assert back == original
    assert back.content_hash() == original.content_hash()


def test_a_semicolon_csv_in_windows_encoding_as_excel_saves_it_reads_the_same():
    original = load_checklist(FILES[0])
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(csv.reader(io.StringIO(write_csv(original))))
    assert build_checklist(read_any(out.getvalue().encode("cp1252"), "x.csv")) == original


def test_the_xlsx_has_a_checklist_sheet_a_questions_sheet_and_a_readme():
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(load_checklist(FILES[0]))))
    assert book.sheetnames == ["checklist", "questions", "README"]
    assert [c.value for c in book["checklist"][2]] == ["id", load_checklist(FILES[0]).id]
    assert book["questions"]["C1"].value == "id"


def test_texts_that_look_like_formulas_or_numbers_are_written_as_text():
    data = yaml_data(clause="8.10", guidance="=HYPERLINK(\"http://x\")")
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(data)))
    row = {c.value: i for i, c in enumerate(book["questions"][1])}
    cells = book["questions"][2]
    assert cells[row["clause"]].value == "8.10" and cells[row["clause"]].data_type == "s"
    assert cells[row["guidance"]].data_type == "s"
    assert build_checklist(read_any(write_xlsx(data), "x.xlsx")).question("q1").guidance.startswith("=HYPERLINK")


def test_the_template_is_a_valid_checklist_covering_the_common_types():
    checklist = build_checklist(read_any(template_xlsx(), "template.xlsx"))
    types = {q.type for q in checklist.all_questions()}
    assert {"pass_fail", "text", "numeric", "single_choice", "rating", "defects", "photo", "date"} <= types
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    readme = [row[0].value for row in book["README"].iter_rows()]
    assert {"show_if_question", "finding", "options"} <= set(readme)


def yaml_data(**extra):
    """A one-question checklist as data."""
    return {"id": "x", "version": 1, "title": "X", "sections": [
        {"title": "S", "questions": [{"id": "q1", "text": "Q", "type": "yes_no", **extra}]}]}
