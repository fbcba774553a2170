"""On the hub: keep what a device reported with its pull (backlog, photos, set-aside) for the fleet view."""
from flask import g, request

from .. import appdb
from . import fleet
from .api import bp


@bp.after_request
def keep_device_report(response):
    """After a successful pull by an authenticated device, record the figures its headers carried."""
    device = g.get("device")
    if device is not None and request.endpoint == "sync_api.pull_page" and response.status_code == 200:
        fleet.record_report(appdb.get_db(), device["id"], fleet.parse_report(request.headers))
    return response
