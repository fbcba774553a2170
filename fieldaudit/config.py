"""Configuration: defaults, then the instance folder's fieldaudit.toml, then FIELDAUDIT_* environment variables.

Every setting is checked once, at start, against one table of type, range and default: a bad value stops the app
(or the command) with one line naming where it came from, instead of failing later in the middle of a request.
"""
import os
import secrets
import sys
import tomllib
from pathlib import Path

from .evidence import limits as photo_limits

ENV_PREFIX = "FIELDAUDIT_"
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it, where it came from, and what is expected."""


def _whole(minimum: int):
    def check(value):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError
        return value
    return check


def _flag(value):
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in _TRUE + _FALSE:
        return str(value).strip().lower() in _TRUE
    raise ValueError


def _text(*choices: str):
    def check(value):
        if not isinstance(value, str) or not value.strip() or (choices and value not in choices):
            raise ValueError
        return value
    return check


def _optional(check):
    return lambda value: None if value is None or value == "" else check(value)


def _folder(value):
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    return value


def _hash_method(value):
    if not isinstance(value, str) or not value.startswith(("scrypt", "pbkdf2")):
        raise ValueError
    return value


def _database_url(value):
    if not isinstance(value, str) or not value.startswith(("postgresql://", "postgres://")):
        raise ValueError
    return value


def _url(value):
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValueError
    return value


# name: (default, what is expected (for the message), check returning the value to use or raising ValueError)
SETTINGS = {
    # A hub (head office) serves the sync API to paired devices; a device is a site server or a self-serving tablet.
    "MODE": ("device", "device or hub", _text("device", "hub")),
    "DATA_DIR": (None, "a folder path (text)", _optional(_folder)),
    # Photos are the largest thing a tablet sends; forms are small, so their in-memory part is bounded tighter.
    "MAX_CONTENT_LENGTH": (32 * 1024 * 1024, "a whole number of bytes ≥ 1", _whole(1)),
    "MAX_FORM_MEMORY_SIZE": (512 * 1024, "a whole number of bytes ≥ 1", _whole(1)),
    "MAX_FORM_PARTS": (500, "a whole number ≥ 1", _whole(1)),
    "SESSION_IDLE_MINUTES": (60, "a whole number of minutes ≥ 1", _whole(1)),
    "SESSION_ABSOLUTE_HOURS": (12, "a whole number of hours ≥ 1", _whole(1)),
    "REMEMBER_DAYS": (14, "a whole number of days ≥ 1", _whole(1)),
    "LOGIN_MAX_FAILURES": (5, "a whole number ≥ 1", _whole(1)),
    "LOGIN_LOCK_SECONDS": (30, "a whole number of seconds ≥ 1", _whole(1)),
    "LOGIN_LOCK_MAX_SECONDS": (900, "a whole number of seconds ≥ 1", _whole(1)),
    "PASSWORD_HASH_METHOD": ("scrypt", "scrypt or pbkdf2 (with werkzeug's parameters, e.g. pbkdf2:sha256:600000)",
                             _hash_method),
    # Force the Secure cookie flag even when the app cannot see HTTPS (e.g. a proxy that sets no header).
    "HTTPS": (False, "true or false", _flag),
    # Number of trusted reverse proxies in front of the app (X-Forwarded-For/-Proto), 0 for none.
    "PROXY_COUNT": (0, "a whole number ≥ 0", _whole(0)),
    # The reverse proxy's own address: only its X-Forwarded-* headers are believed (`fieldaudit serve`).
    "TRUSTED_PROXY": ("127.0.0.1", "the proxy's IP address, or * for any", _text()),
    # `fieldaudit serve` limits: idle or half-sent connections are dropped after CHANNEL_TIMEOUT so they cannot
    # fill the CONNECTION_LIMIT and lock out the tablets.
    "SERVER_THREADS": (8, "a whole number of threads ≥ 1", _whole(1)),
    "CONNECTION_LIMIT": (500, "a whole number of connections ≥ 10", _whole(10)),
    "CHANNEL_TIMEOUT": (60, "a whole number of seconds ≥ 5", _whole(5)),
    # A paired device syncs with its hub this often while the hub answers (and backs off while it does not).
    "SYNC_INTERVAL_MINUTES": (5, "a whole number of minutes ≥ 1", _whole(1)),
    # Whether `fieldaudit serve` runs that background sync; unset: yes, except under a test run (PYTEST_CURRENT_TEST
    # in the environment), so test servers only sync when a test asks.
    "BACKGROUND_SYNC": (None, "true or false", _optional(_flag)),
    # Whether `fieldaudit serve` generates the audit programme once a day by itself (programme/daily.py); unset: yes,
    # except under a test run. A device paired with a hub never generates (the hub does).
    "PROGRAMME_DAILY": (None, "true or false", _optional(_flag)),
    # One JSON line per request on stderr (request id, user, device, method, path, status, duration): for a hub
    # behind a load balancer whose logs go to a log service.
    "REQUEST_LOG": (False, "true or false", _flag),
    # A background job's process renews its lease this often over; a job whose lease ran out was cut off (any hub
    # process can then say so, and only then).
    "JOB_LEASE_SECONDS": (30, "a whole number of seconds ≥ 2", _whole(2)),
    "BASE_URL": (None, "an http:// or https:// URL", _optional(_url)),
    # A hub's store on PostgreSQL (postgresql://user:password@host:port/dbname); unset: the SQLite file in DATA_DIR.
    "DATABASE_URL": (None, "a postgresql:// URL", _optional(_database_url)),
    # Generated report files (PDFs of background jobs) are private: removed, and no longer served, after this.
    "REPORT_KEEP_HOURS": (24, "a whole number of hours ≥ 1", _whole(1)),
    # Evidence photos (stored long side, thumbnail side, pixel budget checked before decoding, bytes per photo):
    # their defaults have one definition, in evidence/limits.py.
    **{name: (default, f"a whole number of {unit} ≥ 1", _whole(1))
       for name, (default, unit) in photo_limits.config_defaults().items()},
}

DEFAULTS = {name: row[0] for name, row in SETTINGS.items()}


def default_data_dir() -> Path:
    """The per-user data folder of this platform."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "FieldAudit"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "FieldAudit"
    return Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "fieldaudit"


