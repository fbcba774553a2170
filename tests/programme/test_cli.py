"""`fieldaudit programme generate`: schedules once, says how many, refuses an unknown site."""
from click.testing import CliRunner

from fieldaudit import db as dbm
from fieldaudit.cli import main
from fieldaudit.programme import plans
from fieldaudit.stations import data as stations
from tests.factories import make_site, make_user


def test_generate_command(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    db = dbm.connect(tmp_path / "fieldaudit.sqlite3")
    from fieldaudit.checklists import parse_checklist, store
    from tests.factories import CHECKLIST
    version, _ = store.publish(db, parse_checklist(CHECKLIST, "t.yaml"), by=None)
    site = make_site(db, "PLT1")
    auditor = make_user(db, "aud", "auditor", site)
    plans.create_plan(db, site, {"checklist_id": version["checklist_id"], "auditor_id": auditor["id"],
                                 "frequency": "weekly", "rule": {"weekdays": [0]}, "starts_on": "2020-01-01"},
                      by=None)
    first = runner.invoke(main, ["programme", "generate", "--site", "plt1", "--days", "28"])
    assert first.exit_code == 0 and first.output.split()[0] in ("4", "5")
    assert runner.invoke(main, ["programme", "generate", "--days", "28"]).output.startswith("0 scheduled")
    unknown = runner.invoke(main, ["programme", "generate", "--site", "nope"])
    assert unknown.exit_code != 0 and "no site" in unknown.output
    assert stations.get_site_by_code(db, "PLT1")
