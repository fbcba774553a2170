"""A quality manager builds a small checklist in the browser (a section, three question types, a show_if), publishes
it, and an auditor runs an audit with it."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .harness import login
from .test_audit_run import question, sign_and_submit, tap_choice, type_and_blur

pytestmark = pytest.mark.slow


def saved(page, action, revision: int) -> int:
    """Do an edit and wait until the editor came back with the next revision."""
    action()
    expect(page.locator("#draft-editor")).to_have_attribute("data-revision", str(revision + 1))
    return revision + 1


def card(page, si: int, qi: int):
    return page.locator(f"#q-card-{si}-{qi}")


def fill(page, field_id: str, text: str, revision: int) -> int:
    """Type into a builder field and leave it (Tab), which autosaves the question."""
    def action():
        field = page.locator(f"#{field_id}")
        field.fill(text)
        field.press("Tab")
    return saved(page, action, revision)


def drag(page, source: str, target: str) -> None:
    """HTML5 drag and drop of one question card onto another, as the browser fires it (Playwright's mouse drag
    starts from a stale point once the page scrolls, so the events are dispatched with a real DataTransfer)."""
    transfer = page.evaluate_handle("() => new DataTransfer()")
    page.dispatch_event(source, "dragstart", {"dataTransfer": transfer})
    page.dispatch_event(target, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(target, "drop", {"dataTransfer": transfer})
    page.dispatch_event(source, "dragend", {"dataTransfer": transfer})


def add_question(page, qtype: str, revision: int) -> int:
    page.locator("#add-0-type").select_option(qtype)
    return saved(page, lambda: page.get_by_role("button", name="Add question").click(), revision)


def test_a_checklist_built_in_the_browser_is_audited(live_server, new_page, tmp_path):
    page = new_page(1280, 900)
    login(page, live_server, "quality", tap=False)
    page.goto(f"{live_server.url}/builder/")
    page.get_by_label("Title").fill("Press guard walk")
    with page.expect_navigation():
        page.get_by_role("button", name="Create draft").click()
    assert re.match(r"/builder/drafts/\w+$", urlsplit(page.url).path)
    rev = int(page.locator("#draft-editor").get_attribute("data-revision"))
    rev = fill(page, "s-0-title", "Press", rev)

    rev = add_question(page, "yes_no", rev)
    rev = fill(page, "f-0-0-text", "Guard closed", rev)
    rev = fill(page, "f-0-0-id", "guard", rev)
    rev = add_question(page, "numeric", rev)
    rev = fill(page, "f-0-1-text", "Torque reading", rev)
    rev = fill(page, "f-0-1-id", "torque", rev)
    rev = fill(page, "f-0-1-unit", "Nm", rev)
    rev = fill(page, "f-0-1-min", "abc", rev)
    expect(card(page, 0, 1).locator(".field-error")).to_contain_text("'min' must be a number")
    rev = fill(page, "f-0-1-min", "10", rev)
    rev = fill(page, "f-0-1-max", "12", rev)
    expect(card(page, 0, 1).locator(".field-error")).to_have_count(0)
    rev = add_question(page, "text", rev)
    rev = fill(page, "f-0-2-text", "Why is the guard open?", rev)
    rev = fill(page, "f-0-2-id", "why", rev)

    # The keyboard alternative to dragging: move the text question up, above torque, and back down.
    rev = saved(page, lambda: card(page, 0, 2).get_by_role("button", name="Move up").click(), rev)
    expect(page.locator("#f-0-1-id")).to_have_value("why")
    rev = saved(page, lambda: card(page, 0, 1).get_by_role("button", name="Move down").click(), rev)
    expect(page.locator("#f-0-2-id")).to_have_value("why")

    # Drag and drop: "why" to the top, then guard and torque back above it.
    rev = saved(page, lambda: drag(page, "#q-card-0-2", "#q-card-0-0"), rev)
    expect(page.locator("#f-0-0-id")).to_have_value("why")
    rev = saved(page, lambda: drag(page, "#q-card-0-1", "#q-card-0-0"), rev)
    rev = saved(page, lambda: drag(page, "#q-card-0-2", "#q-card-0-1"), rev)
    assert [page.locator(f"#f-0-{i}-id").input_value() for i in range(3)] == ["guard", "torque", "why"]

    # show_if offers the earlier questions that can be named by answer: only "guard" here.
    expect(page.locator("#f-0-2-show_if option")).to_have_count(2)
    rev = saved(page, lambda: page.locator("#f-0-2-show_if").select_option("guard"), rev)
    rev = saved(page, lambda: page.locator("#f-0-2-show_if-no").check(), rev)

    # The preview is the auditor's own question partial.
    preview = page.locator(".builder-preview")
    expect(preview.locator("#q-guard .choice")).to_have_count(2)
    expect(preview.locator("#q-torque .unit")).to_have_text("Nm")
    expect(preview).to_contain_text("Shown only for some answers")
    expect(page.locator("#draft-problems")).to_contain_text("valid and can be published")

    page.screenshot(path=str(tmp_path / "builder-1280x900.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Publish as version 1").click()
    assert urlsplit(page.url).path.startswith("/checklists/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Press guard walk")
    version = live_server.rows("SELECT v.id, v.status, v.version FROM checklist_versions v JOIN checklists c"
                               " ON c.id = v.checklist_id WHERE c.key = 'press-guard-walk'")
    assert [(v["status"], v["version"]) for v in version] == [("published", 1)]

    # An auditor (on a tablet) starts an audit with it, answers so the show_if question appears, and submits.
    tablet = new_page()
    login(tablet, live_server, "auditor")
    tablet.goto(f"{live_server.url}/audits/new")
    if tablet.locator("a.tile", has_text="Riverside Plant").count():
        with tablet.expect_navigation():
            tablet.locator("a.tile", has_text="Riverside Plant").tap()
    tablet.locator("label.choice", has_text="Press guard walk").tap()
    tablet.get_by_role("button", name="Start audit").tap()
    tablet.wait_for_url(re.compile(r"/audits/[^/]+/sections/press$"))
    audit_id = urlsplit(tablet.url).path.split("/")[2]
    expect(question(tablet, "why")).to_be_hidden()
    tap_choice(tablet, "guard", "No")
    expect(tablet.locator("div.question#q-why")).to_be_visible()
    type_and_blur(tablet, "why", "Removed for cleaning")
    type_and_blur(tablet, "torque", "11")
    with tablet.expect_navigation():
        tablet.get_by_role("link", name=re.compile("Review and submit")).tap()
    sign_and_submit(tablet, live_server)
    tablet.locator("label.check", has_text="needs no finding").tap()  # "no" proposes a minor: waived here
    with tablet.expect_navigation():
        tablet.get_by_role("button", name="Sign and submit").tap()
    audit = live_server.rows("SELECT status, answered_count, visible_count FROM audits WHERE id = ?", (audit_id,))[0]
    assert audit == {"status": "submitted", "answered_count": 3, "visible_count": 3}
