"""The CAPA report and the site summary: real PDFs read back, who may download them, and the period's dates."""
from datetime import timedelta

import pytest

from fieldaudit import db as dbm
from fieldaudit import ids
from fieldaudit.audits import data as audits
from fieldaudit.capa import actions as capa_actions
from fieldaudit.capa import commands as capa_commands
from fieldaudit.capa import data
from fieldaudit.reports import capa_pdf, site_pdf
from fieldaudit.timefmt import local_time

from . import checked, pages, pdf_of


def later(days: int) -> str:
    return (data.local_today("Europe/Berlin") + timedelta(days=days)).isoformat()


def move(db, plant, capa_row, target):
    current = data.get_capa(db, capa_row["id"])
    capa_commands.transition(db, capa_row["id"], target, expected_state=current["state"], by=plant["qm"]["id"],
                             command_id=ids.new_id(), signer=plant["qm"])


@pytest.fixture
def closed_capa(db, plant, submitted):  # noqa: F811
    """A CAPA raised from the audit's major and a minor, walked through every step to closed."""
    qm = plant["qm"]["id"]
    findings = audits.list_findings(db, submitted["id"])
    capa = data.create_capa(db, site=plant["a"], title="Guard interlock bypassed", by=qm, source="audit",
                            severity="major", source_ref=submitted["number"], owner_id=qm, due_date=later(20),
                            finding_ids=[findings[0]["id"], findings[1]["id"]])
    move(db, plant, capa, "containment")
    data.update_fields(db, capa, {"containment": "Press 3 stopped, 240 parts quarantined"}, qm)
    move(db, plant, capa, "root_cause")
    data.update_fields(db, capa, {"root_cause_category": "method", "root_cause": "No interlock check at shift start",
                                  "whys": ["Guard open", "Interlock bridged", "Sensor faulty", "No spare", "No PM"]},
                       qm)
    move(db, plant, capa, "action_plan")
    capa_actions.add_action(db, capa, kind="corrective", description="Replace interlock sensor",
                    owner_id=plant["operator"]["id"], due_date=later(10), by=qm)
    move(db, plant, capa, "implementation")
    for action in capa_actions.list_actions(db, capa["id"]):
        capa_actions.update_action(db, capa, action, {"status": "done", "done_note": "Sensor SN 4411 fitted"}, qm,
                           owner_only=False)
    data.update_fields(db, capa, {"effectiveness_due": later(30)}, qm)
    move(db, plant, capa, "effectiveness_check")
    data.update_fields(db, data.get_capa(db, capa["id"]),
                       {"effectiveness_result": "effective", "effectiveness_notes": "Zero bypasses in 6 weeks"}, qm,
                       early_reason="The press is rebuilt next month")
    move(db, plant, capa, "closed")
    return data.get_capa(db, capa["id"])


@pytest.fixture
def open_capa(db, plant):
    """An open CAPA whose due date has passed (raised earlier, as if synced from last month)."""
    capa = data.create_capa(db, site=plant["a"], title="Calibration labels missing", by=plant["qm"]["id"],
                            severity="minor", owner_id=plant["auditor"]["id"])
    dbm.execute(db, "UPDATE capas SET raised_on = ?, due_date = ? WHERE id = ?", (later(-40), later(-3), capa["id"]))
    return data.get_capa(db, capa["id"])


# -- CAPA report ----------------------------------------------------------------------------------------------

