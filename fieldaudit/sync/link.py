"""The device's side of pairing: trade a code for a token at the hub and remember the hub in settings.

Once `hub_url` is set the device is paired (settings.hub_paired): reference data becomes read-only here and arrives
from the hub. The token is kept in the device's database, which is private to the server's account (db.make_private).
"""
import platform

import requests

from .. import __version__, settings
from .. import db as dbm
from ..refusal import Refusal
from .api import PROTOCOL_VERSION

TIMEOUT = (5, 30)


def normalize_hub_url(url: str) -> str:
    """The hub's base URL without a trailing slash; only http(s)."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise Refusal("The hub address starts with https:// (or http:// on a test network).", 422)
    return url


def pair_with_hub(db, hub_url: str, code: str, *, name: str | None = None, session=None) -> dict:
    """Pair this installation with the hub at `hub_url` using a code made there; returns what the hub said."""
    hub_url = normalize_hub_url(hub_url)
    http = session or requests
    if settings.get(db, "hub_token") and not _revoked(db, http):
        raise Refusal(f"This server is already paired with {settings.get(db, 'hub_url')}.", 409)
    body = {"code": code, "installation_id": settings.device_id(db), "name": name or platform.node() or "site server",
            "app_version": __version__}
    try:
        reply = http.post(f"{hub_url}/sync/v1/pair", json=body, timeout=TIMEOUT,
                          headers={"X-FieldAudit-Protocol": PROTOCOL_VERSION})
    except requests.RequestException as exc:
        raise Refusal(f"The hub at {hub_url} could not be reached ({type(exc).__name__}). Check the address and "
                      "the network, then try again.", 502) from exc
    try:
        answer = reply.json()
    except ValueError:
        answer = {}
    if reply.status_code != 201:
        message = answer.get("message") or f"The hub answered {reply.status_code}."
        raise Refusal(message, 422 if reply.status_code < 500 else 502)
    with dbm.transaction(db):
        for key, value in (("hub_url", hub_url), ("hub_token", answer["token"]),
                           ("hub_device_id", answer["device_id"]), ("hub_id", answer["hub_id"]),
                           ("hub_site_ids", ",".join(answer["site_ids"]))):
            settings.put(db, key, value)
    return answer


def _revoked(db, http) -> bool:
    """Whether the hub refuses this device's token (revoked or forgotten there): only then may it pair again. Its
    outbox stays as it is, so what waited goes up under the new token with its original authors."""
    try:
        reply = http.get(f"{settings.get(db, 'hub_url')}/sync/v1/whoami", timeout=TIMEOUT, headers={
            "Authorization": f"Bearer {settings.get(db, 'hub_token')}", "X-FieldAudit-Protocol": PROTOCOL_VERSION})
    except requests.RequestException:
        return False  # a hub that does not answer has not said the token is dead
    return reply.status_code == 401


def hub_link(db) -> dict | None:
    """The hub this device is paired with (url, device id, sites), or None when standalone."""
    url = settings.get(db, "hub_url")
    if not url:
        return None
    return {"url": url, "device_id": settings.get(db, "hub_device_id"), "hub_id": settings.get(db, "hub_id"),
            "site_ids": [s for s in (settings.get(db, "hub_site_ids") or "").split(",") if s]}
