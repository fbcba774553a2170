"""The management-review pack (ISO 9001 §9.3): one PDF per site and period with the KPIs, their charts and tables,
the open CAPAs and the audit programme's status. No Flask; the page's job, its direct download and the CLI call
`make`."""
from __future__ import annotations

from .. import ids
from ..capa import data as capa_data
from ..capa import states
from ..checklists import SEVERITY_LABELS
from ..reports.pdfdoc import ReportPDF
from ..timefmt import local_time
from . import charts, dashboard
from .scope import Scope

ALL = 1_000_000
MM_PER_UNIT = 180 / charts.WIDTH  # a chart spans the 180 mm text width of A4 portrait

# Which §9.3.2 input each part of the pack answers.
INPUTS = [
    ("c) 2) customer satisfaction / quality objectives", "audit scores per month, checklist and area"),
    ("c) 4) nonconformities and corrective actions", "findings by severity, clause and area; repeats; CAPA"),
    ("c) 6) audit results", "audits submitted, scores, the audit programme's adherence and LPA completion"),
    ("e) effectiveness of actions taken", "CAPA effectiveness pass rate and days to close"),
]

# The sections of the pack: (heading, [(chart name or None, table name)]).
SECTIONS = [
    ("Audits and scores", [("scores-by-month", "scores-by-month"),
                           ("scores-by-checklist-month", "scores-by-checklist"),
                           ("scores-by-area", "scores-by-area"), (None, "scores-by-workstation")]),
    ("Findings and nonconformities", [("findings-by-severity", "findings-by-severity"),
                                      ("nonconformities-by-clause", "nonconformities-by-clause"),
                                      ("clause-trend", "clause-trend"),
                                      ("nonconformities-by-area", "nonconformities-by-area"),
                                      ("repeat-findings", "repeat-findings")]),
    ("Audit programme and layered process audits", [("programme-adherence", "programme-adherence"),
                                                     ("lpa-by-layer", "lpa-by-layer"), (None, "lpa-by-person")]),
    ("Corrective actions (CAPA)", [("capa-status", "capa-status"), ("capa-ageing", "capa-ageing"),
                                   ("capa-time-to-close", "capa-time-to-close"),
                                   ("capa-effectiveness", "capa-effectiveness")]),
]


def filename(scope: Scope) -> str:
    """The pack's file name: the site and the period."""
    return f"management-review-{scope.sites[0]['code']}-{scope.start}-{scope.end}.pdf"


