from fieldaudit import db as dbm


def test_programme_migration_upgrades_a_database_of_the_previous_version(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = dbm.connect(path)
    previous = max(n for n, _, _ in dbm.migrations() if n < 16)
    dbm.migrate(old, target=previous)
    assert not old["scheduled_audits"].exists()
    old.conn.close()
    upgraded = dbm.connect(path)
    assert 16 in dbm.migrate(upgraded)
    for table in ("audit_plans", "scheduled_audits", "home_areas", "qualifications", "lpa_layers", "lpa_pools"):
        assert upgraded[table].exists(), table
    columns = upgraded["scheduled_audits"].columns_dict
    for column in ("plan_id", "site_id", "checklist_id", "area_id", "workstation_id", "auditor_id", "layer",
                   "due_date", "window_end", "audit_id", "done_on", "missed_reason", "origin"):
        assert column in columns
