"""The real-browser harness, as plain code the tests import: a waitress server thread on a loopback port with the
demo plant, headless Chromium's executable, pages that log every console error, CSP violation and off-loopback
request, and sign-in through the real form. The fixtures that use it are in conftest.py."""
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from fieldaudit import config, create_app, demo
from fieldaudit import db as dbm
from fieldaudit.appdb import blob_store_of

FAST_HASH = "pbkdf2:sha256:1000"
TABLET = (768, 1024)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# The page reports CSP violations itself, so a blocked inline script or style cannot go unnoticed.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def in_ci() -> bool:
    """Whether we run in CI, where a missing browser is a failure, not a reason to skip."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def chromium_executable() -> str | None:
    """The locally installed Chromium (Debian's package), never a browser Playwright downloads."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


# -- the server -------------------------------------------------------------------------------------------------

class ServerThread:
    """A waitress server on a free loopback port, run in a daemon thread; `stop()` ends it cleanly."""

    def __init__(self, app, threads: int = 8):
        import waitress

        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads, ident="FieldAudit")
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.run, name=f"waitress-{self.port}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Close every socket from inside the server's own loop, then stop its worker threads."""
        from waitress import wasyncore

        server = self.server
        # Closing the map from another thread races with the poll loop; the trigger runs the close in the loop.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        self.thread.join(timeout=10)
        if self.thread.is_alive():  # pragma: no cover - the loop did not wake up; close from here instead
            wasyncore.close_all(server._map)
            self.thread.join(timeout=5)
        server.task_dispatcher.shutdown()


@dataclass
class LiveServer:
    """The app behind a real HTTP server, with the demo plant's passwords."""

    url: str
    passwords: dict[str, str]
    data_dir: Path
    app: object

    def db(self):
        """A new connection to the server's database, SQLite or PostgreSQL (close it with `.conn.close()`)."""
        return dbm.connect(config.database_target(self.app.config))

    def rows(self, sql: str, params=()) -> list[dict]:
        """Rows of a query on the server's database, through a connection opened and closed for it."""
        db = self.db()
        try:
            return dbm.query(db, sql, params)
        finally:
            db.conn.close()


def serve_demo(data_dir: Path, *, history: bool = False, threads: int = 8, **settings):
    """A server thread over a fresh data folder with the demo plant (with its audits, CAPA and documents when
    `history`); `settings` add to the app's (MODE="hub", DATABASE_URL=… for a hub on PostgreSQL); returns (server,
    LiveServer)."""
    app = create_app({"DATA_DIR": str(data_dir), "PASSWORD_HASH_METHOD": FAST_HASH, **settings})
    db = dbm.connect(config.database_target(app.config))
    try:
        passwords = demo.load(db, blob_store_of(app), hash_method=FAST_HASH).passwords if history \
            else demo.seed(db, hash_method=FAST_HASH)
    finally:
        db.conn.close()
    server = ServerThread(app, threads=threads)
    return server, LiveServer(url=server.url, passwords=passwords, data_dir=Path(app.config["DATA_DIR"]), app=app)


@dataclass
class PageLog:
    """What one page did: console errors, uncaught exceptions and every request URL."""

    allow: list[re.Pattern] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def console(self, message) -> None:
        if message.type == "error" and not any(p.search(message.text) for p in self.allow):
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def page_error(self, error) -> None:
        self.problems.append(f"uncaught exception: {error}")

    def off_loopback(self) -> list[str]:
        """Requests that left this machine (an offline-first app must never need another host)."""
        return [u for u in self.requests
                if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname not in LOOPBACK]


class Pages:
    """Factory of pages, each in its own browser context (own cookies), with their logs."""

    def __init__(self, browser):
        self.browser = browser
        self.contexts = []
        self.logs: dict[object, PageLog] = {}

    def __call__(self, width: int = TABLET[0], height: int = TABLET[1], *, mobile: bool = False,
                 allow=()):
        """A new page at a viewport with touch; `allow` lists regexes of console errors the test expects."""
        context = self.browser.new_context(viewport={"width": width, "height": height}, has_touch=True,
                                           is_mobile=mobile, locale="en-GB", timezone_id="Europe/Berlin")
        self.contexts.append(context)
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        log = PageLog(allow=[re.compile(p) for p in allow])
        page.on("console", log.console)
        page.on("pageerror", log.page_error)
        page.on("request", lambda request: log.requests.append(request.url))
        self.logs[page] = log
        return page

    def log(self, page) -> PageLog:
        """The log of a page this factory made."""
        return self.logs[page]

    def requests(self, page) -> list[str]:
        """Every URL a page requested."""
        return self.logs[page].requests

    def problems(self) -> list[str]:
        """Everything that should fail the test, over all pages."""
        found = []
        for log in self.logs.values():
            found += log.problems
            found += [f"request to a non-loopback host: {u}" for u in log.off_loopback()]
        return found

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def login(page, server: LiveServer, username: str, *, password: str | None = None, goto: bool = True,
          tap: bool = True) -> None:
    """Sign in through the real form (tapped, as on a tablet) and wait until the app has let us in."""
    if goto:
        page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password or server.passwords[username])
    button = page.get_by_role("button", name="Sign in")
    with page.expect_navigation():
        button.tap() if tap else button.click()
    path = urlsplit(page.url).path
    if path == "/login":
        alert = page.locator("[role=alert]")
        reason = alert.first.inner_text() if alert.count() else "no message shown"
        raise AssertionError(f"sign-in as {username!r} failed: {reason}")
