"""The KPI dashboard in a real browser at 1024×768: charts read back with their numbers, the same as the tables
beneath, a bar leads to its records, and a table downloads as CSV."""
import csv
import io
import re

import pytest
from playwright.sync_api import expect

from .harness import login

pytestmark = pytest.mark.slow


def table_of(page, figure: str) -> list[list[str]]:
    """The rows of the table beneath a chart, as text."""
    return page.locator(f"#{figure} table tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.children).map(c => c.textContent.trim()))")


def test_dashboard_charts_match_their_tables_and_download(plant_server, new_page, tmp_path):
    page = new_page(1024, 768)
    login(page, plant_server, "quality")
    with page.expect_navigation():
        page.get_by_role("link", name="KPI", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("KPI dashboard")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Audits per month: every bar's accessible name is the month and count of the table's row.
    rows = {r[0]: int(r[1]) for r in table_of(page, "chart-audits")}
    labels = page.locator("#chart-audits svg a.chart-link").evaluate_all(
        "links => links.map(a => a.getAttribute('aria-label'))")
    bars = {m.group(1): int(m.group(2)) for m in (re.fullmatch(r"Audits, (\d{4}-\d{2}): (\d+)", x) for x in labels)}
    assert bars == rows  # an empty month is a bar of 0, named like the others
    assert sum(rows.values()) >= 12 and sum(1 for n in rows.values() if n) >= 8  # a year of demo audits

    # Findings by severity: the stacked segments sum to the table's totals per month.
    severity = table_of(page, "chart-severity")
    names = page.locator("#chart-severity svg .chart-mark").evaluate_all(
        "marks => marks.map(m => m.querySelector('title').textContent)")
    per_month = {}
    for name in names:
        month, value = re.fullmatch(r".+, (\d{4}-\d{2}): (\d+)", name).groups()
        per_month[month] = per_month.get(month, 0) + int(value)
    assert per_month == {r[0]: int(r[-1]) for r in severity if int(r[-1])}

    # A bar leads to the findings behind it: as many as it says.
    link = page.locator("#chart-severity svg a.chart-link").first
    expected = int(link.get_attribute("aria-label").rsplit(": ", 1)[1])
    with page.expect_navigation():
        link.click()
    expect(page.locator("#records tbody tr")).to_have_count(expected)
    page.go_back()

    # The clause table downloads as CSV with the same rows.
    clauses = table_of(page, "chart-clauses")
    with page.expect_download() as info:
        page.locator("#chart-clauses").get_by_role("link", name="CSV of this table").click()
    text = (tmp_path / "clauses.csv")
    info.value.save_as(text)
    lines = list(csv.reader(io.StringIO(text.read_text())))
    assert lines[0] == ["Clause", "Major", "Minor", "Total"] and lines[1:] == clauses
