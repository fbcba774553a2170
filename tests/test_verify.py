"""`fieldaudit verify` on tampered copies of a real data folder: every attack is found and its record named."""
import hashlib
import io
import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner
from PIL import Image

from fieldaudit import seal, trail
from fieldaudit.cli import main

TRIGGERS = "SELECT name FROM sqlite_master WHERE type = 'trigger'"


def run(folder, *args):
    """The CLI against one data folder, leaving the environment as it was."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FIELDAUDIT_DATA_DIR", str(folder))
        env.setenv("FIELDAUDIT_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
        return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A data folder with the demo plant: signed audits with photos, approved documents, receipts, CAPAs."""
    folder = tmp_path_factory.mktemp("demo") / "data"
    assert run(folder, "demo").exit_code == 0
    return folder


@pytest.fixture
def copy(demo, tmp_path):
    """A copy of the demo folder whose immutability triggers are dropped, as an attacker with the file would."""
    folder = tmp_path / "copy"
    shutil.copytree(demo, folder)
    conn = sqlite3.connect(folder / "fieldaudit.sqlite3", isolation_level=None)
    conn.row_factory = sqlite3.Row
    for (name,) in conn.execute(TRIGGERS).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    yield folder, conn
    conn.close()


def altered(folder) -> str:
    """Verify's output on a tampered folder (it must exit 1)."""
    result = run(folder, "verify")
    assert result.exit_code == 1, result.output
    assert "ALTERED:" in result.output
    return result.output


def one(conn, sql, params=()):
    return conn.execute(sql, params).fetchone()


AUDIT = "(SELECT id FROM audits WHERE number = 'AUD-PLT1-0003')"
EFFECTIVE = ("(SELECT v.id FROM document_versions v JOIN documents d ON d.id = v.document_id"
             " WHERE d.code = 'SOP-QA-007' AND v.version = 2)")


def test_an_intact_copy_verifies(copy):
    folder, conn = copy
    result = run(folder, "verify")
    assert result.exit_code == 0, result.output
    # The history's nine signed audits plus those the demo programme's layered audits add.
    submitted = one(conn, "SELECT COUNT(*) FROM audits WHERE status = 'submitted'")[0]
    assert submitted >= 9
    assert result.output.startswith("OK:") and f"{submitted} submitted audits verified" in result.output


@pytest.mark.parametrize("sql,expected", [
    ([f"UPDATE audits SET status = 'in_progress' WHERE id = {AUDIT}",
      f"UPDATE answers SET note = 'fixed later' WHERE audit_id = {AUDIT}"],
     ["audit AUD-PLT1-0003 (", "signed but set back to in_progress", "no longer matches the signed record"]),
    ([f"DELETE FROM {t} WHERE audit_id = {AUDIT}" for t in ("evidence", "answers")]
     + [f"DELETE FROM finding_triage WHERE finding_id IN (SELECT id FROM findings WHERE audit_id = {AUDIT})",
        f"DELETE FROM findings WHERE audit_id = {AUDIT}", f"DELETE FROM signatures WHERE record_id = {AUDIT}",
        "DELETE FROM audits WHERE number = 'AUD-PLT1-0003'"],
     ["audit AUD-PLT1-0003", "deleted from the database"]),
    ([f"UPDATE audits SET score_percent = 100 WHERE id = {AUDIT}"],
     ["audit AUD-PLT1-0003", "its score, status or submission time no longer matches the signed record"]),
    ([f"UPDATE audits SET submitted_at = '2020-01-01T00:00:00.000Z' WHERE id = {AUDIT}"],
     ["audit AUD-PLT1-0003", "its score, status or submission time no longer matches the signed record"]),
    ([f"UPDATE document_versions SET body = body || ' (or skip it)' WHERE id = {EFFECTIVE}"],
     ["document SOP-QA-007 v2: its text or attachment no longer matches the approved version"]),
    ([f"UPDATE document_versions SET approved_by = author_id WHERE id = {EFFECTIVE}"],
     ["document SOP-QA-007 v2: its approver no longer matches the approval in the trail"]),
    ([f"UPDATE signatures SET printed_name = 'Someone Else' WHERE record_id = {AUDIT}"],
     ["audit AUD-PLT1-0003: signature of Someone Else was altered (printed_name)"]),
    ([f"UPDATE signatures SET user_id = (SELECT id FROM users WHERE username = 'admin') WHERE record_id = {EFFECTIVE}"],
     ["document SOP-QA-007 v2: signature of", "was altered (user_id)"]),
    (["DELETE FROM capa_events WHERE id = (SELECT id FROM capa_events ORDER BY at DESC LIMIT 1)"],
     ["CAPA CAPA-", "history entry", "was deleted"]),
    (["DELETE FROM document_acks WHERE id = (SELECT id FROM document_acks LIMIT 1)"],
     ["document ", "the read receipt of user", "was deleted"]),
    (["UPDATE capas SET state = 'implementation', closed_at = NULL"
      " WHERE id = (SELECT id FROM capas WHERE state = 'closed' LIMIT 1)"],
     ["CAPA CAPA-", "is implementation but its last recorded state is closed"]),
])
def test_tampering_with_records_is_named(copy, sql, expected):
    folder, conn = copy
    for statement in sql:
        assert conn.execute(statement).rowcount >= 1, statement
    output = altered(folder)
    for text in expected:
        assert text in output, (text, output)


