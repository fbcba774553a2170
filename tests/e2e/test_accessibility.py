"""axe-core over the main screens of each role, at tablet and phone size: no serious or critical violation.

axe is injected into pages of the demo plant with its history (audits, CAPA, documents) in a context that bypasses
the CSP (the app itself never allows injected scripts).
"""
from pathlib import Path

import pytest

from .harness import LiveServer, login

pytestmark = pytest.mark.slow

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"tablet": (768, 1024), "phone": (390, 844)}


def _first(server: LiveServer, sql: str) -> str:
    return server.rows(sql)[0]["x"]


def screens(server: LiveServer, role: str) -> list[str]:
    """The main screens a person of this role works with, as paths."""
    open_audit = _first(server, "SELECT id AS x FROM audits WHERE status = 'in_progress' ORDER BY number LIMIT 1")
    done_audit = _first(server, "SELECT id AS x FROM audits WHERE status = 'submitted' ORDER BY number LIMIT 1")
    capa = _first(server, "SELECT id AS x FROM capas ORDER BY number LIMIT 1")
    station = _first(server, "SELECT code AS x FROM workstations ORDER BY code LIMIT 1")
    document = _first(server, "SELECT id AS x FROM documents ORDER BY code LIMIT 1")
    draft = _first(server, "SELECT id AS x FROM checklist_versions WHERE status = 'draft' LIMIT 1")
    forklift = _first(server, "SELECT id AS x FROM checklists WHERE key = 'forklift-check'")
    common = ["/", "/w/", f"/w/{station}", "/documents/", f"/documents/{document}", "/account", "/tablet"]
    return {
        "auditor": common + ["/audits/", f"/audits/{open_audit}/run", f"/audits/{done_audit}", "/audits/new",
                             f"/audits/{open_audit}/findings", f"/audits/{open_audit}/submit"],
        "quality": common + ["/capa/", f"/capa/{capa}", "/capa/triage", "/capa/my-actions", "/checklists/",
                             f"/audits/{done_audit}", "/builder/", f"/builder/drafts/{draft}",
                             f"/builder/checklists/{forklift}/diff", "/programme/", "/programme/calendar", "/programme/people",
                             "/programme/layers",
                             f"/programme/plans/{_first(server, 'SELECT id AS x FROM audit_plans LIMIT 1')}"],
        "operator": common + ["/capa/my-actions"],
        "admin": ["/", "/sites", "/admin/users/"],
    }[role]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", ["auditor", "quality", "operator", "admin"])
def test_no_serious_accessibility_violations(browser, plant_server, role, viewport):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True,
                                  is_mobile=viewport == "phone", bypass_csp=True, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{plant_server.url}/login")
        found = [f"/login: {v}" for v in _violations(page)]
        login(page, plant_server, role, goto=False)
        for path in screens(plant_server, role):
            response = page.goto(plant_server.url + path)
            assert response.status == 200, (path, response.status)
            found += [f"{path}: {v}" for v in _violations(page)]
    finally:
        context.close()
    assert not found, "axe found serious or critical violations:\n  " + "\n  ".join(found)


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
