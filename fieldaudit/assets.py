"""Static files under content-versioned names, so browsers may cache them for a year.

Text files go out gzip-compressed to a browser that accepts it: on plant Wi-Fi the scripts and stylesheet were
~170 kB of the first page and a third of that compressed. Only these files are compressed, never pages: a page holds
the CSRF token next to text a user typed, which is what a compression side channel (BREACH) needs; a static file
holds neither.
"""
import gzip
import hashlib
import mimetypes
import re

from flask import Blueprint, Response, abort, request, send_from_directory, url_for

from . import paths

bp = Blueprint("assets", __name__)
_digests: dict[str, str] = {}
_gzipped: dict[str, bytes] = {}
_COMPRESSIBLE = {".css", ".js", ".mjs", ".svg", ".json", ".webmanifest", ".txt", ".map", ".ttf", ".wasm"}
_YEAR = 365 * 86400
_WORTH_IT = 1024  # below about a kilobyte gzip's own header eats most of the saving
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
    if match["ext"].lower() in _COMPRESSIBLE and _accepts_gzip() and (folder / real).stat().st_size >= _WORTH_IT:
        response = Response(_gzip_of(real), mimetype=_mimetype(real))
        response.headers["Content-Encoding"] = "gzip"
        response.cache_control.max_age = _YEAR
    else:
        response = send_from_directory(folder, real, max_age=_YEAR)
    response.vary.add("Accept-Encoding")
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response


def _accepts_gzip() -> bool:
    """True when the request's Accept-Encoding allows gzip (a q=0 refusal counts as no)."""
    return request.accept_encodings["gzip"] > 0


def _gzip_of(filename: str) -> bytes:
    """The file compressed once at level 9 (cached beside the digest; static files do not change while serving)."""
    if filename not in _gzipped:
        data = (paths.resource("static") / filename).read_bytes()
        _gzipped[filename] = gzip.compress(data, compresslevel=9, mtime=0)
    return _gzipped[filename]


def _mimetype(filename: str) -> str:
    """The type send_from_directory would give, with the two our browsers need spelled out."""
    if filename.endswith((".js", ".mjs")):
        return "text/javascript"
    if filename.endswith(".webmanifest"):
        return "application/manifest+json"
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def init_app(app) -> None:
    """Register the blueprint and the template helper."""
    app.register_blueprint(bp)
    app.jinja_env.globals["asset_url"] = asset_url
