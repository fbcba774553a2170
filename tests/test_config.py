"""Configuration precedence, the generated secret key and the data folder."""
from pathlib import Path

from fieldaudit import config, create_app


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
