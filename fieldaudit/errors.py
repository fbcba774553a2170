"""One place that turns errors into pages, fragments or JSON with a message a person can act on."""
from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from . import forms
from .htmx import is_htmx
from .refusal import Refusal
from .security import TOKEN_BLUEPRINTS

TITLES = {
    400: "That request could not be used",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed this way",
    409: "Managed elsewhere",
    413: "Too large",
    429: "Too many attempts",
    500: "Something went wrong",
}

DEFAULT_MESSAGES = {
    403: "Your role does not allow this. Ask your quality manager or administrator if you need it.",
    404: "There is nothing here, or it is not part of the sites you work at.",
    405: "This page cannot be used that way.",
    413: "What you sent is larger than this server accepts.",
    500: "The server hit an unexpected problem; nothing half-done was saved. Try again, and tell your "
         "administrator if it happens again.",
}


def _wants_json() -> bool:
    if request.blueprint in TOKEN_BLUEPRINTS:
        return True  # the sync API speaks JSON whatever a device's client accepts, even when the server fails
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def handle_http(exc: HTTPException):
    """Render an HTTP error for a person (or a program)."""
    code = exc.code or 500
    # A description given at abort() is ours and meant for the user; werkzeug's stock one is replaced.
    custom = exc.description and exc.description != type(exc).description
    message = exc.description if custom else DEFAULT_MESSAGES.get(code, exc.description)
    if _wants_json():
        response = jsonify(error=TITLES.get(code, exc.name), message=message, status=code)
        response.status_code = code
    else:
        template = "errors/_message.html" if is_htmx() else "errors/page.html"
        response = render_template(template, code=code, title=TITLES.get(code, exc.name), message=message), code
    return response


def handle_refusal(exc: Refusal):
    """A refusal re-renders the view's form when it registered one for that status (forms.py); otherwise it
    becomes its own status and message, in every blueprint."""
    render = forms.form_for(exc.status)
    if render is not None:
        response = make_response(render(exc.message))
    else:
        http = default_exceptions.get(exc.status, default_exceptions[400])
        response = make_response(handle_http(http(description=exc.message)))
    response.status_code = exc.status
    if getattr(exc, "retry_after", None):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def handle_unexpected(exc: Exception):
    """Never show a traceback page; log it and answer 500."""
    from flask import current_app
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http(InternalServerError())


def init_app(app) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Refusal, handle_refusal)
    app.register_error_handler(Exception, handle_unexpected)
