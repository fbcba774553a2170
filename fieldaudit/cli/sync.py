"""Pairing and the device registry from the command line: `fieldaudit sync code|pair|devices|revoke`."""
import click

from .. import db as dbm
from .common import fail, make_app, open_db


@click.group("sync", invoke_without_command=True)
@click.pass_context
def sync(ctx):
    """Sync with the head-office hub (run alone: sync once now); pair a device, list and revoke devices."""
    if ctx.invoked_subcommand is None:
        from .sync_run import run_once
        run_once()


def _hub_app():
    app = make_app()
    if app.config["MODE"] != "hub":
        fail("this is a site server; run this on the hub (MODE = \"hub\" in fieldaudit.toml or FIELDAUDIT_MODE=hub)")
    return app


@sync.command("code")
@click.option("--site", "site_codes", multiple=True, required=True, help="Site code the device serves (repeatable).")
@click.option("--minutes", type=click.IntRange(1, 60), default=10, show_default=True, help="How long the code works.")
@click.option("--by", "username", default="admin", show_default=True, help="The hub admin making the code.")
def code(site_codes, minutes, username):
    """Make a single-use pairing code on the hub for a device of these sites."""
    from ..auth import users
    from ..refusal import Refusal
    from ..stations import data as stations
    from ..sync import devices

    db = open_db(_hub_app())
    admin = users.get_user_by_username(db, username)
    if admin is None:
        fail(f"no user {username!r} on this hub (give --by USERNAME)")
    site_ids = []
    for site_code in site_codes:
        site = stations.get_site_by_code(db, site_code)
        if site is None:
            fail(f"no site with code {site_code!r}")
        site_ids.append(site["id"])
    try:
        made = devices.make_code(db, site_ids, by=admin["id"], minutes=minutes)
    except Refusal as exc:
        fail(exc.message)
    click.echo(f"Pairing code for {', '.join(site_codes)}: {made}")
    click.echo(f"It works once, for {minutes} minutes. On the site server run:")
    click.echo(f"  fieldaudit sync pair HUB_URL {made}")


@sync.command("pair")
@click.argument("hub_url")
@click.argument("pairing_code")
@click.option("--name", help="How the hub lists this device (default: this machine's name).")
def pair(hub_url, pairing_code, name):
    """Pair this site server with the hub at HUB_URL using a code made there."""
    from ..refusal import Refusal
    from ..sync import link

    db = open_db(make_app())
    try:
        answer = link.pair_with_hub(db, hub_url, pairing_code, name=name)
    except Refusal as exc:
        fail(exc.message)
    click.echo(f"Paired with {link.normalize_hub_url(hub_url)} as device {answer['device_id']}.")
    click.echo("Sites, people, checklists and documents now come from the hub and are read-only here.")


@sync.command("devices")
def list_devices():
    """List the devices paired with this hub."""
    from ..sync import devices

    db = open_db(_hub_app())
    codes = {r["id"]: r["code"] for r in dbm.query(db, "SELECT id, code FROM sites")}
    rows = devices.list_devices(db)
    if not rows:
        click.echo("No device is paired with this hub yet (make a code with `fieldaudit sync code --site CODE`).")
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else f"last seen {row['last_seen_at'] or 'never'}"
        click.echo(f"{row['id']}  {row['name']:<24} sites {','.join(codes.get(s, s) for s in row['site_ids'])}  {state}")


@sync.command("revoke")
@click.argument("device_id")
@click.option("--by", "username", default="admin", show_default=True, help="The hub admin revoking it.")
def revoke(device_id, username):
    """Revoke a device: its token stops working at once; it keeps what it has not sent."""
    from ..auth import users
    from ..refusal import Refusal
    from ..sync import devices

    db = open_db(_hub_app())
    admin = users.get_user_by_username(db, username)
    if admin is None:
        fail(f"no user {username!r} on this hub (give --by USERNAME)")
    try:
        row = devices.revoke(db, device_id, by=admin["id"])
    except Refusal as exc:
        fail(exc.message)
    click.echo(f"Revoked {row['name']} ({row['id']}). Pair it again with a new code to resume its sync.")
