"""The in-app label scanner on /w/ in real Chromium, fed a label made by the app's own QR code module as a fake camera
(a YUV4MPEG2 file): it decodes the label and opens the station page with a normal navigation; a label of another
host is reported and not followed; a refused camera says so and the code form still works."""
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from fieldaudit.stations import qr

from .harness import CHROMIUM_ARGS, Pages, chromium_executable, login

pytestmark = pytest.mark.slow
WIDTH, HEIGHT, MODULE = 640, 480, 8


def write_y4m(path: Path, modules: list[list[bool]], frames: int = 3) -> Path:
    """A 640×480 C420 YUV4MPEG2 video of a QR code, black on white in the middle of a grey frame; written by hand
    (no Pillow, no numpy) so the test depends on nothing but the QR module under test."""
    side = len(modules) * MODULE
    left, top = (WIDTH - side) // 2, (HEIGHT - side) // 2
    luma = bytearray([128]) * (WIDTH * HEIGHT)  # grey surroundings, like a wall around a label
    for y in range(side):
        row = modules[y // MODULE]
        start = (top + y) * WIDTH + left
        luma[start:start + side] = bytes(16 if row[x // MODULE] else 235 for x in range(side))
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))  # no colour
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


@pytest.fixture
def camera(browser, tmp_path):
    """`camera(url)` → a Pages factory of a Chromium whose camera shows a label holding `url`."""
    launched = []

    def start(url: str, *, grant: bool = True) -> Pages:
        video = write_y4m(tmp_path / f"label-{len(launched)}.y4m", qr.matrix(url))
        args = CHROMIUM_ARGS + ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
        if grant:
            args.append("--use-fake-ui-for-media-stream")  # the camera prompt answers "Allow"
        # A browser of its own: the fake camera is chosen at launch. Same Playwright, same Debian Chromium.
        chromium = browser.browser_type.launch(executable_path=chromium_executable(), headless=True, args=args)
        pages = Pages(chromium)
        launched.append((chromium, pages))
        return pages

    yield start
    problems = []
    for chromium, pages in launched:
        problems += pages.problems()
        pages.close()
        chromium.close()
    assert not problems, "the browser reported problems:\n  " + "\n  ".join(problems)


def scan(page):
    page.get_by_role("button", name="Scan a label").tap()


def test_scanning_a_label_opens_its_station_page(live_server, camera):
    pages = camera(qr.station_url(live_server.url, "ASM-01"))
    page = pages()
    login(page, live_server, "auditor")
    page.goto(f"{live_server.url}/w/")
    with page.expect_navigation(url=re.compile(r"/w/ASM-01$"), timeout=20_000) as navigation:
        scan(page)
    assert navigation.value.ok
    expect(page.get_by_role("heading", name="Torque station 1")).to_be_visible()
    # Chromium on Linux has no BarcodeDetector: the vendored decoder did the work (and loaded under the CSP).
    assert any("/vendor/jsqr/jsQR-1.4.0." in url for url in pages.requests(page))
    # The camera was let go of before leaving.
    assert urlsplit(page.url).path == "/w/ASM-01"


def test_a_label_of_another_host_is_reported_not_followed(live_server, camera):
    pages = camera("https://audit.other-plant.example/w/ASM-01")
    page = pages()
    login(page, live_server, "auditor")
    page.goto(f"{live_server.url}/w/")
    scan(page)
    status = page.get_by_role("status").filter(has_text="another server")
    expect(status).to_contain_text("audit.other-plant.example", timeout=20_000)
    assert urlsplit(page.url).path == "/w/"
    assert not pages.log(page).off_loopback()
    page.get_by_role("button", name="Stop the camera").tap()
    expect(page.get_by_role("button", name="Scan a label")).to_be_visible()
    # The code form is still the way in.
    page.get_by_label("Station code or name").fill("ASM-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").tap()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("ASM-01")).tap()
    expect(page.get_by_role("heading", name="Torque station 1")).to_be_visible()


def test_a_refused_camera_says_so_and_typing_the_code_still_works(live_server, camera):
    pages = camera(qr.station_url(live_server.url, "ASM-01"), grant=False)
    page = pages()  # headless Chromium without the fake prompt refuses camera access
    login(page, live_server, "operator")
    page.goto(f"{live_server.url}/w/")
    scan(page)
    expect(page.get_by_role("status").filter(has_text="Camera")).to_contain_text("Camera access was refused")
    assert urlsplit(page.url).path == "/w/"
    page.get_by_label("Station code or name").fill("leak")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").tap()
    expect(page.get_by_role("link", name=re.compile("ASM-03"))).to_be_visible()


def test_without_javascript_there_is_no_dead_scan_button(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, live_server, "auditor", tap=False)
        page.goto(f"{live_server.url}/w/")
        expect(page.get_by_role("button", name="Find")).to_be_visible()
        expect(page.get_by_role("button", name="Scan a label")).to_have_count(0)
    finally:
        context.close()


# Requests that fail while the context is offline are logged by Chromium as console errors; they are the test.
OFFLINE_NOISE = (r"net::ERR_INTERNET_DISCONNECTED", r"Failed to load resource", r"Failed to fetch")


# The service worker (fieldaudit/offline/) stores an audit's station page in the user's pages cache when the
# audit is opened; the scanner then opens it with no network.
def test_offline_a_scanned_label_opens_the_stored_station_page(plant_server, camera):
    from fieldaudit.audits import data
    from fieldaudit.auth import users
    from fieldaudit.checklists import store
    from fieldaudit.stations import data as stations

    db = plant_server.db()
    try:
        site = stations.get_site_by_code(db, "PLT1")
        workstation = next(w for w in stations.list_workstations(db, site["id"]) if w["code"] == "ASM-01")
        version = store.list_checklists(db)[0]
        audit = data.create_audit(db, site=site, checklist_version_id=version["version_id"],
                                  auditor_id=users.get_user_by_username(db, "auditor")["id"], workstation=workstation)
    finally:
        db.conn.close()
    pages = camera(qr.station_url(plant_server.url, "ASM-01"))
    page = pages(allow=OFFLINE_NOISE)
    login(page, plant_server, "auditor")
    page.goto(f"{plant_server.url}/audits/{audit['id']}/run")  # taking the audit offline stores its station page
    page.wait_for_function("""id => window.FieldAuditOffline && FieldAuditOffline.storedAudits()
        .then(list => { window.__stored = list.find(a => a.id === id); }) && window.__stored""", arg=audit["id"],
        timeout=20_000)
    page.goto(f"{plant_server.url}/w/")
    page.context.set_offline(True)
    try:
        with page.expect_navigation(url=re.compile(r"/w/ASM-01$"), timeout=20_000) as navigation:
            scan(page)
        assert navigation.value.from_service_worker
        expect(page.get_by_role("heading", name="Torque station 1")).to_be_visible()
    finally:
        page.context.set_offline(False)
