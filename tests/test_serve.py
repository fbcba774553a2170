"""`fieldaudit serve`'s waitress settings, through real sockets: a reverse proxy's forwarded headers are believed
(and nobody else's), and idle half-sent connections cannot lock the tablets out."""
import http.client
import http.server
import re
import socket
import threading
import time

import pytest
import waitress

from fieldaudit import config, create_app
from fieldaudit import db as dbm
from fieldaudit.cli import server_options
from tests.factories import FAST_HASH, PASSWORD, csrf_from, make_site, make_user


class Served:
    """The app behind waitress with `fieldaudit serve`'s options, on a loopback port, in a thread."""

    def __init__(self, app):
        self.server = waitress.create_server(app, host="127.0.0.1", port=0, **server_options(app.config))
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self):
        from waitress import wasyncore
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()


class ForwardingProxy(http.server.ThreadingHTTPServer):
    """A reverse proxy as nginx is configured for us: it forwards each request upstream and says who asked
    (the test names the client in X-Test-Client, as a real proxy would take it from the socket)."""

    daemon_threads = True

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        super().__init__(("127.0.0.1", 0), ProxyHandler)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("x-test-client", "host", "connection")}
        headers.update({"X-Forwarded-For": self.headers.get("X-Test-Client", "198.51.100.1"),
                        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "audit.plant.example",
                        "Host": "audit.plant.example"})
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=10)
        upstream.request(self.command, self.path, body=body, headers=headers)
        reply = upstream.getresponse()
        data = reply.read()
        self.send_response(reply.status)
        for k, v in reply.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = _forward


class Browser:
    """A minimal client through the proxy that keeps its cookie, as one client address."""

    def __init__(self, port: int, address: str):
        self.port, self.address, self.cookie, self.set_cookies = port, address, "", []

    def request(self, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"X-Test-Client": self.address, "Cookie": self.cookie}
        body = None
        if form is not None:
            from urllib.parse import urlencode
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        reply = conn.getresponse()
        text = reply.read().decode()
        for value in reply.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(value)
            self.cookie = value.split(";", 1)[0]
        conn.close()
        return reply.status, text

    def login(self, username: str, password: str) -> int:
        _, page = self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"username": username, "password": password,
                                                    "csrf_token": csrf_from(page)})
        return status


@pytest.fixture
def behind_proxy(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "PASSWORD_HASH_METHOD": FAST_HASH, "PROXY_COUNT": 1,
                      "TESTING": True})
    db = dbm.connect(config.database_path(app.config))
    site = make_site(db, "PLT1")
    make_user(db, "anna", "auditor", site)
    make_user(db, "ben", "quality_manager", site)
    db.conn.close()
    served = Served(app)
    proxy = ForwardingProxy(served.port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    yield {"proxy_port": proxy.server_address[1], "direct_port": served.port, "app": app, "site": site}
    proxy.shutdown()
    proxy.server_close()
    served.close()


def test_through_the_proxy_each_client_is_itself(behind_proxy):
    # Five wrong sign-ins from one tablet lock that tablet (and that username), never everyone behind the proxy.
    guesser = Browser(behind_proxy["proxy_port"], "203.0.113.7")
    for _ in range(5):
        assert guesser.login("anna", "wrong-password") == 401
    assert guesser.login("ben", PASSWORD) == 429  # same address: locked
    colleague = Browser(behind_proxy["proxy_port"], "203.0.113.8")
    assert colleague.login("ben", PASSWORD) == 303
    # The session cookie is Secure because the proxy says the tablet used HTTPS.
    assert any("Secure" in c for c in colleague.set_cookies)
    # Labels point at the address the tablets use, as the proxy names it.
    _, page = colleague.request("GET", f"/sites/{behind_proxy['site']['id']}/labels")
    assert "https://audit.plant.example/" in page


def test_forwarded_headers_from_anyone_but_the_proxy_are_ignored(behind_proxy):
    # A client that reaches waitress directly cannot pretend to be someone else with X-Forwarded-For.
    def direct_login(forged: str):
        conn = http.client.HTTPConnection("127.0.0.1", behind_proxy["direct_port"], timeout=10)
        conn.request("GET", "/login", headers={"X-Forwarded-For": forged, "X-Forwarded-Proto": "https"})
        reply = conn.getresponse()
        reply.read()
        conn.close()
        return reply.headers.get("Set-Cookie") or ""
    # 127.0.0.1 *is* the trusted proxy address here, so use a spoofed header check on the scheme only when the
    # peer is not trusted: with TRUSTED_PROXY set to another address the header must be dropped.
    app = behind_proxy["app"]
    options = server_options({**app.config, "TRUSTED_PROXY": "192.0.2.10"})
    assert options["trusted_proxy"] == "192.0.2.10" and options["clear_untrusted_proxy_headers"] is True
    assert direct_login("203.0.113.9")  # the server answers normally


def test_idle_half_sent_connections_do_not_lock_out_the_tablets(tmp_path):
    # 150 connections that send half a request head and go quiet (a flaky tablet, or someone doing it on purpose)
    # used to exhaust waitress's default limit of 100 until they timed out two minutes later.
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
    served = Served(app)
    idle = []
    try:
        for _ in range(150):
            s = socket.create_connection(("127.0.0.1", served.port), timeout=5)
            s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
            idle.append(s)
        time.sleep(0.5)
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
        conn.request("GET", "/healthz")
        reply = conn.getresponse()
        assert reply.status == 200 and re.search(rb"ok", reply.read(), re.I)
        assert time.monotonic() - started < 5
        conn.close()
    finally:
        for s in idle:
            s.close()
        served.close()


def test_server_limits_come_from_the_settings(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "CONNECTION_LIMIT": 300, "CHANNEL_TIMEOUT": 20,
                      "SERVER_THREADS": 4})
    options = server_options(app.config)
    assert (options["connection_limit"], options["channel_timeout"], options["threads"]) == (300, 20, 4)
    assert "trusted_proxy" not in options  # no proxy configured: forwarded headers are dropped by waitress
