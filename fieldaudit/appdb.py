"""The request's database connection, bound to Flask (data functions take the database as an argument)."""
from flask import current_app, g

from . import config, jobs
from . import db as dbm


def get_db():
    """The connection of this request, opened on first use."""
    if "db" not in g:
        g.db = dbm.connect(config.database_target(current_app.config))
    return g.db


def blob_store_of(app):
    """The content-addressed blob folder of an app's installation (also outside a request: CLI, report threads)."""
    from .evidence.blobstore import BlobStore

    return BlobStore(config.blob_dir(app.config))


def get_blob_store():
    """The blob folder of this request's app."""
    return blob_store_of(current_app)


def close_db(exc=None) -> None:
    """Close the request's connection."""
    db = g.pop("db", None)
    if db is not None:
        dbm.close(db)


def init_app(app) -> None:
    """Create or upgrade the schema at start-up and close connections after each request."""
    dbm.ensure_writable(app.config["DATA_DIR"])
    if not app.config.get("DATABASE_URL"):
        dbm.make_private(app.config["DATA_DIR"], config.database_path(app.config))
    db = dbm.connect(config.database_target(app.config))
    try:
        dbm.migrate(db)
    finally:
        dbm.close(db)
    # What a kill or an earlier run left: half-written blobs, expired report files.
    blob_store_of(app).remove_stale_temp()
    jobs.expire(app.config)
    app.teardown_appcontext(close_db)
