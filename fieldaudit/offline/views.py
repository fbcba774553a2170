"""The service worker, the web app manifest, the offline page, the This tablet page and the list of an audit's
addresses to take offline. The first three are public: the browser fetches them without a session, and they
carry nothing of anyone's data."""
from flask import Blueprint, Response, current_app, jsonify, render_template, url_for
from flask_login import current_user

from ..appdb import get_db
from ..assets import asset_url
from ..audits import data as audits
from ..audits.blueprint import own_open_audit
from ..auth.access import sites_with
from . import shell, urls

bp = Blueprint("offline", __name__)
WORKER_TEMPLATE = "offline/sw.js"
OFFLINE_TEMPLATE = "offline/offline.html"
MINE_LIMIT = 50  # a tablet's storage, not a whole site's backlog: an auditor runs a handful of audits at once


def _source(name: str) -> str:
    """A template's source text (part of the worker's version)."""
    return current_app.jinja_env.loader.get_source(current_app.jinja_env, name)[0]


@bp.get("/sw.js")
def service_worker():
    """The worker at the root, so its scope is the whole app; its version changes with any precached file."""
    body = render_template(WORKER_TEMPLATE, worker={
        "version": shell_version(), "precache": shell.precache_urls(), "offline": url_for("offline.offline_page"),
        "assets": url_for("assets.asset", filename="x")[:-1]})
    # Cache-Control comes from security.set_headers (private, no-store): every update check reaches the server.
    return Response(body, mimetype="text/javascript")


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: standalone, any orientation, icons (maskable too) under their hashed names."""
    icons = [{"src": asset_url(f"img/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
              "purpose": "any"} for size in (192, 512)]
    icons += [{"src": asset_url(f"img/icon-maskable-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
               "purpose": "maskable"} for size in (192, 512)]
    body = {"id": url_for("home.index"), "name": "FieldAudit", "short_name": "FieldAudit",
            "description": "Quality audits on the shop floor, with or without Wi-Fi.",
            "start_url": url_for("home.index"), "scope": url_for("home.index"), "display": "standalone",
            "orientation": "any", "background_color": "#ffffff", "theme_color": "#0b5cab", "icons": icons}
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def offline_page():
    """What the worker shows for a page it does not have: the audits that are on this tablet (filled in by
    offline.js from Cache Storage). Precached, so it holds no session, token or name."""
    return render_template(OFFLINE_TEMPLATE)


@bp.get("/tablet")
def tablet():
    """This tablet: install, persistent storage and space used, the audits stored here."""
    return render_template("offline/tablet.html")


@bp.get("/offline/audits/<audit_id>")
def audit_urls(audit_id):
    """The addresses to store for an audit its auditor runs (the same guard as its section pages)."""
    audit = own_open_audit(audit_id)
    db = get_db()
    return jsonify(audit=urls.describe(audit), urls=urls.audit_urls(db, audit),
                   redirects=urls.audit_redirects(db, audit))


@bp.get("/offline/mine")
def my_audits():
    """The audits the signed-in auditor runs (in progress, theirs, at sites where they still run audits): what
    "Take my audits offline" and the home screen store without opening each one."""
    sites = sites_with("run_audits", message="Your role does not include running audits.")
    mine = audits.list_audits(get_db(), site_ids=sites, status="in_progress", auditor_id=current_user.id,
                              limit=MINE_LIMIT)
    return jsonify(audits=[{**urls.describe(a), "list": url_for("offline.audit_urls", audit_id=a["id"])}
                           for a in mine])


def runs_audits() -> bool:
    """Whether the signed-in person runs audits anywhere (offline.js asks for their audits only then)."""
    if not current_user.is_authenticated:
        return False
    sites = current_user.site_ids_with("run_audits")
    return sites is None or bool(sites)


def user_header(response):
    """after_request: tell the service worker whose pages it may answer with offline (no header: nobody's). Only on
    pages: asking who is signed in costs a session lookup a static file or a JSON answer does not need."""
    if response.mimetype == "text/html" and current_user and current_user.is_authenticated:
        response.headers["X-FieldAudit-User"] = current_user.id
    return response


def shell_version() -> str:
    """The worker's version, worked out once per process (static files do not change while serving)."""
    cache = current_app.extensions.setdefault("offline", {})
    if "version" not in cache:
        cache["version"] = shell.version(_source(WORKER_TEMPLATE), _source(OFFLINE_TEMPLATE))
    return cache["version"]


def audits_prefix() -> str:
    """The path before an audit id in the address-list URL, under which offline.js keeps each stored audit."""
    return url_for("offline.audit_urls", audit_id="_")[:-1]


def init_app(app) -> None:
    """Register the blueprint, the header the worker reads and the template helpers of offline/_head.html."""
    app.register_blueprint(bp)
    app.after_request(user_header)
    app.jinja_env.globals.update(offline_shell=shell_version, offline_audits_prefix=audits_prefix,
                                 offline_runs_audits=runs_audits)
