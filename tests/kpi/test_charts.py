"""Chart geometry and the SVG macros: values map to heights, marks carry their numbers and links, tables beneath."""
import pytest
from flask import render_template_string

from fieldaudit.kpi import charts


@pytest.mark.parametrize("value,top", [(0, 1), (0.4, 1), (1, 1), (3, 5), (7, 10), (12, 20), (51, 100), (100, 100),
                                       (101, 200), (4999, 5000)])
def test_nice_max(value, top):
    assert charts.nice_max(value) == top


@pytest.mark.parametrize("top,steps", [(1, 1), (2, 2), (5, 5), (10, 5), (20, 5), (100, 5), (200, 5)])
def test_ticks_are_round(top, steps):
    assert charts.tick_count(top) == steps


def test_bar_heights_are_proportional_and_none_is_no_bar():
    chart = charts.bars("Audits", ["2026-01", "2026-02", "2026-03"], [2, None, 4], series="Audits",
                        hrefs=["/a", "/b", "/c"])
    left, top, right, bottom = chart.plot
    assert [m.text for m in chart.marks] == ["Audits, 2026-01: 2", "Audits, 2026-03: 4"]
    first, third = chart.marks
    assert third.h == pytest.approx(2 * first.h) and third.y + third.h == pytest.approx(bottom)
    assert third.h == pytest.approx((bottom - top) * 4 / 5)  # top of the axis: 5
    assert [m.href for m in chart.marks] == ["/a", "/c"]


def test_stacked_bars_stack_and_skip_zeros():
    chart = charts.stacked("Findings", ["Jan", "Feb"], [("Major", [1, 0]), ("Minor", [3, 2])])
    assert [m.text for m in chart.marks] == ["Major, Jan: 1", "Minor, Jan: 3", "Minor, Feb: 2"]
    major, minor, _ = chart.marks
    assert minor.y + minor.h == pytest.approx(major.y)  # minor sits on major
    assert [name for name, _ in chart.legend] == ["Major", "Minor"]


def test_lines_break_where_a_month_has_no_data():
    chart = charts.lines("Score", ["1", "2", "3", "4"], [("A", [50, None, 70, 80])], top_value=100, unit=" %")
    assert len(chart.paths) == 1 and len(chart.paths[0][0].split()) == 2
    assert [m.text for m in chart.marks] == ["A, 1: 50 %", "A, 3: 70 %", "A, 4: 80 %"]


def test_empty_chart_says_so():
    assert charts.bars("x", ["a"], [0]).empty and charts.lines("x", ["a"], [("s", [None])]).empty


def test_svg_macro_draws_each_mark_with_its_label_and_link(app):
    chart = charts.stacked("Findings", ["Jan"], [("Major", [1]), ("Minor", [3])], hrefs=[["/m?x=1&y=2"], [None]])
    with app.test_request_context():
        html = render_template_string('{% from "kpi/_charts.html" import svg %}{{ svg(c, "f") }}', c=chart)
    assert html.count("<rect class=\"chart-mark\"") == 2
    assert '<a class="chart-link" href="/m?x=1&amp;y=2" aria-label="Major, Jan: 1">' in html
    assert 'role="img" aria-label="Minor, Jan: 3"' in html  # no link: the mark itself is named
    assert '<title id="f-title">Findings</title>' in html and "<script" not in html