def test_capa_report_has_every_step_and_the_timeline(auth, plant, closed_capa, submitted, tmp_path):  # noqa: F811
    auth.login("qm.a")
    _, texts = pdf_of(auth.client.get(f"/capa/{closed_capa['id']}/report.pdf"), tmp_path)
    text = "\n".join(texts)
    for expected in (closed_capa["number"], "Plant A (PLTA)", f"Audit finding · {submitted['number']}",
                     "Major nonconformity", "Closed", "Qm.A", closed_capa["raised_on"], later(20),
                     local_time(closed_capa["closed_at"], "Europe/Berlin"),
                     "Finding 1 (major)", "Finding 2 (minor)",                          # linked findings
                     "Press 3 stopped, 240 parts quarantined",                        # containment
                     "Method", "Interlock bridged", "No PM", "No interlock check at shift start",  # root cause
                     "Replace interlock sensor", "Op.A", later(10), "done", "Sensor SN 4411 fitted",  # actions
                     "Effective", "Zero bypasses in 6 weeks",                         # effectiveness check
                     "State: Open → Containment", "State: Effectiveness check → Closed",
                     f"Linked {submitted['number']} finding 1"):
        assert expected in text, expected
    assert f"Page 1 of {len(texts)}" in texts[0]


def test_capa_report_is_pure_and_survives_huge_texts(db, plant, open_capa, tmp_path):
    word = "W" * 200
    long_text = ("The hose clamp was found loose again on the night shift. " * 70)[:4000]
    data.update_fields(db, open_capa, {"description": long_text, "containment": word}, plant["qm"]["id"])
    capa = data.get_capa(db, open_capa["id"])
    capa_actions.add_action(db, capa, kind="containment", description=long_text, owner_id=plant["qm"]["id"],
                    due_date=later(5), by=plant["qm"]["id"])
    pdf = capa_pdf.build(capa, **capa_pdf.collect(db, capa), generated="test")
    checked(pdf, tmp_path)
    text = "\n".join(pages(pdf))
    # Wrapped and split across rows and pages, every word stays: 70 sentences in the description, the action,
    # and the two timeline events that record them.
    assert text.split().count("clamp") == 4 * long_text.count("clamp")
    assert word in "".join(text.split()) and "(OVERDUE)" in text


@pytest.mark.parametrize("who,status", [("qm.a", 200), ("aud.a", 200), ("admin.a", 200), ("root", 200),
                                        ("op.a", 403), ("aud.b", 404)])
def test_capa_report_follows_the_capa_page_access(auth, plant, open_capa, who, status):
    auth.login(who)
    response = auth.client.get(f"/capa/{open_capa['id']}/report.pdf")
    page = auth.client.get(f"/capa/{open_capa['id']}")
    assert response.status_code == page.status_code == status


def test_action_owner_without_audit_rights_gets_the_report(auth, db, plant, open_capa, tmp_path):
    capa_actions.add_action(db, open_capa, kind="corrective", description="Print new labels",
                    owner_id=plant["operator"]["id"], due_date=later(3), by=plant["qm"]["id"])
    auth.login("op.a")
    _, texts = pdf_of(auth.client.get(f"/capa/{open_capa['id']}/report.pdf"), tmp_path)
    assert "Print new labels" in "".join(texts)


def test_unknown_capa_and_anonymous(auth, client, open_capa):
    assert client.get(f"/capa/{open_capa['id']}/report.pdf").status_code in (302, 401)
    auth.login("qm.a")
    assert auth.client.get("/capa/NOPE/report.pdf").status_code == 404


def test_capa_page_links_to_its_pdf(auth, open_capa):
    auth.login("qm.a")
    assert f'href="/capa/{open_capa["id"]}/report.pdf"' in auth.client.get(f"/capa/{open_capa['id']}").get_data(
        as_text=True)


# -- site summary ---------------------------------------------------------------------------------------------

