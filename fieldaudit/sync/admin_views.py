"""Pairing screens: on the hub, the devices (fleet) and their pairing codes; on a site server, its hub link."""
import base64

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import forms
from ..appdb import get_db
from ..auth.access import ensure, ensure_found, ensure_sites, sites_with
from ..stations import data as stations
from ..stations import qr
from . import devices, fleet, link

bp = Blueprint("sync_admin", __name__, url_prefix="/admin")


def _hub_only() -> None:
    if current_app.config["MODE"] != "hub":
        abort(404, description="Devices are paired at the hub; this is a site server (see Hub link).")


def _device_only() -> None:
    if current_app.config["MODE"] == "hub":
        abort(404, description="This server is the hub; devices pair with it (see Devices).")


def _fleet(db, site_ids: list[str] | None) -> list[dict]:
    """The devices whose sites this admin manages (every site for a group admin)."""
    rows = devices.list_devices(db)
    if site_ids is not None:
        rows = [d for d in rows if set(d["site_ids"]) <= set(site_ids)]
    return fleet.fleet(db, rows)


def _render_devices(db, code: str | None = None, code_sites: list[dict] | None = None, error: str | None = None):
    managed = sites_with("manage_site")
    sites = stations.list_sites(db, managed)
    codes = {s["id"]: s["code"] for s in stations.list_sites(db)}
    pair_text = f"{request.host_url.rstrip('/')}#pair={code}" if code else None
    return render_template("sync/devices.html", fleet=_fleet(db, managed), sites=sites, site_codes=codes,
                           code=code, code_sites=code_sites or [], error=error,
                           code_qr=base64.b64encode(qr.png(pair_text, box_size=6)).decode() if pair_text else None,
                           hub_url=request.host_url.rstrip("/"), minutes=devices.CODE_MINUTES)


@bp.get("/devices")
def device_list():
    """The hub's fleet: every device of the admin's sites, with what the hub last heard from it."""
    _hub_only()
    return _render_devices(get_db())


@bp.post("/devices/code")
def make_code():
    """A single-use pairing code for the chosen sites, shown once as text and QR."""
    _hub_only()
    db = get_db()
    site_ids = request.form.getlist("site_id")
    forms.rerender_on_refusal(lambda error: _render_devices(db, error=error))
    for site_id in site_ids:
        ensure_found(stations.get_site(db, site_id), "manage_site", site_key="id")
    code = devices.make_code(db, site_ids, by=current_user.id)
    chosen = [stations.get_site(db, s) for s in site_ids]
    return _render_devices(db, code=code, code_sites=chosen)


@bp.post("/devices/<device_id>/revoke")
def revoke(device_id):
    """Revoke a device: its next sync call is refused; it keeps what it has not sent."""
    _hub_only()
    db = get_db()
    device = devices.get(db, device_id)
    if device is None:
        abort(404)
    ensure_sites("manage_site", device["site_ids"], every=True,
                 message="This device also serves sites you do not administer; ask a group administrator.")
    devices.revoke(db, device_id, by=current_user.id)
    flash(f"{device['name']} is revoked: its next sync is refused. Pair it again with a new code to resume.",
          "success")
    return redirect(url_for("sync_admin.device_list"), 303)


def _render_hub(db, error: str | None = None, form: dict | None = None):
    hub = link.hub_link(db)
    sites = {s["id"]: s for s in stations.list_sites(db)}
    return render_template("sync/hub.html", hub=hub, error=error, form=form or {},
                           hub_sites=[sites.get(s, {"id": s, "code": s, "name": ""}) for s in (hub or {}).get(
                               "site_ids", [])])


@bp.get("/hub")
def hub_page():
    """This site server's link to head office: pair it, or see which hub it syncs with."""
    _device_only()
    ensure("manage_site", None, "Pairing this server with a hub is for a group administrator.")
    return _render_hub(get_db())


@bp.post("/hub/pair")
def pair():
    """Pair with the hub using an address and a code made there (or the text of its QR code)."""
    _device_only()
    ensure("manage_site", None, "Pairing this server with a hub is for a group administrator.")
    db = get_db()
    form = {"hub_url": request.form.get("hub_url", "").strip(), "code": request.form.get("code", "").strip(),
            "name": request.form.get("name", "").strip()}
    hub_url, code = form["hub_url"], form["code"]
    if "#pair=" in hub_url:  # the QR code's text pasted whole
        hub_url, _, code = hub_url.partition("#pair=")
    forms.rerender_on_refusal(lambda error: _render_hub(db, error=error, form=form), statuses=(409, 422, 502))
    link.pair_with_hub(db, hub_url, code, name=form["name"] or None)
    flash("Paired with the hub. Sites, people, checklists and documents now come from head office.", "success")
    return redirect(url_for("sync_admin.hub_page"), 303)


@bp.app_context_processor
def sync_badge():
    """`sync_link()` for the header's badge: the hub this server is paired with, read only when a page shows it."""
    return {"sync_link": lambda: link.hub_link(get_db())}
