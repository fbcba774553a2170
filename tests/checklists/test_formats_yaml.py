"""formats.read_any / write_yaml: YAML in with the loader's line numbers, YAML out that reads back unchanged."""
from pathlib import Path

import pytest

from fieldaudit.checklists import ChecklistError, build_checklist, load_checklist
from fieldaudit.checklists.formats import read_any, read_with_notes, write_yaml

FILES = sorted((Path(__file__).resolve().parents[2] / "checklists").glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shipped_yaml_reads_and_writes_back_to_the_same_definition(path):
    original = load_checklist(path)
    data = read_any(path.read_bytes(), path.name)
    assert build_checklist(data, path.name) == original
    again = read_any(write_yaml(data).encode("utf-8"), "again.yaml")
    assert build_checklist(again) == original
    assert build_checklist(again).content_hash() == original.content_hash()


def test_yaml_problems_keep_file_line_and_path():
    text = (b"id: x\nversion: 1\ntitle: X\nsections:\n  - title: S\n    questions:\n"
            b"      - {id: a, text: A, type: yesno}\n")
    with pytest.raises(ChecklistError) as caught:
        read_any(text, "x.yml")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.path) == ("x.yml", 7, "sections[0].questions[0].type")
    assert "did you mean 'yes_no'?" in problem.message


def test_yaml_result_has_no_notes_and_says_its_kind():
    result = read_with_notes(FILES[0].read_bytes(), FILES[0].name)
    assert result.kind == "yaml" and result.notes == []


@pytest.mark.parametrize("name", ["list.txt", "photo.jpg", "noext"])
def test_an_unsupported_file_type_is_refused_naming_the_allowed_ones(name):
    with pytest.raises(ChecklistError) as caught:
        read_any(b"whatever", name)
    assert ".yaml, .xlsx or .csv" in str(caught.value)


def test_a_file_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(ChecklistError) as caught:
        read_any(b"id: x\ntitle: caf\xe9\n", "x.yaml")
    assert caught.value.problems[0].line == 2 and "not UTF-8" in str(caught.value)
