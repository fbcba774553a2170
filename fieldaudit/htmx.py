"""A small htmx helper (instead of the unmaintained htmx-flask): page or fragment, and HX-* response headers."""
from flask import make_response, render_template, request


def is_htmx() -> bool:
    """An htmx request that wants a fragment (not a boosted navigation nor a history restore)."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(page: str, fragment: str, status: int = 200, **context):
    """The whole page for a normal request, only the fragment for htmx; caches keep them apart."""
    response = make_response(render_template(fragment if is_htmx() else page, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect(location: str, status: int = 200):
    """Tell htmx to navigate the whole page (a 3xx would be followed inside the swap)."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = location
    return response
