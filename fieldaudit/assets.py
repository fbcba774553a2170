"""Static files under content-versioned names, so browsers may cache them for a year."""
import hashlib
import re

from flask import Blueprint, abort, send_from_directory, url_for

from . import paths

bp = Blueprint("assets", __name__)
_digests: dict[str, str] = {}
_VERSIONED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")


def _digest(filename: str) -> str:
    """First 10 hex chars of the file's SHA-256 (cached; static files do not change while serving)."""
    if filename not in _digests:
        path = paths.resource("static") / filename
        _digests[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return _digests[filename]


def asset_url(filename: str) -> str:
    """URL of a static file with its content hash in the name, e.g. /assets/css/app.1a2b3c4d5e.css."""
    stem, dot, ext = filename.rpartition(".")
    return url_for("assets.asset", filename=f"{stem}.{_digest(filename)}.{ext}")


@bp.get("/assets/<path:filename>")
def asset(filename):
    """Serve a versioned static file with a long cache lifetime."""
    match = _VERSIONED.match(filename)
    if not match:
        abort(404)
    real = match["stem"] + match["ext"]
    folder = paths.resource("static")
    if not (folder / real).is_file() or _digest(real) != match["digest"]:
        abort(404)
    response = send_from_directory(folder, real, max_age=365 * 86400)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response


def init_app(app) -> None:
    """Register the blueprint and the template helper."""
    app.register_blueprint(bp)
    app.jinja_env.globals["asset_url"] = asset_url
