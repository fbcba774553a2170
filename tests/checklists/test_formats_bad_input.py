"""Bad spreadsheets: each refused as a whole, with the sheet, row and column and what is allowed."""
import io
import time
import zipfile

import openpyxl
import pytest

from fieldaudit.checklists import ChecklistError, build_checklist
from fieldaudit.checklists.formats import read_any, write_csv, write_xlsx
from fieldaudit.checklists.formats.table import MAX_QUESTIONS

HEADER = ["section", "id", "type", "text", "options", "show_if_question", "show_if_answers", "required"]
SMALL = {"id": "small", "version": 1, "title": "Small", "sections": [{"title": "S", "questions": [
    {"id": "ok", "text": "All ok?", "type": "yes_no"},
    {"id": "why", "text": "Why not?", "type": "text", "show_if": {"question": "ok", "equals": "no"}}]}]}


def workbook(rows, checklist=(("id", "small"), ("version", 1), ("title", "Small")), edit=None) -> bytes:
    """An .xlsx in our layout from question rows (header first)."""
    book = openpyxl.Workbook()
    head = book.active
    head.title = "checklist"
    for row in checklist:
        head.append(list(row))
    questions = book.create_sheet("questions")
    for row in rows:
        questions.append(list(row))
    if edit:
        edit(questions)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems(data, name="bad.xlsx"):
    """The problems read_any reports, as text lines."""
    with pytest.raises(ChecklistError) as caught:
        read_any(data, name)
    return [str(p) for p in caught.value.problems]


def test_a_valid_small_workbook_reads():
    data = read_any(workbook([HEADER, ["S", "ok", "yes_no", "All ok?"],
                              ["", "why", "text", "Why not?", "", "ok", "no", "no"]]), "ok.xlsx")
    assert data["sections"][0]["questions"][1] == {"id": "why", "text": "Why not?", "type": "text",
                                                   "show_if": {"question": "ok", "equals": "no"}, "required": False}


def test_an_empty_questions_sheet():
    assert problems(workbook([])) == [
        "bad.xlsx: sheet 'questions': the sheet is empty; the question table needs a header row with at least the "
        "columns section, id, type, text (download the template)"]


def test_a_header_without_question_rows():
    assert problems(workbook([HEADER])) == [
        "bad.xlsx: sheet 'questions', row 2: there are no question rows below the header; write one row per question"]


def test_an_empty_csv_file():
    assert "the sheet is empty" in problems(b"", "empty.csv")[0]


def test_missing_columns_are_named():
    lines = problems(workbook([["section", "type", "text"], ["S", "yes_no", "Q"]]))
    assert lines == ["bad.xlsx: sheet 'questions', row 1: missing column(s) 'id'; the header row needs section, id, "
                     "type, text (other columns are optional)"]


def test_unknown_and_duplicate_columns_are_named_with_a_suggestion():
    lines = problems(workbook([HEADER + ["weigth", "text", "# my notes"], ["S", "ok", "yes_no", "Q"]]))
    assert lines[0].startswith("bad.xlsx: sheet 'questions', row 1, column I (weigth): unknown column 'weigth'")
    assert "did you mean 'weight'?" in lines[0]
    assert lines[1] == "bad.xlsx: sheet 'questions', row 1, column J (text): column 'text' appears twice; keep one"
    assert len(lines) == 2  # the '# my notes' column is the author's own


def test_unknown_types_name_the_cell_and_the_allowed_types():
    lines = problems(workbook([HEADER, ["S", "ok", "yesno", "Q"]]))
    assert lines == ["bad.xlsx: sheet 'questions', row 2, column C (type): unknown question type 'yesno'; allowed: "
                     "yes_no, pass_fail, rating, numeric, text, single_choice, multi_choice, photo, date, defects; "
                     "did you mean 'yes_no'?"]


def test_duplicate_ids_name_both_places():
    lines = problems(workbook([HEADER, ["S", "ok", "yes_no", "Q"], ["", "ok", "yes_no", "Q again"]]))
    assert len(lines) == 1 and lines[0].startswith("bad.xlsx: sheet 'questions', row 3, column B (id): duplicate "
                                                   "question id 'ok'")


def test_show_if_on_a_later_question_or_itself_or_in_a_cycle_is_refused():
    lines = problems(workbook([HEADER,
                               ["S", "a", "yes_no", "A", "", "b", "yes"],
                               ["", "b", "yes_no", "B", "", "a", "yes"],
                               ["", "c", "yes_no", "C", "", "c", "yes"]]))
    assert lines[0].startswith("bad.xlsx: sheet 'questions', row 2, column F (show_if_question): show_if refers to "
                               "'b', which comes later")
    assert lines[1] == "bad.xlsx: sheet 'questions', row 4, column F (show_if_question): a question cannot depend " \
                       "on itself; name an earlier question"
    assert len(lines) == 2  # b -> a is fine on its own: the cycle is broken by refusing a -> b


