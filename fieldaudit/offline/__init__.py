"""The tablet's offline side: service worker, web app manifest, "take an audit offline", the This tablet page
(views.py), and what the browser's queue of changes made offline needs from the server (queue_views.py, rulebook.py)."""
from flask import request

# offline.js sends it on the requests that store pages, which are not the auditor opening them.
STORE_HEADER = "X-FieldAudit-Store"


def storing() -> bool:
    """Whether this request only stores a page on the tablet (so it must not move the audit's Resume point)."""
    return request.headers.get(STORE_HEADER) == "1"
