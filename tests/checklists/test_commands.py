"""`fieldaudit checklist validate|import`: the same lines and exit codes now that checklist errors are refusals."""
import pytest
from click.testing import CliRunner

from fieldaudit.cli import main

GOOD = """id: mini
version: 1
title: Mini
sections:
  - title: Lot
    questions:
      - {id: burrs, text: "Burrs in 20 parts?", type: defects, samples: 20}
"""


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FIELDAUDIT_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_validate_prints_one_line_per_problem_and_exits_2(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("samples: 20", "samples: 0"), encoding="utf-8")
    result = run("checklist", "validate", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:7: sections[0].questions[0].samples: 'samples' must be at least 1, not 0" in result.output
    assert "1 problem(s) in 1 of 1 file(s)" in result.output


def test_import_publishes_then_refuses_changed_content_with_exit_1(run, tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(GOOD, encoding="utf-8")
    first = run("checklist", "import", str(path))
    assert first.exit_code == 0 and f"published: mini v1 (1 questions) from {path}" in first.output
    path.write_text(GOOD.replace("samples: 20", "samples: 30"), encoding="utf-8")
    second = run("checklist", "import", str(path))
    assert second.exit_code == 1
    assert f"error: {path}: mini version 1 is already published and cannot change; raise `version` to 2." \
        in second.output
