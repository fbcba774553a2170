"""A requests-compatible transport over Flask test clients, with faults: drop, duplicate, lose the answer after
the hub committed, cut a body midway, and a hub "restart" (a new app object on the same files)."""
import gzip
import random
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class Faults:
    """Which fault hits which request: a seeded random mix, or a script of faults for the next requests."""

    KINDS = ("drop", "duplicate", "lose_answer", "cut", "restart")

    def __init__(self, rate: float = 0.0, seed: int = 0, kinds=KINDS, methods=None):
        """Faults hit a share `rate` of requests (of `methods`, default all), chosen from `kinds`."""
        self.rate, self.random, self.kinds = rate, random.Random(seed), tuple(kinds)
        self.methods = methods
        self.script: list[str] = []
        self.counts: dict[str, int] = {}

    def next(self) -> str | None:
        """The fault for the coming request, if any."""
        kind = self.script.pop(0) if self.script else (
            self.random.choice(self.kinds) if self.kinds and self.random.random() < self.rate else None)
        if kind:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        return kind


class FlaskTransport(BaseAdapter):
    """Send requests to a Flask app in process; `make_app` makes a fresh app object (a restart)."""

    def __init__(self, make_app, faults: Faults | None = None):
        """Serve with `make_app()`; faults as given."""
        super().__init__()
        self.make_app, self.faults = make_app, faults or Faults()
        self.app = make_app()
        self.wire = 0

    def session(self) -> requests.Session:
        """A requests session whose http:// calls come here."""
        session = requests.Session()
        session.mount("http://", self)
        return session

    def _call(self, request, body):
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        with self.app.test_client() as client:
            return client.open(path, method=request.method, headers=dict(request.headers), data=body)

    def send(self, request, **kwargs):
        """One request through the faults."""
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        fault = self.faults.next() if not self.faults.methods or request.method in self.faults.methods else None
        self.wire += len(body) // 2 if fault == "cut" else len(body)
        if fault == "drop":
            raise requests.ConnectionError("dropped before the hub got it")
        if fault == "restart":
            self.app = self.make_app()
        if fault == "cut":
            if request.method == "PATCH" and len(body) > 1:
                half = dict(request.headers)
                half["Content-Length"] = str(len(body) // 2)
                request.headers = CaseInsensitiveDict(half)
                self._call(request, body[: len(body) // 2])  # the hub keeps the bytes that arrived
            raise requests.ConnectionError("connection cut mid-body")
        answer = self._call(request, body)
        if fault == "duplicate":
            answer = self._call(request, body)
        if fault == "lose_answer":
            raise requests.ConnectionError("the answer was lost after the hub committed")
        return self._response(request, answer)

    def _response(self, request, answer):
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        content = answer.get_data()
        self.wire += len(content)
        if response.headers.get("Content-Encoding") == "gzip":
            content = gzip.decompress(content)
        response._content = content
        response.url, response.request, response.encoding = request.url, request, "utf-8"
        return response

    def close(self):
        """Nothing to close."""
