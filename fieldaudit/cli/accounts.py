"""Accounts: `fieldaudit user add|passwd|list`."""
import sys

import click

from .common import fail, make_app, open_db


@click.group()
def user():
    """Manage user accounts."""


@user.command("add")
@click.argument("username")
@click.option("--name", required=True, help="Full name, as printed on audits and signatures.")
@click.option("--role", type=click.Choice(["operator", "auditor", "quality_manager", "admin"]), required=True)
@click.option("--site", "site_code", help="Site code for the role; omit with --all-sites.")
@click.option("--all-sites", is_flag=True, help="A group role at every site.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating.")
def user_add(username, name, role, site_code, all_sites, password_stdin):
    """Create a user with a role; prints a generated password once."""
    from ..auth import users
    from ..stations import data as stations

    if bool(site_code) == bool(all_sites):
        fail("give exactly one of --site CODE or --all-sites")
    app = make_app()
    db = open_db(app)
    site_id = None
    if site_code:
        site = stations.get_site_by_code(db, site_code)
        if site is None:
            fail(f"no site with code {site_code!r}; see the Sites page or run `fieldaudit demo`")
        site_id = site["id"]
    password = sys.stdin.readline().rstrip("\n") if password_stdin else users.generate_password()
    try:
        row = users.create_user(db, username, name, password, hash_method=app.config["PASSWORD_HASH_METHOD"])
        users.add_membership(db, row["id"], site_id, role)
    except users.UserError as exc:
        fail(str(exc))
    click.echo(f"Created {row['username']} ({role} at {site_code or 'all sites'}).")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@user.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def user_passwd(username, password_stdin):
    """Set a new password (generated unless given on stdin) and end the user's sessions."""
    from ..auth import users

    app = make_app()
    db = open_db(app)
    row = users.get_user_by_username(db, username)
    if row is None:
        fail(f"no user called {username!r}; `fieldaudit user list` shows who exists")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else users.generate_password()
    try:
        users.set_password(db, row["id"], password, hash_method=app.config["PASSWORD_HASH_METHOD"])
    except users.UserError as exc:
        fail(str(exc))
    click.echo(f"Password of {row['username']} changed; their sessions have ended.")
    if not password_stdin:
        click.echo(f"New password (shown once): {password}")


@user.command("list")
def user_list():
    """List users with their roles."""
    from ..auth import users

    app = make_app()
    db = open_db(app)
    for row in users.list_users(db):
        roles = ", ".join(f"{m['role']}@{m['site_code'] or 'all'}" for m in users.memberships(db, row["id"]))
        state = "" if row["active"] else "  [disabled]"
        click.echo(f"{row['username']:<16} {row['display_name']:<24} {roles}{state}")