def test_site_summary_shows_audits_scores_findings_and_capas(auth, db, plant, closed_capa, open_capa, tmp_path,
                                                            submitted):  # noqa: F811
    today = data.local_today("Europe/Berlin")
    auth.login("qm.a")
    _, texts = pdf_of(auth.client.get(f"/sites/{plant['a']['id']}/summary.pdf",
                                      query_string={"from": (today - timedelta(days=7)).isoformat(),
                                                    "to": today.isoformat()}), tmp_path)
    text = "\n".join(texts)
    score = f"{submitted['score_percent']:.1f} %"
    for expected in ("Plant A (PLTA)", f"Period: {today - timedelta(days=7)} to {today}",
                     submitted["number"], "Test walk v1", "Assembly · Station A1", "Aud.A", str(today), score,
                     "Audits submitted 1", "Open CAPAs 1 (1 overdue)", "CAPAs closed 1",
                     "Major nonconformity 1", "Minor nonconformity 2", "Observation 1",
                     "Opportunity for improvement 1", "8.5.1 5",
                     open_capa["number"], "Calibration labels missing", "Aud.A", later(-3),
                     closed_capa["number"], "Guard interlock bypassed", "effective"):
        assert expected in text, expected
    scores = site_pdf.checklist_scores([submitted | {"checklist_title": "Test walk", "checklist_version": 1,
                                                     "checklist_id": "test-walk"}])
    assert scores == [{"title": "Test walk", "audits": 1, "average": submitted["score_percent"],
                       "low": submitted["score_percent"], "high": submitted["score_percent"]}]


def test_site_summary_of_a_quiet_period_and_the_default_period(auth, plant, open_capa, tmp_path,
                                                               submitted):  # noqa: F811
    auth.login("aud.a")
    _, texts = pdf_of(auth.client.get(f"/sites/{plant['a']['id']}/summary.pdf?from=2020-01-01&to=2020-03-31"),
                      tmp_path)
    text = "".join(texts)
    assert "No audit was submitted in this period." in text and "No CAPA was closed in this period." in text
    assert open_capa["number"] in text  # open CAPAs are listed as they stand now, whatever the period
    start, end = site_pdf.default_period("Europe/Berlin")
    assert (end - start).days == 89
    _, texts = pdf_of(auth.client.get(f"/sites/{plant['a']['id']}/summary.pdf"), tmp_path)
    assert f"Period: {start} to {end}" in texts[0] and submitted["number"] in texts[0]


def test_clause_ranking_keeps_the_top_ten():
    findings = [{"clause": f"{n}.1"} for n in range(1, 13) for _ in range(n)] + [{"clause": " "}] * 2
    top, without = site_pdf.clause_counts(findings)
    assert [c for c, _ in top] == [f"{n}.1" for n in range(12, 2, -1)] and without == 2


@pytest.mark.parametrize("query,message", [
    ("from=2026-13-01", "The 'from' date '2026-13-01' is not a date"),
    ("to=yesterday", "The 'to' date 'yesterday' is not a date"),
    ("from=2026-02-30&to=2026-03-01", "write it as YYYY-MM-DD"),
    ("from=2026-05-02&to=2026-05-01", "The period starts (2026-05-02) after it ends (2026-05-01)"),
])
def test_bad_dates_are_400_with_the_reason(auth, plant, query, message):
    auth.login("qm.a")
    response = auth.client.get(f"/sites/{plant['a']['id']}/summary.pdf?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")


@pytest.mark.parametrize("who,site,status", [("aud.b", "a", 404), ("op.a", "a", 403), ("aud.a", "b", 404),
                                             ("aud.b", "b", 200), ("root", "b", 200)])
def test_site_summary_access(auth, plant, who, site, status):
    auth.login(who)
    assert auth.client.get(f"/sites/{plant[site]['id']}/summary.pdf").status_code == status
    assert auth.client.get(f"/sites/{plant[site]['id']}/summary").status_code == status


def test_site_page_offers_the_summary_form(auth, plant):
    auth.login("qm.a")
    page = auth.client.get(f"/sites/{plant['a']['id']}").get_data(as_text=True)
    assert f'href="/sites/{plant["a"]["id"]}/summary"' in page and "Site summary PDF" in page
    form = auth.client.get(f"/sites/{plant['a']['id']}/summary").get_data(as_text=True)
    start, _ = site_pdf.default_period(plant["a"]["timezone"])
    assert f'action="/sites/{plant["a"]["id"]}/summary.pdf"' in form and f'value="{start}"' in form
    operator = auth.client  # an operator sees the site but not its audits: no link
    auth.logout()
    auth.login("op.a")
    assert "Site summary PDF" not in operator.get(f"/sites/{plant['a']['id']}").get_data(as_text=True)

