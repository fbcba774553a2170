"""Submission, database-enforced immutability, and `fieldaudit verify` against the hash-chained trail."""

import pytest
from click.testing import CliRunner

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.audits import data, record
from fieldaudit.cli import main
from tests.factories import FULL_ANSWERS


@pytest.fixture
def submitted(db, plant, audit):
    """A complete, signed audit with a finding."""
    for qid, value in FULL_ANSWERS.items():
        data.save_answer(db, audit, qid, value, None, plant["auditor"]["id"])
    data.save_answer(db, audit, "notes", "Guard rail repainted in sunflower yellow", "", plant["auditor"]["id"])
    data.add_finding(db, audit, {"severity": "minor", "description": "Label faded", "clause": "7.5"},
                     plant["auditor"]["id"])
    audit, created = record.submit(db, audit["id"], plant["auditor"])
    assert created
    return audit


def test_score_is_weighted_and_excludes_na(db, plant, audit):
    by = plant["auditor"]["id"]
    data.save_answer(db, audit, "guard", "no", None, by)     # weight 2, scores 0
    data.save_answer(db, audit, "label", "pass", None, by)   # weight 1, scores 1
    score = data.save_answer(db, audit, "torque", "11", None, by).score  # in limits: 1
    assert score.percent == pytest.approx(100 * 2 / 4)
    assert [s.percent for s in score.sections] == [pytest.approx(50.0), None]


def test_na_is_excluded_from_the_denominator(db, plant, audit):
    by = plant["auditor"]["id"]
    data.save_answer(db, audit, "label", "pass", None, by)
    score = data.save_answer(db, audit, "guard", "na", "No guard on this manual bench", by).score
    assert score.percent == 100.0
    assert dbm.scalar(db, "SELECT score_percent FROM audits") == 100.0


def test_na_needs_a_note_saying_why(db, plant, audit):
    by = plant["auditor"]["id"]
    with pytest.raises(data.AuditError, match="why this does not apply") as refused:
        data.save_answer(db, audit, "guard", "na", "  ", by)
    assert refused.value.status == 422 and data.answers_of(db, audit["id"]) == {}
    data.save_answer(db, audit, "guard", "na", "Manual bench: no machine to guard", by)
    assert data.values(data.answers_of(db, audit["id"])) == {"guard": "na"}
    # Once given, the note stays with later saves that do not send it.
    assert data.save_answer(db, audit, "guard", "na", None, by).answers["guard"]["note"].startswith("Manual bench")


def test_submit_refuses_until_complete(db, plant, audit):
    data.save_answer(db, audit, "guard", "yes", None, plant["auditor"]["id"])
    with pytest.raises(data.MissingItems) as caught:
        record.submit(db, audit["id"], plant["auditor"])
    assert {qid for qid, _ in caught.value.missing} == {"torque", "label", "tidy", "shift"}


def test_only_the_auditor_signs(db, plant, audit):
    with pytest.raises(data.AuditError) as caught:
        record.submit(db, audit["id"], plant["qm"])
    assert caught.value.status == 403


def test_repeat_submit_is_a_no_op(db, plant, submitted):
    again, created = record.submit(db, submitted["id"], plant["auditor"])
    assert not created and again["record_hash"] == submitted["record_hash"]
    assert dbm.scalar(db, "SELECT COUNT(*) FROM signatures") == 1


@pytest.mark.parametrize("sql", [
    "UPDATE answers SET value = '\"no\"' WHERE question_id = 'guard'",
    "DELETE FROM answers WHERE question_id = 'guard'",
    "INSERT INTO answers (id, audit_id, question_id, value, answered_by, answered_at, created_at, updated_at, origin)"
    " SELECT 'X', id, 'ppe', '[]', auditor_id, 'x', 'x', 'x', 'x' FROM audits",
    "UPDATE findings SET severity = 'observation'",
    "DELETE FROM findings",
    "UPDATE audits SET scope = 'changed'",
    "DELETE FROM audits",
    "UPDATE signatures SET meaning = 'reviewed'",
    "DELETE FROM signatures",
    "UPDATE audit_trail SET actor_id = NULL",
    "DELETE FROM audit_trail",
])
@pytest.mark.both_engines
def test_raw_sql_cannot_change_a_submitted_audit(db, submitted, sql):
    with pytest.raises(dbm.IntegrityError, match="read-only|immutable|append-only"):
        db.conn.execute(sql)


def test_save_answer_on_submitted_audit_is_refused(db, plant, submitted):
    with pytest.raises(data.AuditError) as caught:
        data.save_answer(db, submitted, "guard", "no", None, plant["auditor"]["id"])
    assert caught.value.status == 409


@pytest.mark.both_engines
def test_verify_passes_on_an_intact_database(db, submitted):
    assert record.verify(db) == []


def _flip_in_file(path, old: bytes, new: bytes) -> None:
    raw = path.read_bytes()
    # Twice since sync: in the record and in the outbox's copy of the change (which verify does not read).
    assert raw.count(old) in (1, 2), "the test string must appear in the record (and its outbox change)"
    path.write_bytes(raw.replace(old, new))


@pytest.mark.sqlite_only("edits bytes of the SQLite file behind the database's back")
def test_verify_names_an_answer_changed_in_the_database_file(app, db, submitted, tmp_path, monkeypatch):
    path = config.database_path(app.config)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    _flip_in_file(path, b"sunflower yellow", b"sunflower yelloW")
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(app.config["DATA_DIR"]))
    result = CliRunner().invoke(main, ["verify"])
    assert result.exit_code == 1
    assert f"audit {submitted['number']}" in result.output
    assert "answer notes no longer matches the signed record" in result.output


@pytest.mark.sqlite_only("edits bytes of the SQLite file behind the database's back")
def test_verify_names_a_tampered_trail_entry(app, db, submitted, monkeypatch):
    path = config.database_path(app.config)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    _flip_in_file(path, b"performed this audit\",\"printed_name", b"reviewed  this audit\",\"printed_name")
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(app.config["DATA_DIR"]))
    result = CliRunner().invoke(main, ["verify"])
    assert result.exit_code == 1
    assert "content no longer matches its hash" in result.output


@pytest.mark.both_engines
def test_verify_cli_ok(app, submitted, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(app.config["DATA_DIR"]))
    if app.config.get("DATABASE_URL"):
        monkeypatch.setenv("FIELDAUDIT_DATABASE_URL", app.config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["verify"])
    assert result.exit_code == 0 and "1 submitted audits verified" in result.output


def test_audit_keeps_its_checklist_version(db, plant, audit):
    from fieldaudit.checklists import parse_checklist, store
    from tests.factories import CHECKLIST
    store.publish(db, parse_checklist(CHECKLIST.replace("version: 1", "version: 2").replace(
        "Machine guard in place", "Guard fitted and interlocked"), "v2.yaml"), by=None)
    assert data.checklist_of(db, data.get_audit(db, audit["id"])).question("guard").text == "Machine guard in place"


@pytest.mark.both_engines
def test_published_version_cannot_change(db, checklist_version):
    from fieldaudit.checklists import parse_checklist, store
    from tests.factories import CHECKLIST
    with pytest.raises(store.PublishError, match="raise `version` to 2"):
        store.publish(db, parse_checklist(CHECKLIST.replace("Test walk", "Other"), "x.yaml"), by=None)
    with pytest.raises(dbm.IntegrityError, match="immutable"):
        db.conn.execute("UPDATE checklist_versions SET title = 'x'")
    row, created = store.publish(db, parse_checklist(CHECKLIST, "again.yaml"), by=None)
    assert not created and row["id"] == checklist_version["id"]
