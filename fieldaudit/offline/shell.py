"""The app shell a service worker precaches: the content-hashed static files, the offline page, and one version
string that changes whenever any of them (or the worker itself) changes."""
import hashlib

from flask import url_for

from .. import paths
from ..assets import asset_url

# Shipped in static/ but never needed by a page (PDF fonts, licences, READMEs): not worth a tablet's storage.
_PRECACHED = (".css", ".js", ".svg", ".png", ".ico", ".wasm", ".webp")
_SKIPPED_FOLDERS = ("fonts/",)


def static_files() -> list[str]:
    """Static files (relative to static/) the pages load, sorted so the version is stable."""
    folder = paths.resource("static")
    names = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return sorted(n for n in names if n.endswith(_PRECACHED) and not n.startswith(_SKIPPED_FOLDERS))


def precache_urls() -> list[str]:
    """What the worker stores at install: the offline page and every static file under its hashed name."""
    return [url_for("offline.offline_page")] + [asset_url(name) for name in static_files()]


def version(worker_source: str, offline_page: str) -> str:
    """12 hex chars over the worker's own code, the offline page and every precached URL (hashed names): a changed
    static file gives a new worker, a new cache name and a clean upgrade."""
    digest = hashlib.sha256(worker_source.encode())
    digest.update(offline_page.encode())
    for url in precache_urls():
        digest.update(url.encode() + b"\n")
    return digest.hexdigest()[:12]
