"""`fieldaudit tls init`: the plant-local CA and this server's certificate; and the TLS half of `serve`."""
from pathlib import Path

import click

from ..tls import certs
from .common import fail, make_app


@click.group()
def tls():
    """HTTPS on this site server: a plant certificate authority and a server certificate."""


@tls.command("init")
@click.option("--name", "names", multiple=True, metavar="NAME",
              help="A host name tablets use for this server (repeat for several; default: this machine's "
                   "hostname and localhost).")
@click.option("--ip", "addresses", multiple=True, metavar="ADDR",
              help="An IP address tablets use for this server (repeat; default: 127.0.0.1 and this machine's "
                   "network addresses).")
def init(names, addresses):
    """Make the plant CA (once) and a new server certificate (every run), in the data folder's tls/."""
    app = make_app()
    try:
        issued = certs.init(app.config["DATA_DIR"], list(names), list(addresses))
    except (certs.TlsError, OSError) as exc:
        fail(str(exc))
    click.echo(f"Data folder: {app.config['DATA_DIR']}")
    if issued.ca_created:
        click.echo(f"Made the plant certificate authority: {issued.ca}")
        click.echo(f"  its key {issued.folder / certs.CA_KEY_FILE} signs every server certificate: keep it here, "
                   "back it up privately, never copy it to a tablet")
    else:
        click.echo(f"Reused the plant certificate authority: {issued.ca}")
    click.echo(f"Server certificate {issued.cert} and key {issued.key}")
    click.echo(f"  for {', '.join(issued.names + issued.addresses)}")
    click.echo(f"  valid until {issued.not_after:%Y-%m-%d} (run `fieldaudit tls init` again before then to renew; "
               "tablets keep trusting the same CA)")
    click.echo("Next steps:")
    if issued.ca_created:
        click.echo(f"  1. Install {issued.ca.name} on every tablet as a trusted CA (docs/TLS.md: iPad, Android, "
                   "Windows).")
    else:
        click.echo("  1. Tablets that already trust this CA need nothing new.")
    click.echo(f"  2. fieldaudit serve --host 0.0.0.0 --port 8443 --cert {issued.cert} --key {issued.key}")
    click.echo("  3. Print labels for the https:// address (set BASE_URL, e.g. "
               f"https://{(issued.names or issued.addresses)[0]}:8443).")


def checked_pair(cert: str | None, key: str | None, config) -> certs.Checked | None:
    """The certificate `serve` was given, checked before it listens (None for plain HTTP); a problem fails."""
    if not cert and not key:
        return None
    if not cert or not key:
        fail("give both --cert FILE and --key FILE to serve HTTPS (or neither for plain HTTP)")
    if int(config["PROXY_COUNT"]):
        fail("PROXY_COUNT is set, so a reverse proxy is in front: let the proxy do HTTPS and serve without "
             "--cert/--key (the TLS server cannot limit forwarded headers to the proxy's address)")
    try:
        return certs.check_pair(cert, key)
    except certs.TlsError as exc:
        fail(str(exc))


def serve_tls(app, host: str, port: int, cert: str, key: str, options: dict, checked: certs.Checked) -> None:
    """Serve HTTPS with cheroot until stopped."""
    from ..tls import server

    wildcard = host in ("0.0.0.0", "::")
    # Labels made without BASE_URL name this server as SERVER_NAME: one of the names the certificate holds.
    names = [n for n in checked.names if n not in ("localhost", "127.0.0.1", "::1")]
    server_name = (names[0] if names else "localhost") if wildcard else host
    server.serve(app, host, port, str(Path(cert)), str(Path(key)), options, server_name)