def test_show_if_answers_that_the_question_cannot_give():
    lines = problems(workbook([HEADER, ["S", "a", "yes_no", "A"], ["", "b", "text", "B", "", "a", "maybe"]]))
    assert lines == ["bad.xlsx: sheet 'questions', row 3, column G (show_if_answers): 'maybe' is not a possible "
                     "answer of question 'a' (yes_no); allowed: yes, no"]


def test_a_formula_is_refused_with_its_cell():
    def formula(sheet):
        sheet["D2"] = '=CONCATENATE("All", " ok?")'
    lines = problems(workbook([HEADER, ["S", "ok", "yes_no", "x"]], edit=formula))
    assert lines == ["bad.xlsx: sheet 'questions', row 2, column D: the cell holds a formula (=CONCATENATE(\"All\", "
                     "\" ok?\")); type the value itself — an imported checklist must not change when the sheet is "
                     "recalculated"]


def test_a_formula_in_a_csv_cell_is_refused_too():
    text = write_csv(SMALL).replace("All ok?", "=1+1")
    assert "the cell holds a formula (=1+1)" in problems(text.encode(), "bad.csv")[0]


def test_merged_cells_are_refused():
    def merge(sheet):
        sheet.merge_cells("A2:A3")
    lines = problems(workbook([HEADER, ["S", "a", "yes_no", "A"], ["", "b", "yes_no", "B"]], edit=merge))
    assert lines == ["bad.xlsx: sheet 'questions', cells A2:A3: cells A2:A3 are merged; unmerge them and write the "
                     "value in every row (one row per question)"]


def test_bad_yes_no_options_and_finding_cells_name_the_form_expected():
    rows = [HEADER + ["finding"],
            ["S", "a", "yes_no", "A", "", "", "", "perhaps"],
            ["", "b", "single_choice", "B", "x = X = 1 = 2 | y", "", "", ""],
            ["", "c", "yes_no", "C", "", "", "", "", "no minor"]]
    lines = problems(workbook(rows))
    assert lines == [
        "bad.xlsx: sheet 'questions', row 2, column H (required): write yes or no (or true/false, 1/0), not 'perhaps'",
        "bad.xlsx: sheet 'questions', row 3, column E (options): an option is 'label', 'value = label' or "
        "'value = label = score'; 'x = X = 1 = 2' has 3 '='",
        "bad.xlsx: sheet 'questions', row 4, column I (finding): write each rule as 'ANSWERS: SEVERITY', e.g. "
        "'no: minor' or 'out of limits: major'; 'no minor' is not"]


def test_checklist_fields_are_checked_where_they_are_written():
    lines = problems(workbook([HEADER, ["S", "a", "yes_no", "A"]], checklist=[("id", "small"), ("titel", "X")]))
    assert lines == ["bad.xlsx: sheet 'checklist', row 2: 'titel' is not a checklist field; the rows above the "
                     "question table are 'KEY | VALUE' with KEY one of id, version, title, standard, description; "
                     "did you mean 'title'?"]
    lines = problems(workbook([HEADER, ["S", "a", "yes_no", "A"]], checklist=[("id", "Small Audit"), ("title", "X")]))
    assert "bad.xlsx: sheet 'checklist', row 1, column B (id): 'Small Audit' is not a valid checklist id" in lines[0]
    assert any(line.startswith("bad.xlsx: sheet 'checklist', column 'version': missing 'version'") for line in lines)


def test_values_of_the_wrong_kind_are_named_by_the_validator_at_their_cell():
    rows = [["section", "id", "type", "text", "min", "unit", "samples"],
            ["S", "t", "numeric", "Torque", "low", "Nm", ""],
            ["", "d", "yes_no", "D", "", "", "5"]]
    lines = problems(workbook(rows))
    assert lines == ["bad.xlsx: sheet 'questions', row 2, column E (min): 'min' must be a number, not text 'low'",
                     "bad.xlsx: sheet 'questions', row 3, column G (samples): 'samples' does not apply to yes_no "
                     "questions; it is for defects questions — remove it or change the type"]


def big_workbook(count: int) -> bytes:
    """A real workbook whose questions sheet has `count` question rows (XML written directly: openpyxl takes ~20 s)."""
    small = workbook([HEADER])
    cells = lambda n, values: "".join(f'<c r="{col}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
                                      for col, v in zip("ABCD", values))
    rows = "".join(f'<row r="{n}">{cells(n, ["S", f"q{n}", "yes_no", f"Question {n}"])}</row>'
                   for n in range(2, count + 2))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode()
                data = text.replace("</sheetData>", rows + "</sheetData>").encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_50000_row_sheet_is_refused_at_the_size_limit_quickly():
    data = big_workbook(50_000)
    started = time.perf_counter()
    lines = problems(data)
    elapsed = time.perf_counter() - started
    assert lines == ["bad.xlsx: sheet 'questions': the sheet has 50,001 rows; a checklist holds at most 2,000 "
                     "questions (an auditor answers them all on one visit) — split it into several checklists"]
    print(f"50,000-row sheet refused in {elapsed:.2f} s")


