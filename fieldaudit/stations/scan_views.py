"""The scan landing page /w/<code> a label's QR code opens, station search, QR images and label sheets."""
from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from .. import ids
from ..appdb import get_db
from ..audits import data as audits
from ..auth.access import ensure_found
from ..capa import data as capa_data
from ..checklists import store as checklist_store
from ..documents import data as documents
from ..documents import workflow
from ..programme import data as programme
from ..programme.states import STATE_LABELS as PROGRAMME_STATES
from . import data, qr
from .labels import is_local, labels_for

bp = Blueprint("scan", __name__)


def base_url() -> str:
    """Where labels point: the BASE_URL setting; behind a trusted proxy, the address it names; else the address this
    server listens at. Never the request's Host header, which any client can set (labels last for years)."""
    config = current_app.config
    if config.get("BASE_URL"):
        return config["BASE_URL"].rstrip("/") + "/"
    if int(config["PROXY_COUNT"]):
        return request.url_root
    env = request.environ
    scheme, host, port = request.scheme, env["SERVER_NAME"], str(env.get("SERVER_PORT") or "")
    default = {"http": "80", "https": "443"}.get(scheme)
    return f"{scheme}://{host}{'' if port in ('', default) else ':' + port}{request.script_root}/"


def _unknown(code: str, q: str = ""):
    """The friendly "unknown station" page (404), with a search box."""
    db = get_db()
    found = _search(db, q) if q else []
    return render_template("stations/unknown.html", code=code, q=q, found=found), 404


def _search(db, q: str) -> list[dict]:
    """Workstations of my sites whose code or name contains the text."""
    q = q.strip().upper()[:60]
    found = []
    for site_id in _my_sites(db):
        found += [w for w in data.list_workstations(db, site_id) if q in w["code"] or q in w["name"].upper()]
    return found[:50]


def _my_sites(db) -> list[str]:
    site_ids = current_user.site_ids_with("view_site")
    return [s["id"] for s in data.list_sites(db)] if site_ids is None else site_ids


def _station(code: str) -> dict:
    """The workstation of a label code the user may see; 404 when malformed, unknown or another site's."""
    ws = data.get_workstation_by_code(get_db(), code) if data.CODE.match((code or "").strip().upper()) else None
    return ensure_found(ws, "view_site")


@bp.get("/w/")
def search():
    """Find a workstation by code or name (the fallback when a label cannot be scanned)."""
    q = request.args.get("q", "")
    found = _search(get_db(), q) if q.strip() else []
    return render_template("stations/unknown.html", code=None, q=q, found=found)


@bp.get("/w/<path:code>")
def station(code):
    """What a scanned label opens: the station, its procedures in force, open CAPAs, recent audits, start audit."""
    try:
        ws = _station(code)
    except NotFound:  # another site's station is as unknown as a missing one: the same friendly page
        return _unknown(code[:40], request.args.get("q", ""))
    db = get_db()
    today = documents.today_at(db, [ws["site_id"]])
    procedures = []
    for doc in documents.documents_at_workstation(db, ws["id"]):
        if not current_user.can("read_documents", ws["site_id"]):
            break
        current = workflow.in_force(db, doc["id"], today)
        if current is None:
            continue
        reader = workflow.is_reader(db, doc["id"], current_user.id)
        procedures.append({"doc": doc, "version": current,
                           "unread": reader and workflow.receipt(db, current["id"], current_user.id) is None})
    can_audit = current_user.can("run_audits", ws["site_id"])
    due = programme.due_for(db, current_user.id, programme.today_by_site(db, [ws["site_id"]], ids.utc_now()),
                            workstation_id=ws["id"]) if can_audit else []
    return render_template(
        "stations/scan.html", ws=ws, due=due, state_labels=PROGRAMME_STATES, procedures=procedures, capas=capa_data.open_at_workstation(db, ws["id"]),
        recent=_recent_audits(db, ws), can_audit=can_audit, kinds=documents.KINDS,
        checklists=_checklists(db, {p["doc"]["code"] for p in procedures}) if can_audit else [],
        can_manage=current_user.can("manage_site", ws["site_id"]),
        can_view_capa=current_user.can("view_audits", ws["site_id"]))


def _recent_audits(db, ws: dict) -> list[dict]:
    if not current_user.can("view_audits", ws["site_id"]):
        return []
    return audits.list_audits(db, site_ids=[ws["site_id"]], workstation_id=ws["id"], limit=5)


def _checklists(db, codes: set[str]) -> list[dict]:
    """Published checklists, those asking about this station's procedures first (with the codes they use)."""
    rows = checklist_store.list_checklists(db)
    for row in rows:
        used = {q.procedure.upper() for q in checklist_store.load_version(db, row["version_id"]).all_questions()
                if q.procedure}
        row["procedures_here"] = sorted(used & codes)
    return sorted(rows, key=lambda r: (not r["procedures_here"], r["title"]))


# -- QR codes and label sheets ----------------------------------------------------------------------------------

def _download(body: bytes, mimetype: str, name: str, inline: bool = True):
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/w/<code>/qr.svg")
def qr_svg(code):
    """A station's QR code as SVG (for the screen)."""
    ws = _station(code)
    return _download(qr.svg(qr.station_url(base_url(), ws["code"])), "image/svg+xml", f"{ws['code']}.svg")


@bp.get("/w/<code>/qr.png")
def qr_png(code):
    """A station's QR code as PNG (for other documents or a label printer)."""
    ws = _station(code)
    return _download(qr.png(qr.station_url(base_url(), ws["code"])), "image/png", f"{ws['code']}.png")


@bp.get("/sites/<site_id>/labels")
def labels(site_id):
    """Choose the stations and paper for a label sheet."""
    db = get_db()
    site = ensure_found(data.get_site(db, site_id), "view_site", site_key="id")
    return render_template("stations/labels.html", site=site, workstations=data.list_workstations(db, site_id),
                           base=base_url(), local_base=is_local(base_url()), papers=qr.PAPERS)


@bp.get("/sites/<site_id>/labels.pdf")
def labels_pdf(site_id):
    """A printable PDF label sheet for a site's stations, or the chosen ones (?ws=<id>&ws=…&paper=a4|letter)."""
    db = get_db()
    site = ensure_found(data.get_site(db, site_id), "view_site", site_key="id")
    paper = request.args.get("paper", "a4").lower()
    if paper not in qr.PAPERS:
        abort(400, description="Choose A4 or US Letter paper.")
    stations = [w for w in data.list_workstations(db, site_id) if w["active"]]
    chosen = set(request.args.getlist("ws"))
    if chosen:
        stations = [w for w in data.list_workstations(db, site_id) if w["id"] in chosen]
    if not stations:
        abort(404, description="No workstation of this site was chosen; pick at least one.")
    body = qr.label_sheet(labels_for(stations, base_url()), paper, title=f"FieldAudit labels — {site['code']}")
    return _download(body, "application/pdf", f"labels-{site['code']}-{paper}.pdf",
                     inline=request.args.get("download") != "1")


@bp.app_template_global("station_scan_url")
def station_scan_url(code: str) -> str:
    """The absolute URL a station's label holds (for showing it beside the QR code)."""
    return qr.station_url(base_url(), code) if code else url_for("scan.search")


@bp.app_template_filter("is_local_url")
def is_local_url(url: str) -> bool:
    """Whether a label address opens only on this computer (localhost), which no tablet can reach."""
    return is_local(url)
