"""Request ids on every response and, with the REQUEST_LOG setting, one JSON line per request on stderr.

A hub behind a load balancer runs several processes; an operator follows one request across them by its id: the
balancer's `X-Request-ID` is kept when it looks like an id, otherwise one is made here, and either way it is sent
back in the response. The line names who asked (user id, device id) but never a query string, form field, cookie
or token, so the log can be shipped to a log service as it is.
"""
import json
import logging
import re
import sys
import time

from flask import g, request
from flask_login import current_user

from . import ids

HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
logger = logging.getLogger("fieldaudit.requests")


def _start() -> None:
    g.request_started = time.perf_counter()
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SAFE_ID.fullmatch(given) else ids.new_id()


def _user_id() -> str | None:
    try:
        return current_user.id if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001 - a request refused before the user was loaded still gets its line
        return None


def line(response) -> dict:
    """The log record of this request and its response."""
    started = g.get("request_started", time.perf_counter())
    device = g.get("device")
    return {"ts": ids.now_iso(), "request_id": g.get("request_id"), "method": request.method,
            "path": request.path, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1), "user": _user_id(),
            "device": device["id"] if device else None, "remote": request.remote_addr}


def _finish(response):
    response.headers[HEADER] = g.get("request_id") or ids.new_id()
    if logger.isEnabledFor(logging.INFO) and g.get("request_log"):
        logger.info(json.dumps(line(response), separators=(",", ":")))
    return response


def _enabled() -> None:
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def init_app(app) -> None:
    """Stamp every request first (before the sign-in check can answer it) and log it last."""
    logging_on = bool(app.config.get("REQUEST_LOG"))
    if logging_on:
        _enabled()

    def start():
        _start()
        g.request_log = logging_on

    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request(_finish)
