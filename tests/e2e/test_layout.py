"""Phone, portrait and landscape tablet in a real browser: no main page scrolls sideways for any role, the menu keeps
every link reachable, and every control on the audit section, finding form, CAPA page and station page is a touch
target of at least 44×44 px. Run with SCREENSHOTS=docs/screenshots to refresh the pictures the README shows."""
import os
from pathlib import Path

import pytest

from .harness import LiveServer, login

pytestmark = pytest.mark.slow

VIEWPORTS = {"phone": (390, 844), "tablet": (768, 1024), "landscape": (1024, 768)}
MIN_TARGET = 44
# Each control is measured by what a finger hits: a control inside a label by its label (a checkbox, a hidden file
# input), a choice by its label; controls not shown (closed disclosures, hidden inputs) are skipped.
TARGETS_JS = """(min) => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const hit = el.closest('label') || el;
    const r = hit.getBoundingClientRect();
    const style = getComputedStyle(hit);
    if (!r.width || !r.height || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
    if (r.width < min || r.height < min) {
      const name = (hit.innerText || el.name || el.getAttribute('aria-label') || '').trim().slice(0, 40);
      small.push(`${hit.tagName.toLowerCase()}.${hit.className} "${name}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return small;
}"""


@pytest.fixture(scope="module")
def plant(plant_server):
    """The demo plant with its history, served (conftest.plant_server)."""
    return plant_server


def _first(server: LiveServer, sql: str) -> str:
    return server.rows(sql)[0]["x"]


def _ids(server: LiveServer) -> dict:
    return {
        "open": _first(server, "SELECT a.id AS x FROM audits a JOIN users u ON u.id = a.auditor_id"
                               " WHERE a.status = 'in_progress' AND u.username = 'auditor' ORDER BY a.number LIMIT 1"),
        "done": _first(server, "SELECT id AS x FROM audits WHERE status = 'submitted' ORDER BY number LIMIT 1"),
        "capa": _first(server, "SELECT c.id AS x FROM capas c JOIN sites s ON s.id = c.site_id WHERE s.code = 'PLT1'"
                               " ORDER BY c.number LIMIT 1"),
        "station": "ASM-01",
        "site": _first(server, "SELECT id AS x FROM sites WHERE code = 'PLT1'"),
        "document": _first(server, "SELECT id AS x FROM documents WHERE code = 'WI-ASM-012'"),
    }


def main_pages(server: LiveServer, role: str) -> list[str]:
    """The pages a person of this role works with every day."""
    i = _ids(server)
    common = ["/", "/w/ASM-01", "/documents/", f"/documents/{i['document']}", f"/sites/{i['site']}", "/account"]
    return {
        "auditor": common + ["/audits/", f"/audits/{i['open']}/run", f"/audits/{i['open']}/findings/new",
                             f"/audits/{i['open']}/findings", f"/audits/{i['open']}/submit", f"/audits/{i['done']}",
                             "/audits/new"],
        "quality": common + ["/capa/", f"/capa/{i['capa']}", "/capa/triage", "/capa/my-actions", "/checklists/"],
        "operator": common + ["/capa/my-actions"],
        "admin": ["/", "/sites", "/sites/new", f"/sites/{i['site']}", "/admin/users/"],
    }[role]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", ["auditor", "quality", "operator", "admin"])
def test_no_main_page_scrolls_sideways(new_page, plant, role, viewport):
    page = new_page(*VIEWPORTS[viewport], mobile=viewport == "phone")
    login(page, plant, role)
    wide = []
    for path in main_pages(plant, role):
        assert page.goto(plant.url + path).status == 200, path
        scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        if scroll > inner:
            wide.append(f"{path}: {scroll} px wide in {inner}")
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_control_on_the_floor_pages_is_a_44px_target(new_page, plant, viewport):
    i = _ids(plant)
    small = []
    for role, paths in (("auditor", [f"/audits/{i['open']}/run", f"/audits/{i['open']}/findings/new",
                                     f"/audits/{i['open']}/findings", "/w/ASM-01"]),
                        ("quality", [f"/capa/{i['capa']}", "/capa/", "/capa/triage", "/documents/",
                                     f"/documents/{i['document']}", "/w/ASM-01"])):
        page = new_page(*VIEWPORTS[viewport], mobile=viewport == "phone")
        login(page, plant, role)
        for path in paths:
            page.goto(plant.url + path)
            small += [f"{role} {path}: {s}" for s in page.evaluate(TARGETS_JS, MIN_TARGET)]
    assert not small, "controls smaller than 44×44 px:\n  " + "\n  ".join(small)


def test_the_phone_menu_reaches_every_link_without_javascript(new_page, plant):
    page = new_page(390, 844, mobile=True)
    login(page, plant, "quality")
    assert not page.locator(".mainnav-bar").is_visible()
    page.get_by_text("Menu", exact=True).tap()
    for name in ("Home", "Audits", "CAPA", "Checklists", "Documents", "Sites"):
        link = page.locator(".mainnav-menu").get_by_role("link", name=name, exact=True)
        box = link.bounding_box()
        assert link.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390, name
    with page.expect_navigation():
        page.locator(".mainnav-menu").get_by_role("link", name="Sites", exact=True).tap()
    assert page.url.endswith("/sites")


def test_the_site_code_pattern_compiles_and_checks(new_page, plant):
    """Bug 9: with the v flag the old pattern was a console error (which fails this test) and no check at all."""
    page = new_page(1024, 768)
    login(page, plant, "admin")
    page.goto(f"{plant.url}/sites/new")
    code = page.locator("input[name=code]")
    code.fill("bad code!")
    assert code.evaluate("el => el.validity.patternMismatch")
    code.fill("PLT-9")
    assert not code.evaluate("el => el.validity.patternMismatch")


def test_screenshots(new_page, plant):
    """Phone and tablet pictures of the floor pages; kept in docs/screenshots when SCREENSHOTS names that folder."""
    i = _ids(plant)
    folder = Path(os.environ.get("SCREENSHOTS") or plant.data_dir / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    shots = {"home": ("auditor", "/"), "audit-section": ("auditor", f"/audits/{i['open']}/run"),
             "station": ("auditor", "/w/ASM-01"), "capa-list": ("quality", "/capa/"), "home-quality": ("quality", "/")}
    for size, (width, height) in (("phone", VIEWPORTS["phone"]), ("tablet", VIEWPORTS["tablet"])):
        pages = {}
        for name, (role, path) in shots.items():
            if role not in pages:
                pages[role] = new_page(width, height, mobile=size == "phone")
                login(pages[role], plant, role)
            page = pages[role]
            page.goto(plant.url + path)
            shot = folder / f"{name}-{size}.png"
            page.screenshot(path=str(shot), full_page=size == "tablet")
            assert shot.stat().st_size > 10_000, shot
