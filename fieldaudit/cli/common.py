"""What every command shares: the app, its database, and a one-line failure."""
import sys

import click

from .. import config
from .. import db as dbm

EXPECTED = (dbm.DatabaseError, ValueError, OSError)


def fail(message: str) -> None:
    """Print a one-line reason and exit non-zero."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def make_app():
    """The app for a command, with the data-folder problem reported in one line."""
    from .. import create_app
    try:
        return create_app()
    except EXPECTED as exc:
        fail(str(exc))


def open_db(app):
    """A connection to the app's database."""
    return dbm.connect(config.database_target(app.config))
