"""Real-browser fixtures: `live_server` (a seeded demo plant behind a real HTTP server), `browser` (one Chromium per
session), `new_page(width, height, *, mobile=False, allow=())` (a page in a fresh context; any console error,
uncaught exception, CSP violation or request to a non-loopback host fails the test) and `page` (a 768×1024 tablet
page). The code behind them is in harness.py.
"""
import pytest

from .harness import CHROMIUM_ARGS, Pages, chromium_executable, in_ci, serve_demo


@pytest.fixture
def live_server(tmp_path_factory):
    """A fresh data folder with the demo plant, served by waitress (8 threads) on 127.0.0.1."""
    server, live = serve_demo(tmp_path_factory.mktemp("live") / "data")
    try:
        yield live
    finally:
        server.stop()


@pytest.fixture(scope="module")
def plant_server(tmp_path_factory):
    """The whole demo plant (with its audits, CAPA and documents) behind a real server, shared by one module's
    read-only checks."""
    server, live = serve_demo(tmp_path_factory.mktemp("plant") / "data", history=True, threads=4)
    try:
        yield live
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium; skipped locally without it, a failure in CI (CI=true)."""
    executable = chromium_executable()
    if executable is None:
        if in_ci():
            pytest.fail("CI is set but Chromium is not installed (apt-get install chromium); e2e tests cannot run")
        pytest.skip("Chromium is not installed locally (apt-get install chromium); e2e tests run in CI")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a test dependency
        if in_ci():
            pytest.fail(f"CI is set but Playwright cannot be imported: {exc}")
        pytest.skip(f"Playwright is not installed: {exc}")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser):
    """`new_page(width=768, height=1024, *, mobile=False, allow=())` → a Playwright page with touch."""
    pages = Pages(browser)
    yield pages
    pages.close()


@pytest.fixture
def page(new_page):
    """A tablet page (768×1024, touch)."""
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a browser test whose pages logged a console error, an exception or a CSP violation."""
    result = yield
    pages = item.funcargs.get("new_page") if hasattr(item, "funcargs") else None
    if isinstance(pages, Pages):
        problems = pages.problems()
        if problems:
            pytest.fail("the browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)
    return result
