"""Configuration precedence, checks of every setting at start, the generated secret key and the data folder."""
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from fieldaudit import config, create_app
from fieldaudit import db as dbm
from fieldaudit.cli import main


def test_defaults_then_instance_file_then_environment(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "fieldaudit.toml").write_text('SESSION_IDLE_MINUTES = 15\nREMEMBER_DAYS = 3\n'
                                              f'DATA_DIR = "{(tmp_path / "from-file").as_posix()}"\n')
    monkeypatch.setenv("FIELDAUDIT_REMEMBER_DAYS", "5")
    monkeypatch.delenv("FIELDAUDIT_DATA_DIR", raising=False)
    from flask import Flask
    app = Flask("x", instance_path=str(instance))
    config.load(app)
    assert app.config["LOGIN_MAX_FAILURES"] == 5          # default
    assert app.config["SESSION_IDLE_MINUTES"] == 15       # instance file
    assert app.config["REMEMBER_DAYS"] == 5               # environment wins
    assert app.config["DATA_DIR"] == tmp_path / "from-file"


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "env-data"))
    app = create_app()
    assert app.config["DATA_DIR"] == tmp_path / "env-data"
    assert (tmp_path / "env-data" / "fieldaudit.sqlite3").exists()


def test_default_data_dir_is_per_user(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert config.default_data_dir() == tmp_path / "xdg" / "fieldaudit"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = create_app({"DATA_DIR": str(tmp_path)})
    second = create_app({"DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) == 64 and first.secret_key == second.secret_key
    key_file = Path(tmp_path) / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    other = create_app({"DATA_DIR": str(tmp_path / "other")})
    assert other.secret_key != first.secret_key


def test_request_limits_are_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 32 * 1024 * 1024
    assert app.config["MAX_FORM_MEMORY_SIZE"] == 512 * 1024
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


BAD_ENV = [
    ("SESSION_IDLE_MINUTES", "abc",
     "FIELDAUDIT_SESSION_IDLE_MINUTES: expected a whole number of minutes ≥ 1, got 'abc'"),
    ("SESSION_IDLE_MINUTES", "0", "FIELDAUDIT_SESSION_IDLE_MINUTES: expected a whole number of minutes ≥ 1, got 0"),
    ("MAX_CONTENT_LENGTH", "-1", "FIELDAUDIT_MAX_CONTENT_LENGTH: expected a whole number of bytes ≥ 1, got -1"),
    ("PROXY_COUNT", "1.5", "FIELDAUDIT_PROXY_COUNT: expected a whole number ≥ 0, got 1.5"),
    ("HTTPS", "maybe", "FIELDAUDIT_HTTPS: expected true or false, got 'maybe'"),
    ("BASE_URL", "audit.plant.local",
     "FIELDAUDIT_BASE_URL: expected an http:// or https:// URL, got 'audit.plant.local'"),
    ("PASSWORD_HASH_METHOD", "md5", "FIELDAUDIT_PASSWORD_HASH_METHOD: expected scrypt or pbkdf2"),
    ("PHOTO_MAX_SIDE", "true", "FIELDAUDIT_PHOTO_MAX_SIDE: expected a whole number of pixels ≥ 1, got True"),
]


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An instance folder of its own (for fieldaudit.toml) and a data folder, through the environment."""
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("FIELDAUDIT_INSTANCE_PATH", str(folder))
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "data"))
    return folder


def _cli(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("name,value,message", BAD_ENV)
def test_a_bad_setting_stops_create_app_naming_it(instance, monkeypatch, name, value, message):
    monkeypatch.setenv(f"FIELDAUDIT_{name}", value)
    with pytest.raises(config.ConfigError) as exc:
        create_app()
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)


@pytest.mark.parametrize("name,value,message", BAD_ENV)
def test_a_bad_setting_stops_the_cli_with_one_line(instance, monkeypatch, name, value, message):
    monkeypatch.setenv(f"FIELDAUDIT_{name}", value)
    result = _cli("user", "list")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {message}") and result.output.count("\n") == 1
    assert "Traceback" not in result.output


def test_a_bad_value_in_the_instance_file_names_the_file(instance, monkeypatch):
    monkeypatch.delenv("FIELDAUDIT_DATA_DIR")  # the environment would win over the file
    (instance / "fieldaudit.toml").write_text("DATA_DIR = 5\n")
    expected = f"DATA_DIR in {instance / 'fieldaudit.toml'}: expected a folder path (text), got 5"
    with pytest.raises(config.ConfigError, match=re.escape(expected)):
        create_app()
    result = _cli("init")
    assert result.exit_code == 1 and result.output == f"error: {expected}\n"


def test_an_unreadable_instance_file_is_one_line(instance):
    (instance / "fieldaudit.toml").write_text("SESSION_IDLE_MINUTES = \n")
    result = _cli("init")
    assert result.exit_code == 1 and result.output.startswith("error: ") and result.output.count("\n") == 1
    assert "not valid TOML" in result.output


def test_a_corrupt_database_file_is_one_line_naming_it(instance, tmp_path):
    (tmp_path / "data").mkdir()
    database = tmp_path / "data" / "fieldaudit.sqlite3"
    database.write_bytes(b"this is a spreadsheet, not a database " * 200)
    with pytest.raises(dbm.DatabaseError, match=re.escape(str(database))):
        create_app()
    result = _cli("user", "list")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith(f"error: {database} is not a usable SQLite database")


def test_good_values_are_normalised(instance, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_HTTPS", "yes")
    (instance / "fieldaudit.toml").write_text('SESSION_IDLE_MINUTES = "30"\nBASE_URL = "https://audit.plant.local"\n')
    app = create_app()
    assert app.config["HTTPS"] is True and app.config["SESSION_IDLE_MINUTES"] == 30
    assert app.config["BASE_URL"] == "https://audit.plant.local"


def test_every_setting_has_a_default_an_expectation_and_is_documented():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name, (default, expected, check) in config.SETTINGS.items():
        assert expected and callable(check), name
        assert default is None or check(default) == default, name
        if name not in ("MODE", "MAX_FORM_MEMORY_SIZE", "MAX_FORM_PARTS", "PASSWORD_HASH_METHOD",
                        "LOGIN_LOCK_MAX_SECONDS", "BASE_URL"):
            assert f"`{name}`" in readme, name
