"""The committed JSON Schemas (sync/schemas/) are what the generator makes, every change the demo's outbox holds
conforms to them, and they are strict enough to refuse a wrong type, an unknown field or an unknown table."""
import copy

import pytest

from fieldaudit import db as dbm
from fieldaudit import demo
from fieldaudit.evidence.blobstore import BlobStore
from fieldaudit.sync import outbox, pull, schemas, tables
from tests.factories import FAST_HASH
from tests.sync.schema_check import COMMITTED, problems


def test_the_committed_schemas_are_what_the_generator_makes_now(db):
    made = {rel: schemas.render(s) for rel, s in schemas.generate(db).items()}
    held = {rel: schemas.render(s) for rel, s in COMMITTED.items()}
    assert sorted(made) == sorted(held), "run `python -m fieldaudit.sync.schemas` and commit sync/schemas/"
    stale = [rel for rel in made if made[rel] != held[rel]]
    assert not stale, f"run `python -m fieldaudit.sync.schemas`: {stale} differ"


def test_a_new_column_changes_the_generated_schema(db):
    before = schemas.generate(db)["changes/answers.insert.json"]
    dbm.execute(db, "ALTER TABLE answers ADD COLUMN colour TEXT")
    db.conn.commit()
    after = schemas.generate(db)["changes/answers.insert.json"]
    assert "colour" not in before["properties"]["data"]["properties"]
    assert after["properties"]["data"]["properties"]["colour"] == {"type": ["string", "null"]}
    assert "colour" in after["properties"]["data"]["required"]


def test_every_table_operation_and_command_kind_has_a_schema():
    from fieldaudit.capa import states
    for table in tables.TABLES:
        for op in schemas.OPS:
            assert f"changes/{table.name}.{op}.json" in COMMITTED
    for state in states.STATES:
        assert f"commands/move-{state}.json" in COMMITTED
    assert {"change.json", "push.request.json", "push.response.json", "pull.response.json",
            "error.json"} <= set(COMMITTED)


def test_the_outbox_of_a_small_plant_conforms_and_a_bad_copy_does_not(db, plant):
    rows = [outbox.row_of(c) for c in dbm.query(db, "SELECT * FROM changes ORDER BY seq")]
    assert len(rows) > 5 and all(problems("change.json", c) == [] for c in rows)
    site = next(c for c in rows if c["table"] == "sites" and c["op"] == "insert")
    assert problems("change.json", dict(site, data=dict(site["data"], active="yes")))
    assert problems("change.json", dict(site, data=dict(site["data"], colour="red")))


@pytest.fixture(scope="module")
def demo_changes(tmp_path_factory, migrated_database):
    """Every change the outbox of a full demo database holds, as it travels."""
    import shutil
    folder = tmp_path_factory.mktemp("demo")
    shutil.copyfile(migrated_database, folder / "demo.sqlite3")
    conn = dbm.connect(folder / "demo.sqlite3")
    demo.load(conn, BlobStore(folder / "blobs"), hash_method=FAST_HASH)
    rows = [outbox.row_of(c) for c in dbm.query(conn, "SELECT * FROM changes ORDER BY seq")]
    sites = [r["id"] for r in dbm.query(conn, "SELECT id FROM sites")]
    first_page = pull.page(conn, {"id": "nobody", "site_ids": sites}, 0, 1000)
    conn.conn.close()
    return rows, first_page


@pytest.mark.slow  # loads the whole demo (~15 s)
def test_every_change_of_a_full_demo_database_conforms(demo_changes):
    rows, _ = demo_changes
    seen = {(c["table"], c["op"]) for c in rows}
    assert len(rows) > 1000 and {("answers", "insert"), ("capas", "update"), ("capa_commands", "insert"),
                                 ("checklist_versions", "insert"), ("document_sites", "insert")} <= seen
    bad = {}
    for change in rows:
        found = problems("change.json", change)
        if found:
            bad.setdefault((change["table"], change["op"]), found[:3])
    assert not bad, bad


@pytest.mark.slow  # loads the whole demo (~15 s)
def test_push_and_pull_envelopes_of_the_demo_conform(demo_changes):
    rows, first_page = demo_changes
    pushable = [c for c in rows if tables.BY_NAME[c["table"]].direction != tables.DOWN][:1000]
    assert problems("push.request.json", {"changes": pushable, "trail_head": {"W": {"seq": 3, "hash": "ab"}}}) == []
    assert first_page["changes"] and problems("pull.response.json", first_page) == []


def _one(rows, table, op):
    return copy.deepcopy(next(c for c in rows if c["table"] == table and c["op"] == op))


@pytest.mark.slow  # loads the whole demo (~15 s)
def test_a_schema_refuses_a_wrong_type_an_unknown_field_and_an_unknown_table(demo_changes):
    rows, _ = demo_changes
    good = _one(rows, "answers", "insert")
    assert problems("change.json", good) == []
    wrong_type = copy.deepcopy(good)
    wrong_type["data"]["note"] = 42
    unknown_field = copy.deepcopy(good)
    unknown_field["data"]["colour"] = "red"
    missing_column = copy.deepcopy(good)
    del missing_column["data"]["question_id"]
    extra_envelope = dict(good, comment="hello")
    unknown_table = dict(good, table="salaries")
    bad_op = dict(good, op="replace")
    bad_hlc = dict(good, hlc="12")
    bad_id = dict(good, id="x")
    for bad in (wrong_type, unknown_field, missing_column, extra_envelope, unknown_table, bad_op, bad_hlc, bad_id):
        assert problems("change.json", bad), bad


@pytest.mark.slow  # loads the whole demo (~15 s)
def test_an_enum_a_null_and_an_empty_update_are_checked(demo_changes):
    rows, _ = demo_changes
    finding = _one(rows, "findings", "insert")
    finding["data"]["severity"] = "catastrophic"
    assert problems("change.json", finding)
    update = _one(rows, "capas", "update")
    assert problems("change.json", update) == []
    assert problems("change.json", dict(update, data={}))
    assert problems("change.json", dict(update, data={"title": None}))  # NOT NULL column
    delete = dict(update, op="delete", data=None, base=None)
    assert problems("change.json", delete) == []
    assert problems("change.json", dict(delete, data={"title": "x"}))


@pytest.mark.slow  # loads the whole demo (~15 s)
def test_a_capa_command_is_checked_by_its_kind(demo_changes):
    rows, _ = demo_changes
    command = _one(rows, "capa_commands", "insert")
    assert problems("change.json", command) == []
    assert problems("change.json", dict(command, data=dict(command["data"], command="teleport:closed")))
    assert problems("change.json", dict(command, data=dict(command["data"], expected_state="limbo")))
    assert problems("change.json", dict(command, data=dict(command["data"], payload='{"reason": 7}')))
    assert problems("change.json", dict(command, data=dict(command["data"], payload='{"why": "x"}')))
