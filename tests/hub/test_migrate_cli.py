"""`fieldaudit hub migrate`: applies what is pending to the configured store, says what it did, changes nothing
the second time; `--check` tells an upgrade script whether anything is pending."""
import pytest
from click.testing import CliRunner

from fieldaudit import db as dbm
from fieldaudit.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "data"))

    def run(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    run.data = tmp_path / "data"
    return run


def test_a_new_store_gets_every_migration_then_nothing(cli):
    first = cli("hub", "migrate")
    assert first.exit_code == 0, first.output
    known = dbm.migrations()
    for number, name, _ in known:
        assert f"applied {number:04d} {name}" in first.output
    assert f"0 → {known[-1][0]}" in first.output and "Store: SQLite" in first.output
    second = cli("hub", "migrate")
    assert second.exit_code == 0 and "applied" not in second.output and "up to date" in second.output


def test_an_old_store_is_upgraded_in_place_keeping_its_rows(cli):
    cli.data.mkdir(parents=True)
    old = dbm.connect(cli.data / "fieldaudit.sqlite3")
    dbm.migrate(old, target=1)
    with dbm.transaction(old):
        dbm.execute(old, "INSERT INTO sites (id, code, name, timezone, created_at, updated_at, origin)"
                         " VALUES ('S1', 'PLT1', 'Plant 1', 'UTC', 'x', 'x', 'o')")
    old.conn.close()
    assert cli("hub", "migrate", "--check").exit_code == 1
    result = cli("hub", "migrate")
    assert result.exit_code == 0 and "applied 0001" not in result.output and "applied 0002" in result.output
    upgraded = dbm.connect(cli.data / "fieldaudit.sqlite3")
    assert dbm.scalar(upgraded, "SELECT name FROM sites WHERE id = 'S1'") == "Plant 1"
    assert dbm.schema_version(upgraded) == dbm.latest_version()
    upgraded.conn.close()
    check = cli("hub", "migrate", "--check")
    assert check.exit_code == 0 and "pending: none" in check.output


def test_a_store_newer_than_the_code_is_refused_in_one_line(cli):
    cli("hub", "migrate")
    db = dbm.connect(cli.data / "fieldaudit.sqlite3")
    with dbm.transaction(db):
        dbm.execute(db, "INSERT INTO schema_version (version, name, applied_at) VALUES (9999, 'future', 'x')")
    db.conn.close()
    result = CliRunner().invoke(main, ["hub", "migrate"])
    assert result.exit_code == 1 and "newer than this FieldAudit" in result.output