def test_a_published_checklist_rewritten_with_a_matching_hash_is_named(copy):
    folder, conn = copy
    row = one(conn, "SELECT v.id, v.definition FROM checklist_versions v JOIN checklists c ON c.id = v.checklist_id"
                    " WHERE c.key = 'safety-walk'")
    definition = json.loads(row["definition"])
    definition["sections"][0]["questions"][0]["text"] = "Is everything fine?"
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    conn.execute("UPDATE checklist_versions SET definition = ?, content_hash = ? WHERE id = ?",
                 (text, hashlib.sha256(text.encode()).hexdigest(), row["id"]))
    assert "checklist safety-walk v1: its questions no longer match the published version" in altered(folder)


def _photo(conn):
    return one(conn, f"SELECT sha256 FROM evidence WHERE audit_id = {AUDIT}")["sha256"]


def test_an_evidence_file_replaced_by_another_jpeg_is_named(copy):
    folder, conn = copy
    sha = _photo(conn)
    other = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(other, "JPEG")
    (folder / "blobs" / sha[:2] / sha[2:]).write_bytes(other.getvalue())
    assert f"audit AUD-PLT1-0003: evidence photo: its file {sha} no longer matches its content hash" in \
        altered(folder)


def test_a_deleted_evidence_file_is_named(copy):
    folder, conn = copy
    sha = _photo(conn)
    (folder / "blobs" / sha[:2] / sha[2:]).unlink()
    assert f"audit AUD-PLT1-0003: evidence photo: its file {sha} is missing" in altered(folder)


def test_deleting_the_last_trail_entries_is_caught_by_the_seal(copy):
    folder, conn = copy
    last = one(conn, "SELECT MAX(seq) FROM audit_trail")[0]
    assert conn.execute("DELETE FROM audit_trail WHERE seq > ?", (last - 3,)).rowcount == 3
    assert f"the seal names entry #{last} but the trail ends at #{last - 3}; entries were deleted" in \
        altered(folder)


def test_a_deleted_seal_file_is_reported(copy):
    folder, _ = copy
    (folder / seal.FILENAME).unlink()
    assert "it is missing, so a shortened trail could go unnoticed" in altered(folder)


