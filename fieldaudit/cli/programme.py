"""The audit programme: `fieldaudit programme generate` (run it daily, e.g. from cron or a systemd timer)."""
import click

from .common import fail, make_app, open_db


@click.group()
def programme():
    """Audit programme: scheduled audits from the plans."""


@programme.command("generate")
@click.option("--site", "site_code", help="Only this site's plans (default: every site).")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 400),
              help="How far ahead to schedule.")
def generate_command(site_code, days):
    """Create the scheduled audits of the next DAYS days that do not exist yet (safe to run again)."""
    from .. import ids
    from ..programme import generate
    from ..refusal import Refusal
    from ..stations import data as stations

    db = open_db(make_app())
    site_ids = None
    if site_code:
        site = stations.get_site_by_code(db, site_code.upper())
        if site is None:
            fail(f"no site with code {site_code!r}")
        site_ids = [site["id"]]
    try:
        made = generate.generate(db, ids.utc_now(), site_ids, horizon_days=days)
    except Refusal as exc:  # a paired site server: the hub generates
        fail(exc.message)
    click.echo(f"{made} scheduled audit{'s' if made != 1 else ''} added.")