def _hex(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def draw_chart(pdf: ReportPDF, chart: charts.Chart) -> None:
    """Draw a laid-out chart at the current position, in the same geometry as the page's SVG."""
    k = MM_PER_UNIT
    height = chart.height * k
    if pdf.get_y() + height + 8 > pdf.h - pdf.b_margin:
        pdf.add_page()
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(0, 5, pdf.text_of(chart.title), new_x="LMARGIN", new_y="NEXT")
    y0 += 5
    left, top, right, bottom = chart.plot
    pdf.set_font("DejaVu", size=6.5)
    pdf.set_draw_color(215, 219, 227)
    pdf.set_line_width(0.15)
    for y, label in chart.ticks:
        pdf.line(x0 + left * k, y0 + y * k, x0 + right * k, y0 + y * k)
        pdf.text(x0 + 1, y0 + y * k + 1, label)
    for x, label in chart.labels:
        text = pdf.text_of(label[:14])
        pdf.text(x0 + x * k - pdf.get_string_width(text) / 2, y0 + (bottom + 12) * k, text)
    for mark in chart.marks:
        pdf.set_fill_color(*_hex(mark.color))
        if chart.kind == "lines":
            pdf.ellipse(x0 + mark.x * k - 0.8, y0 + mark.y * k - 0.8, 1.6, 1.6, style="F")
        elif mark.h > 0:
            pdf.rect(x0 + mark.x * k, y0 + mark.y * k, mark.w * k, mark.h * k, style="F")
            if mark.w * k > 6:
                value = f"{mark.value:.0f}" if float(mark.value).is_integer() else f"{mark.value:.1f}"
                pdf.text(x0 + (mark.x + mark.w / 2) * k - pdf.get_string_width(value) / 2,
                         y0 + mark.y * k + (3 if mark.h * k > 4 else -0.8), value)
    pdf.set_line_width(0.5)
    for points, color, _ in chart.paths:
        pdf.set_draw_color(*_hex(color))
        coords = [tuple(float(v) for v in p.split(",")) for p in points.split()]
        for (ax, ay), (bx, by) in zip(coords, coords[1:]):
            pdf.line(x0 + ax * k, y0 + ay * k, x0 + bx * k, y0 + by * k)
    pdf.set_line_width(0.2)
    legend_x = x0 + left * k
    for name, color in chart.legend:
        pdf.set_fill_color(*_hex(color))
        pdf.rect(legend_x, y0 + (chart.height - 14) * k, 2.5, 2.5, style="F")
        text = pdf.text_of(name[:30])
        pdf.text(legend_x + 3.5, y0 + (chart.height - 14) * k + 2.3, text)
        legend_x += pdf.get_string_width(text) + 9
    # fpdf2 tables fill their cells with the current fill colour: leave none behind.
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_font("DejaVu", size=10)
    pdf.set_y(y0 + height + 2)
    if chart.empty:
        pdf.para("No data in this period.", size=8, color=(90, 90, 90))


def _table(pdf: ReportPDF, table: dashboard.Table) -> None:
    pdf.para(table.title, size=9, bold=True)
    if not table.rows:
        pdf.para("None in this period.", size=8.5, color=(90, 90, 90))
        return
    first = 180 - 22 * (len(table.columns) - 1)
    widths = [first] + [22] * (len(table.columns) - 1) if first >= 30 else [180 / len(table.columns)] * len(
        table.columns)
    pdf.rows_table(table.columns, widths, table.rows, size=7.5, line_height=3.8)
    pdf.ln(2)


def build(data: dict, open_capas: list[dict], *, generated: str | None = None, progress=lambda d, t, m: None) -> bytes:
    """The pack as PDF bytes from the dashboard's figures (pure)."""
    scope = data["scope"]
    site = scope.sites[0]
    tz = site["timezone"]
    period = f"{scope.start} to {scope.end}"
    pdf = ReportPDF(title=f"Management review {site['code']}", document_id=period,
                    generated=generated or local_time(ids.now_iso(), tz))
    pdf.add_page()
    pdf.para("MANAGEMENT REVIEW — ISO 9001 §9.3 INPUTS", size=10, bold=True, color=(11, 92, 171))
    pdf.h1(f"{site['name']} ({site['code']})")
    pdf.para(f"Period: {period} (calendar dates at the site, {tz}; both days included). Open and overdue CAPAs "
             f"and their ageing are as of {scope.today_at(site)}.", color=(90, 90, 90))
    pdf.ln(2)
    pdf.facts(dashboard.headline(data), label_width=70)
    pdf.h2("What this pack covers")
    pdf.rows_table(("§9.3.2 input", "In this pack"), (90, 90), INPUTS, size=8)
    tables = dashboard.tables(data)
    chart_set = dashboard.chart_set(data)
    steps = len(SECTIONS) + 2
    for n, (heading, parts) in enumerate(SECTIONS, 1):
        progress(n, steps, f"drawing {heading.lower()}")
        pdf.h2(heading)
        for chart_name, table_name in parts:
            if chart_name:
                draw_chart(pdf, chart_set[chart_name])
            _table(pdf, tables[table_name])
    progress(steps - 1, steps, "listing open CAPAs")
    pdf.h2(f"Open CAPAs ({len(open_capas)})")
    if open_capas:
        pdf.rows_table(("Number", "Title", "Severity", "State", "Owner", "Due", "Overdue"),
                       (26, 50, 22, 28, 24, 18, 12),
                       ([c["number"], c["title"], SEVERITY_LABELS[c["severity"]], states.STATE_LABELS[c["state"]],
                         c["owner_name"] or "not assigned", c["due_date"] or "—",
                         "yes" if c["due_status"] == "overdue" else ""] for c in open_capas), size=7.5)
    else:
        pdf.para("No open CAPA at this site.")
    pdf.h2("Audit programme status")
    pdf.facts(programme_status(data), label_width=70)
    progress(steps, steps, "done")
    return pdf.to_bytes()


def open_capas(db, site: dict) -> list[dict]:
    """The site's CAPAs not yet closed, by due date."""
    rows = [c for c in capa_data.list_capas(db, site_ids=[site["id"]], state="active", limit=ALL)]
    return sorted(rows, key=lambda c: (c["due_date"] or "9999", c["number"]))


def make(db, scope: Scope, repeat_months: int = 6, progress=lambda d, t, m: None) -> bytes:
    """Gather the figures of one site's scope and lay out its pack."""
    progress(0, 5, "computing the figures")
    data = dashboard.collect(db, scope, repeat_months)
    return build(data, open_capas(db, scope.sites[0]), progress=progress)


def programme_status(data: dict) -> list[tuple[str, str]]:
    """The audit programme's status over the period (§9.2 feeding §9.3): what was planned and how it went."""
    t = data["adherence_total"]
    return [("Scheduled audits due in the period", str(t["scheduled"])),
            ("Done on time", str(t["on_time"])), ("Done late", str(t["late"])), ("Missed (with a reason)",
                                                                                 str(t["missed"])),
            ("Overdue (window ended, not done)", str(t["overdue"])), ("Still open (window running)", str(t["open"])),
            ("Adherence (on time ÷ decided)", dashboard.pct(t["adherence"]))]