def load(app, overrides: dict | None = None) -> None:
    """Fill app.config in the documented order of precedence, then check every setting (ConfigError)."""
    app.config.from_mapping(DEFAULTS)
    toml_path = os.path.join(app.instance_path, "fieldaudit.toml")
    from_file = _read_toml(toml_path)
    app.config.from_mapping(from_file)
    app.config.from_prefixed_env(ENV_PREFIX.rstrip("_"))
    if overrides:
        app.config.from_mapping(overrides)
    validate(app.config, lambda name: _source(name, from_file, toml_path, overrides or {}))
    data_dir = app.config["DATA_DIR"]
    app.config["DATA_DIR"] = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()
    if app.config.get("DATABASE_URL"):
        from . import db as dbm
        dbm.keep_files_in(app.config["DATABASE_URL"], app.config["DATA_DIR"])  # the trail seal of a PostgreSQL hub
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "fieldaudit_session"
    app.config["PERMANENT_SESSION_LIFETIME"] = int(app.config["REMEMBER_DAYS"]) * 86400


def validate(config, source=lambda name: name) -> None:
    """Check and normalise every known setting; the first bad one raises ConfigError naming `source(name)`."""
    for name, (_, expected, check) in SETTINGS.items():
        if name not in config:
            continue
        try:
            config[name] = check(config[name])
        except (ValueError, TypeError):
            raise ConfigError(f"{source(name)}: expected {expected}, got {config[name]!r}") from None


def _read_toml(path: str) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def _source(name: str, from_file: dict, toml_path: str, overrides: dict) -> str:
    """Where a setting's value came from, as a person would look for it."""
    if name in overrides:
        return name
    if ENV_PREFIX + name in os.environ:
        return ENV_PREFIX + name
    if name in from_file:
        return f"{name} in {toml_path}"
    return name


def database_path(config) -> Path:
    """Where the SQLite database lives."""
    return Path(config["DATA_DIR"]) / "fieldaudit.sqlite3"


def database_target(config) -> Path | str:
    """What `db.connect` opens: the PostgreSQL URL of a hub that has one, else the SQLite file."""
    return config.get("DATABASE_URL") or database_path(config)


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
