"""Configuration: defaults, then the instance folder's fieldaudit.toml, then FIELDAUDIT_* environment variables."""
import os
import secrets
import sys
import tomllib
from pathlib import Path

from .evidence import limits as photo_limits

DEFAULTS = {
    "MODE": "device",
    "DATA_DIR": None,
    # Photos are the largest thing a tablet sends; forms are small, so their in-memory part is bounded tighter.
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    "MAX_FORM_PARTS": 500,
    "SESSION_IDLE_MINUTES": 60,
    "SESSION_ABSOLUTE_HOURS": 12,
    "REMEMBER_DAYS": 14,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_SECONDS": 30,
    "LOGIN_LOCK_MAX_SECONDS": 900,
    "PASSWORD_HASH_METHOD": "scrypt",
    # Force the Secure cookie flag even when the app cannot see HTTPS (e.g. a proxy that sets no header).
    "HTTPS": False,
    # Number of trusted reverse proxies in front of the app (X-Forwarded-For/-Proto), 0 for none.
    "PROXY_COUNT": 0,
    "BASE_URL": None,
    # Evidence photos (PHOTO_MAX_SIDE, PHOTO_THUMB_SIDE, PHOTO_MAX_PIXELS, PHOTO_MAX_BYTES): evidence/limits.py.
    **photo_limits.config_defaults(),
}


def default_data_dir() -> Path:
    """The per-user data folder of this platform."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "FieldAudit"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "FieldAudit"
    return Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "fieldaudit"


def load(app, overrides: dict | None = None) -> None:
    """Fill app.config in the documented order of precedence."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_file(os.path.join(app.instance_path, "fieldaudit.toml"), load=tomllib.load, text=False,
                         silent=True)
    app.config.from_prefixed_env("FIELDAUDIT")
    if overrides:
        app.config.from_mapping(overrides)
    data_dir = app.config["DATA_DIR"]
    app.config["DATA_DIR"] = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "fieldaudit_session"
    app.config["PERMANENT_SESSION_LIFETIME"] = int(app.config["REMEMBER_DAYS"]) * 86400


def database_path(config) -> Path:
    """Where the SQLite database lives."""
    return Path(config["DATA_DIR"]) / "fieldaudit.sqlite3"


def blob_dir(config) -> Path:
    """Where content-addressed blobs (photos, attachments) live."""
    return Path(config["DATA_DIR"]) / "blobs"


def secret_key(data_dir: Path) -> str:
    """This installation's secret key, generated on first start and kept in the data folder."""
    path = Path(data_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once agree on one key instead of overwriting each other's.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key
