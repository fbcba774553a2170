"""The `fieldaudit` command: a thin layer over the library (init, serve, demo, users, checklists, reports, …)."""
import os
import socket
from pathlib import Path

import click

from .. import db as dbm
from .accounts import user
from .common import fail, make_app, open_db
from .content import checklist, report, verify
from .kpi import kpi
from .places import documents, qr
from .certificates import checked_pair, serve_tls, tls
from .hub import hub
from .programme import programme
from .sync import sync


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(), envvar="FIELDAUDIT_DATA_DIR",
              help="Folder for the database and photos (default: a per-user data folder).")
@click.version_option(package_name="fieldaudit")
def main(data_dir):
    """FieldAudit: offline-first quality audits for the shop floor."""
    if data_dir:
        os.environ["FIELDAUDIT_DATA_DIR"] = str(Path(data_dir).resolve())


@main.command()
def init():
    """Create or upgrade the database; the first run creates an admin and prints its password once."""
    from ..auth import users

    app = make_app()
    db = open_db(app)
    click.echo(f"Data folder: {app.config['DATA_DIR']}")
    version = dbm.schema_version(db)
    if dbm.scalar(db, "SELECT COUNT(*) FROM users"):
        click.echo(f"Database already initialised (schema version {version}, up to date); no user was created.")
        return
    password = users.generate_password()
    user = users.create_user(db, "admin", "Administrator", password, hash_method=app.config["PASSWORD_HASH_METHOD"])
    users.add_membership(db, user["id"], None, "admin")
    click.echo(f"Database ready (schema version {version}).")
    click.echo("Created administrator 'admin' with password (shown once, write it down):")
    click.echo(f"  {password}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets the plant's tablets reach this server.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", type=int, help="Worker threads (default: the SERVER_THREADS setting, 8).")
@click.option("--cert", metavar="FILE", help="Serve HTTPS with this PEM certificate (e.g. from `fieldaudit tls init`).")
@click.option("--key", metavar="FILE", help="The certificate's PEM private key (unencrypted).")
def serve(host, port, threads, cert, key):
    """Serve FieldAudit with waitress, or over HTTPS with cheroot when --cert and --key are given."""
    import waitress

    app = make_app()
    options = server_options(app.config, threads=threads)
    checked = checked_pair(cert, key, app.config)
    problem = port_problem(host, port)
    if problem:
        fail(f"cannot listen on {host}:{port} ({problem}); the port is probably in use, choose another with --port")
    from ..stations.labels import announced_base

    shown = announced_base(port) if host in ("0.0.0.0", "::") else \
        f"http://{'localhost' if host == '127.0.0.1' else host}:{port}"
    if checked:
        shown = shown.replace("http://", "https://", 1)
    click.echo(f"Data folder: {app.config['DATA_DIR']}")
    click.echo(f"FieldAudit is running at {shown}/  (Ctrl+C to stop)")
    if checked:
        click.echo(f"HTTPS with a certificate for {', '.join(checked.names)}, valid until "
                   f"{checked.not_after:%Y-%m-%d}.")
    if host in ("0.0.0.0", "::") and not checked:
        click.echo("Tablets on the plant network open that address; put HTTPS in front for the camera and "
                   "offline use.")
    elif host == "127.0.0.1":
        click.echo("Only this computer can open it; start with --host 0.0.0.0 for the plant's tablets.")
    from ..sync import background  # a paired device syncs with its hub on its own (one runner per data folder)

    background.start(app.config)
    from ..programme import daily  # a hub or an unpaired site server schedules its programme once a day by itself

    daily.start(app.config)
    if checked:
        serve_tls(app, host, port, cert, key, options, checked)
        return
    waitress.serve(app, host=host, port=port, _quiet=True, **options)


def server_options(config, *, threads: int | None = None) -> dict:
    """waitress settings from the app's configuration: limits that keep a plant's server answering, and the
    reverse proxy whose X-Forwarded-* headers are believed (waitress drops them from anyone else)."""
    options = {"ident": "FieldAudit", "threads": threads or int(config["SERVER_THREADS"]),
               "connection_limit": int(config["CONNECTION_LIMIT"]), "channel_timeout": int(config["CHANNEL_TIMEOUT"]),
               # Idle channels are swept this often; poll() has no 1,024-descriptor ceiling as select() has.
               "cleanup_interval": 5, "asyncore_use_poll": True}
    count = int(config["PROXY_COUNT"])
    if count:
        options.update(trusted_proxy=config["TRUSTED_PROXY"], trusted_proxy_count=count,
                       trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
                                              "x-forwarded-port"}, clear_untrusted_proxy_headers=True)
    return options


def port_problem(host: str, port: int) -> str | None:
    """Why `serve` could not listen on host:port, or None; judged the way waitress will bind."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            if os.name != "nt":
                # Like waitress: sockets of a crashed server left in TIME-WAIT must not keep a plant's server down
                # for a minute. (On Windows SO_REUSEADDR would let two servers share a port, and TIME-WAIT does not
                # block a bind there anyway.)
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


@main.command()
@click.option("--hub", "with_hub", is_flag=True,
              help="Also make a head-office hub in DATA_DIR-hub and pair the plant with it (one real sync).")
def demo(with_hub):
    """Load the demo plant (sites, areas, workstations, a user of every role); safe to run again."""
    from .. import demo as demo_data
    from ..appdb import blob_store_of

    app = make_app()
    db = open_db(app)
    data_dir = Path(app.config["DATA_DIR"])
    click.echo(f"Data folder: {data_dir}")
    already = demo_data.is_seeded(db)
    loaded = demo_data.load(db, blob_store_of(app), hash_method=app.config["PASSWORD_HASH_METHOD"],
                            progress=lambda m: click.echo(f"  + {m}"), echo=click.echo,
                            hub_folder=data_dir.with_name(data_dir.name + "-hub") if with_hub else None)
    created = loaded.passwords
    creds = data_dir / "demo-credentials.txt"
    if created:
        # Demo passwords are random; they are kept beside the demo data so a newcomer can find them again.
        fd = os.open(creds, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as fh:
            for username, password in created.items():
                fh.write(f"{username}\t{password}\n")
    click.echo("Demo plant already loaded; nothing new was needed." if already and not created
               else "Demo plant loaded.")
    known = dict(line.split("\t", 1) for line in creds.read_text().splitlines() if "\t" in line) \
        if creds.exists() else {}
    click.echo("Sign in as:")
    for username, name, roles in demo_data.describe(db):
        password = known.get(username, "(set earlier)")
        click.echo(f"  {username:<10} {password:<16} {name} — {roles}")
    click.echo(f"Passwords are also in {creds}")




for command in (user, checklist, verify, report, qr, documents, sync, programme, tls, kpi, hub):
    main.add_command(command)
