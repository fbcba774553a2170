"""How a form comes back when the data layer refuses what was typed: the view says it once, errors.py does it.

A view that shows a form calls `rerender_on_refusal(render)` before the write. If the write raises a `Refusal` with
one of the given statuses (422 by default: the input was not acceptable), the error handler answers with
`render(message)` and that status instead of an error page, so what the person typed is shown again with the reason.
Any other refusal (403, 404, 409 …) still becomes the plain error page or fragment.
"""
from collections.abc import Callable, Iterable

from flask import g

Render = Callable[[str], object]


def rerender_on_refusal(render: Render, statuses: Iterable[int] = (422,)) -> None:
    """Register the form to show, with the refusal's message, for a refusal with one of `statuses`."""
    g.refusal_form = (render, frozenset(statuses))


def form_for(status: int) -> Render | None:
    """The form registered for a refusal with this status in this request, if any."""
    registered = g.get("refusal_form")
    if registered is None or status not in registered[1]:
        return None
    return registered[0]
