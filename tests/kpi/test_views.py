"""The dashboard pages: who sees which site, the charts with their tables and CSVs, and the records behind a mark."""
import csv
import io
import re
from datetime import date

import pytest

from fieldaudit.auth import users
from fieldaudit.kpi import dashboard, records
from fieldaudit.kpi.scope import make_scope
from tests.factories import make_site, make_user

PERIOD = "from=2026-01-01&to=2026-03-31"


@pytest.fixture
def mixed(db, plant, auth):
    """Quality manager at PLTA, operator at PLTB, no role at PLTC."""
    person = make_user(db, "mixed", "quality_manager", plant["a"])
    users.add_membership(db, person["id"], plant["b"]["id"], "operator")
    c = make_site(db, "PLTC", name="Plant C")
    auth.login("mixed")
    return {"a": plant["a"], "b": plant["b"], "c": c}


ROUTES = [
    ("get", "/kpi/sites/{id}?" + PERIOD),
    ("get", "/kpi/?site_id={id}&" + PERIOD),
    ("get", "/kpi/findings-by-severity.csv?site_id={id}&" + PERIOD),
    ("get", "/kpi/records?kind=findings&site_id={id}&" + PERIOD),
    ("get", "/kpi/sites/{id}/review.pdf?" + PERIOD),
    ("post", "/kpi/sites/{id}/review"),
]


@pytest.mark.parametrize("method,url", ROUTES)
def test_site_guard_allows_the_quality_manager_only_where_they_are_one(auth, mixed, kpi, method, url):
    for key, expected in (("a", 200), ("b", 403), ("c", 404)):
        target = url.format(id=mixed[key]["id"])
        if method == "get":
            response = auth.client.get(target)
        else:
            response = auth.post(target, {"from": "2026-01-01", "to": "2026-03-31"}, htmx=True)
        assert response.status_code == expected, (key, target, response.status_code)


def test_across_sites_shows_only_the_persons_sites(auth, mixed, kpi):
    page = auth.client.get("/kpi/?" + PERIOD).get_data(as_text=True)
    # PLTA's 5 audits of the period; B's audit (where the person is an operator) is not counted.
    assert 'aria-label="Audits, 2026-01: 1"' in page
    assert ">PLTB" not in page and "Plant B" not in page
    assert re.search(r"Audits submitted</span><strong class=\"kpi-value\">5<", page)


def test_group_admin_sees_every_site_and_operators_none(auth, plant, kpi):
    auth.login("root")
    page = auth.client.get("/kpi/?" + PERIOD).get_data(as_text=True)
    assert re.search(r"Audits submitted</span><strong class=\"kpi-value\">6<", page)
    assert "Score per site over the period" in page
    auth.logout()
    auth.login("op.a")
    assert auth.client.get("/kpi/").status_code == 403
    assert "/kpi/" not in auth.client.get("/").get_data(as_text=True)


def test_page_has_figures_with_svg_tables_and_csv(auth, plant, kpi):
    auth.login("qm.a")
    response = auth.client.get(f"/kpi/sites/{plant['a']['id']}?{PERIOD}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # A stacked bar per severity and month, labelled for screen readers, linking to its findings.
    assert 'aria-label="Minor nonconformity, 2026-02: 3"' in page
    assert "<figcaption" in page and "<caption>Findings per month by severity</caption>" in page
    assert page.count("<svg") >= 10 and "<script>" not in page.split("</head>")[1]
    link = re.search(r'<a class="chart-link" href="([^"]+)" aria-label="Major nonconformity, 2026-01: 1"', page)
    rows = auth.client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert rows.count('<tr><td data-label="Finding">') == 1 and "8.5.1" in rows
    csv_url = re.search(r'href="(/kpi/nonconformities-by-clause\.csv[^"]+)"', page).group(1).replace("&amp;", "&")
    download = auth.client.get(csv_url)
    assert download.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert lines[0] == ["Clause", "Major", "Minor", "Total"]
    assert lines[1] == ["8.5.1", "2", "2", "4"]


def test_bad_period_is_refused_with_the_reason(auth, plant):
    auth.login("qm.a")
    response = auth.client.get(f"/kpi/sites/{plant['a']['id']}?from=2026-13-01")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.get_data(as_text=True)
    assert auth.client.get(f"/kpi/sites/{plant['a']['id']}?from=2026-03-01&to=2026-01-01").status_code == 400
    assert auth.client.get(f"/kpi/nothing.csv?site_id={plant['a']['id']}").status_code == 404


COUNTED = ("scores-by-month", "findings-by-severity", "nonconformities-by-clause", "clause-trend",
           "nonconformities-by-area",
           "capa-status", "capa-ageing")


def test_every_counted_mark_leads_to_as_many_records(db, plant, kpi, capa_rows):
    scope = make_scope([plant["a"]], date(2026, 1, 1), date(2026, 3, 31), {plant["a"]["id"]: date(2026, 4, 10)})
    data = dashboard.collect(db, scope)
    chart_set = dashboard.chart_set(data, lambda kind, **filters: (kind, filters))
    checked = 0
    for name in COUNTED:
        for mark in chart_set[name].marks:
            kind, filters = mark.href
            assert len(records.records(db, scope, kind, filters)) == mark.value, (name, mark.text)
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("args", [{}, {"site_id": "x", "repeat_months": "3"}])
def test_mark_links_are_what_url_for_writes(app, plant, args):
    from flask import url_for

    from fieldaudit.kpi import views

    scope = make_scope([plant["a"]], date(2026, 1, 1), date(2026, 3, 31))
    marks = [("findings", {"clause": "ISO 45001 8.1", "severity": "nc", "month": "2026-02"}),
             ("findings", {"clause": "(no clause)", "area_id": ""}), ("capas", {"severity": "major", "overdue": None}),
             ("audits", {}), ("findings", {"clause": "a&b=c/d?é+%"})]
    with app.test_request_context():
        link = views.linker(scope, args)
        for kind, filters in marks:
            assert link(kind, **filters) == url_for("kpi.records", kind=kind, **views._query(scope, args, **filters))
