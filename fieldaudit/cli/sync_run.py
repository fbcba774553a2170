"""`fieldaudit sync` alone: push what waits, upload its photos, pull from the hub, with a progress bar."""
import click

from .common import fail, make_app, open_db


def run_once() -> None:
    """Sync this site server with its hub once and print what moved."""
    from .. import appdb, settings
    from ..refusal import Refusal
    from ..sync import client, outbox, status

    app = make_app()
    db = open_db(app)
    if not settings.hub_paired(db):
        fail("this site server is not paired with a hub: run `fieldaudit sync pair HUB_URL CODE` first")
    waiting = outbox.backlog(db)
    with click.progressbar(length=max(waiting, 1), label=f"Sending {waiting} changes") as bar:
        state = {"done": 0}

        def progress(stage, done, total):
            if stage == "push" and done > state["done"]:
                bar.update(done - state["done"])
                state["done"] = done

        try:
            summary = status.run(db, appdb.blob_store_of(app), progress)  # recorded for the header, reported to the hub
        except Refusal as exc:
            fail(exc.message)
    click.echo(f"Pushed {summary['pushed']}, pulled {summary['pulled']}, photos {summary['photos']}, "
               f"{summary['bytes'] / 1024:.0f} KB on the wire.")
    if summary["conflicts"]:
        click.echo(f"{summary['conflicts']} changes met newer ones on the hub: recorded there as conflicts.")
    if summary["set_aside"]:
        click.echo(f"{summary['set_aside']} changes were refused by the hub and set aside:")
        for row in client.set_aside(db)[: summary["set_aside"]]:
            click.echo(f"  {row['tbl']} {row['row_key']}: {row['reason']}")