def test_a_sheet_just_past_the_question_limit_is_refused_after_reading_the_limit():
    rows = [HEADER] + [["S", f"q{n}", "yes_no", f"Question {n}"] for n in range(MAX_QUESTIONS + 60)]
    assert problems(workbook(rows)) == [
        f"bad.xlsx: sheet 'questions': the sheet has more than {MAX_QUESTIONS:,} question rows; a checklist holds at "
        f"most {MAX_QUESTIONS:,} questions (an auditor answers them all on one visit) — split it into several "
        "checklists"]


def test_a_50000_row_csv_is_refused_at_the_same_limit():
    text = "section,id,type,text\n" + "".join(f"S,q{n},yes_no,Question {n}\n" for n in range(50_000))
    assert "more than 2,000 question rows" in problems(text.encode(), "big.csv")[0]


def test_2000_questions_are_accepted():
    rows = [HEADER] + [["S", f"q{n}", "yes_no", f"Question {n}"] for n in range(MAX_QUESTIONS)]
    data = read_any(workbook(rows), "big.xlsx")
    assert len(data["sections"][0]["questions"]) == MAX_QUESTIONS


@pytest.mark.parametrize("content, expected", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(200), "this is not an .xlsx spreadsheet; it looks like a JPEG image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "an old Excel 97-2003 .xls workbook (save it as .xlsx)"),
    (b"hello, I am text", "this is not an .xlsx spreadsheet. Save the sheet"),
])
def test_a_file_that_is_not_a_spreadsheet(content, expected):
    assert expected in problems(content, "photo.xlsx")[0]


def zipped(parts) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_that_is_not_a_workbook():
    assert "a zip file but not an Excel workbook" in problems(zipped({"hello.txt": b"hi"}))[0]


def test_a_zip_bomb_is_refused_by_its_declared_size_before_unpacking():
    bomb = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                   "xl/worksheets/sheet1.xml": b" " * 60_000_000})
    assert len(bomb) < 200_000
    assert "the workbook unpacks to 60 MB (more than 50 MB)" in problems(bomb)[0]


def test_a_part_packed_unnaturally_tight_is_refused():
    bomb = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                   "xl/worksheets/sheet1.xml": b"<" + b" " * 20_000_000})
    assert "unpacks" in problems(bomb)[0] and "times larger than it is packed" in problems(bomb)[0]


def test_a_damaged_workbook_is_refused():
    good = write_xlsx(SMALL)
    assert "cannot be read" in problems(good[:len(good) // 2] + bytes(len(good) // 2))[0] \
        or "damaged" in problems(good[:len(good) // 2] + bytes(len(good) // 2))[0] \
        or "not an .xlsx" in problems(good[:len(good) // 2] + bytes(len(good) // 2))[0]


def test_a_workbook_with_unrelated_sheets_says_which_sheets_it_expects():
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.create_sheet("Sheet2")
    out = io.BytesIO()
    book.save(out)
    expected = "has the sheets 'Sheet1', 'Sheet2'; a checklist workbook has a 'questions' sheet"
    assert expected in problems(out.getvalue())[0]


def test_a_csv_saved_as_xlsx_from_excel_reads_from_its_single_sheet():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "small"  # Excel names the sheet after the CSV file
    for row in [("id", "small"), ("version", 1), ("title", "Small"), (), HEADER, ("S", "ok", "yes_no", "All ok?"),
                ("", "why", "text", "Why not?", "", "ok", "no", "no")]:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    checklist = build_checklist(read_any(out.getvalue(), "small.xlsx"))
    assert (checklist.id, checklist.version, checklist.title) == ("small", 1, "Small")
    why = checklist.question("why")
    assert (why.show_if.question, why.show_if.values, why.required) == ("ok", ("no",), False)


def test_a_csv_with_checklist_rows_but_no_question_table():
    assert "has no header row" in problems(b"id,small\nversion,1\ntitle,Small\n", "x.csv")[0]


@pytest.mark.parametrize("name", ["big.csv", "big.xlsx", "big.yaml"])
def test_a_file_over_5_mb_is_refused_before_it_is_read(name):
    assert problems(b"x" * 5_000_001, name) == [f"{name}: the file is 5.0 MB; a checklist file is at most 5 MB"]
