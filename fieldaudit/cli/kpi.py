"""KPI figures and the management-review pack from the command line: `fieldaudit kpi show|review SITE`."""
import sys
from datetime import date
from pathlib import Path

import click

from .common import fail, make_app, open_db


def _scope(db, site_code: str, start: str | None, end: str | None):
    from ..kpi.scope import make_scope
    from ..stations import data as stations

    site = stations.get_site_by_code(db, site_code)
    if site is None:
        fail(f"no site {site_code!r}; site codes look like PLT1 (see the Sites page)")
    try:
        parsed = [date.fromisoformat(v) if v else None for v in (start, end)]
    except ValueError:
        fail("dates are written YYYY-MM-DD, e.g. 2026-01-31")
    scope = make_scope([site], *parsed)
    if scope.start > scope.end:
        fail(f"the period starts ({scope.start}) after it ends ({scope.end})")
    return scope


period_options = [
    click.option("--from", "start", help="First calendar date at the site (default: 12 months ago)."),
    click.option("--to", "end", help="Last calendar date at the site, included (default: today)."),
    click.option("--repeat-months", default=6, show_default=True, type=click.IntRange(1, 36),
                 help="A nonconformity repeats one at the same clause and place within this many months."),
]


def with_period(command):
    for option in reversed(period_options):
        command = option(command)
    return command


@click.group()
def kpi():
    """KPI figures of a site and its management-review PDF (ISO 9001 §9.3)."""


@kpi.command()
@click.argument("site")
@with_period
def show(site, start, end, repeat_months):
    """Print a site's headline KPIs for a period (calendar dates at the site)."""
    from ..kpi import dashboard

    db = open_db(make_app())
    scope = _scope(db, site, start, end)
    data = dashboard.collect(db, scope, repeat_months)
    click.echo(f"{scope.sites[0]['code']} {scope.start} to {scope.end}")
    for label, value in dashboard.headline(data):
        click.echo(f"  {label}: {value}")


@kpi.command()
@click.argument("site")
@with_period
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="Where to write the PDF.")
def review(site, start, end, repeat_months, output):
    """Write a site's management-review pack (PDF) for a period."""
    from ..kpi import review as pack

    db = open_db(make_app())
    scope = _scope(db, site, start, end)
    with click.progressbar(length=100, label=f"Management review {scope.sites[0]['code']}", file=sys.stderr) as bar:
        seen = [0]

        def progress(done, total, message):
            now = int(100 * done / max(total, 1))
            bar.update(now - seen[0])
            seen[0] = now
        pdf = pack.make(db, scope, repeat_months, progress)
    Path(output).write_bytes(pdf)
    click.echo(f"Wrote {output}: {len(pdf) // 1024} KB ({scope.start} to {scope.end})")
