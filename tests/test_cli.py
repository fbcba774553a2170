"""The fieldaudit command: idempotent, one-line errors, help everywhere."""
import socket

import click
import pytest
from click.testing import CliRunner

from fieldaudit import config
from fieldaudit import db as dbm
from fieldaudit.auth import users
from fieldaudit.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the CLI against a temporary data folder."""
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FIELDAUDIT_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)
    run.data = tmp_path / "data"
    return run


def open_db(data_dir):
    return dbm.connect(data_dir / "fieldaudit.sqlite3")


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


@pytest.mark.parametrize("path", list(_commands(main)))
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_init_creates_admin_once(cli):
    first = cli("init")
    assert first.exit_code == 0
    assert "Created administrator 'admin'" in first.output
    password = first.output.strip().splitlines()[-1].strip()
    db = open_db(cli.data)
    assert users.verify_password(users.get_user_by_username(db, "admin"), password)
    second = cli("init")
    assert second.exit_code == 0
    assert "already initialised" in second.output
    assert db["users"].count == 1
    assert users.verify_password(users.get_user_by_username(db, "admin"), password)


def test_demo_is_idempotent_and_prints_passwords(cli):
    first = cli("demo")
    assert first.exit_code == 0, first.output
    line = next(l for l in first.output.splitlines() if l.strip().startswith("auditor "))
    password = line.split()[1]
    db = open_db(cli.data)
    assert users.verify_password(users.get_user_by_username(db, "auditor"), password)
    counts = (db["sites"].count, db["workstations"].count, db["users"].count, db["memberships"].count)
    assert counts[0] == 2 and counts[1] >= 10
    second = cli("demo")
    assert second.exit_code == 0
    assert "already loaded" in second.output and password in second.output
    assert (db["sites"].count, db["workstations"].count, db["users"].count, db["memberships"].count) == counts
    roles = {m["role"] for u in users.list_users(db) for m in users.memberships(db, u["id"])}
    assert roles == {"operator", "auditor", "quality_manager", "admin"}


def test_user_add_passwd_list(cli):
    cli("demo")
    added = cli("user", "add", "Kim", "--name", "Kim Lee", "--role", "auditor", "--site", "plt2")
    assert added.exit_code == 0, added.output
    assert "Created kim (auditor at plt2)" in added.output
    listed = cli("user", "list")
    assert "kim" in listed.output and "auditor@PLT2" in listed.output
    changed = cli("user", "passwd", "kim", "--password-stdin", input="a-brand-new-password\n")
    assert changed.exit_code == 0
    db = open_db(cli.data)
    assert users.verify_password(users.get_user_by_username(db, "kim"), "a-brand-new-password")


@pytest.mark.parametrize("args,message", [
    (("user", "add", "x", "--name", "X", "--role", "auditor", "--site", "NOPE"), "no site with code"),
    (("user", "add", "x", "--name", "X", "--role", "auditor"), "exactly one of --site"),
    (("user", "passwd", "ghost"), "no user called"),
])
def test_cli_failures_are_one_line_and_non_zero(cli, args, message):
    cli("init")
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_unwritable_data_folder(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(blocker))
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 1
    assert "not writable" in result.output and "Traceback" not in result.output


def test_serve_refuses_a_port_in_use(cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port" in result.output


def test_serve_starts_at_once_after_a_crash_left_time_wait_sockets():
    # The side that closes a connection first keeps it in TIME-WAIT for up to a minute, as a killed server does.
    from fieldaudit.cli import port_problem

    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress's own listener does
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()
    client.close()
    with socket.socket() as plain:  # the situation is real: a bind without SO_REUSEADDR is refused
        with pytest.raises(OSError):
            plain.bind(("127.0.0.1", port))
    assert port_problem("127.0.0.1", port) is None


def test_data_dir_option(tmp_path, monkeypatch):
    monkeypatch.delenv("FIELDAUDIT_DATA_DIR", raising=False)  # main() sets it; monkeypatch restores it after
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "d"), "init"], env={
        "FIELDAUDIT_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    assert result.exit_code == 0
    assert config.database_path({"DATA_DIR": tmp_path / "d"}).exists()
    monkeypatch.delenv("FIELDAUDIT_DATA_DIR", raising=False)
