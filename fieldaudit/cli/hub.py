"""`fieldaudit hub …`: running the head-office hub (migrate the store before starting or upgrading processes)."""
import os

import click
from flask import Flask

from .. import config
from .. import db as dbm
from .common import EXPECTED, fail


def settings():
    """The configuration alone, without starting the app (which would migrate on its own at start)."""
    bare = Flask("fieldaudit", instance_path=os.environ.get("FIELDAUDIT_INSTANCE_PATH") or None)
    try:
        config.load(bare)
    except config.ConfigError as exc:
        fail(str(exc))
    return bare.config


@click.group()
def hub():
    """Run the head-office hub: its store and its migrations."""


@hub.command()
@click.option("--check", is_flag=True, help="Only say whether migrations are pending (exit 1 if so); change nothing.")
def migrate(check):
    """Apply the pending migrations to the configured store and print what was done."""
    conf = settings()
    try:
        dbm.ensure_writable(conf["DATA_DIR"])
        if not conf.get("DATABASE_URL"):
            dbm.make_private(conf["DATA_DIR"], config.database_path(conf))
        db = dbm.connect(config.database_target(conf))
    except EXPECTED as exc:
        fail(str(exc))
    try:
        click.echo(f"Store: {describe(conf)}")
        before = dbm.schema_version(db)
        names = {number: name for number, name, _ in dbm.migrations()}
        if check:
            pending = pending_of(db)
            click.echo(f"Schema version {before}; pending: {', '.join(f'{n:04d}' for n in pending) or 'none'}.")
            raise SystemExit(1 if pending else 0)
        try:
            applied = dbm.migrate(db)
        except EXPECTED as exc:
            fail(str(exc))
        for number in applied:
            click.echo(f"  applied {number:04d} {names[number]}")
        after = dbm.schema_version(db)
        click.echo(f"Schema version {before} → {after}; {len(applied)} migration(s) applied." if applied
                   else f"Schema version {after}: up to date, nothing to do.")
    finally:
        dbm.close(db)


def pending_of(db) -> list[int]:
    """The known migration numbers not yet recorded in the store."""
    done = set()
    if db["schema_version"].exists():
        done = {row["version"] for row in dbm.query(db, "SELECT version FROM schema_version")}
    return [number for number, _, _ in dbm.migrations() if number not in done]


def describe(conf) -> str:
    """Which store, never with its password: the PostgreSQL host, port and database, or the SQLite file."""
    url = conf.get("DATABASE_URL")
    if not url:
        return f"SQLite {config.database_path(conf)}"
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    return f"PostgreSQL {info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