def _rehash_from(conn, seq: int) -> None:
    """Re-link and re-hash the chain from `seq` on, as an attacker who knows the format would."""
    before = one(conn, "SELECT hash FROM audit_trail WHERE seq < ? ORDER BY seq DESC LIMIT 1", (seq,))
    prev = before["hash"] if before else trail.GENESIS
    for row in conn.execute("SELECT * FROM audit_trail WHERE seq >= ? ORDER BY seq", (seq,)).fetchall():
        row = dict(row) | {"prev_hash": prev}
        row["hash"] = trail._entry_hash(row)
        conn.execute("UPDATE audit_trail SET prev_hash = ?, hash = ? WHERE id = ?", (prev, row["hash"], row["id"]))
        prev = row["hash"]


def _reseal(folder, conn) -> None:
    heads = {r["writer"]: {"seq": r["seq"], "hash": r["hash"]} for r in conn.execute(
        "SELECT writer, seq, hash FROM audit_trail WHERE seq = (SELECT MAX(seq) FROM audit_trail)")}
    (folder / seal.FILENAME).write_text(json.dumps({"heads": heads}))


def test_an_entry_cut_from_the_middle_leaves_a_gap_even_with_the_chain_and_seal_rewritten(copy):
    folder, conn = copy
    middle = one(conn, "SELECT seq FROM audit_trail WHERE action = 'document.reviewed' ORDER BY seq LIMIT 1")
    seq = middle["seq"] if middle else 10
    conn.execute("DELETE FROM audit_trail WHERE seq = ?", (seq,))
    _rehash_from(conn, seq + 1)
    _reseal(folder, conn)
    assert f"entries {seq}..{seq} are missing from the chain" in altered(folder)


def test_an_entry_rewritten_and_rehashed_no_longer_links(copy):
    folder, conn = copy
    row = dict(one(conn, "SELECT * FROM audit_trail WHERE seq = 5"))
    row["at"] = "2020-01-01T00:00:00.000Z"
    conn.execute("UPDATE audit_trail SET at = ?, hash = ? WHERE id = ?", (row["at"], trail._entry_hash(row), row["id"]))
    output = altered(folder)
    assert "#6 (" in output and "does not link to the entry before it" in output


def test_a_missing_data_folder_is_refused_and_not_created(tmp_path):
    folder = tmp_path / "NO-SUCH-FOLDER"
    result = run(folder, "verify")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "no FieldAudit database" in result.output
    assert not folder.exists()


def test_the_seal_is_private_and_follows_the_trail(demo):
    path = demo / seal.FILENAME
    assert path.stat().st_mode & 0o777 == 0o600
    conn = sqlite3.connect(demo / "fieldaudit.sqlite3")
    last = conn.execute("SELECT writer, seq, hash FROM audit_trail ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    assert seal.read(path)[last[0]] == {"seq": last[1], "hash": last[2]}


def test_upgrading_seals_checklists_published_before_the_trail_held_them(tmp_path):
    from fieldaudit import db as dbm
    folder = tmp_path / "old"
    folder.mkdir()
    db = dbm.connect(folder / "fieldaudit.sqlite3")
    dbm.migrate(db, target=8)
    definition = '{"id":"old","sections":[],"title":"Old","version":1}'
    now = "2025-01-01T00:00:00.000Z"
    db.conn.execute("INSERT INTO checklists VALUES ('C1', 'old', 'Old', '', 1, ?, ?, 'x')", (now, now))
    db.conn.execute("INSERT INTO checklist_versions VALUES ('V1', 'C1', 1, 'Old', ?, ?, 0, 'published', ?, NULL,"
                    " '', ?, ?, 'x')", (definition, hashlib.sha256(definition.encode()).hexdigest(), now, now, now))
    db.conn.close()
    assert "checklist old v1: published but has no entry in the trail" in altered(folder)
    assert run(folder, "init").exit_code == 0  # upgrades the schema
    result = run(folder, "verify")
    assert result.exit_code == 0, result.output
    assert (folder / seal.FILENAME).exists()
