"""Station labels and controlled documents: `fieldaudit qr labels`, `fieldaudit documents …`."""
import sys
from pathlib import Path

import click

from .common import fail, make_app, open_db


@click.group()
def qr():
    """QR codes for workstation labels."""


@qr.command("labels")
@click.option("--site", "site_code", required=True, help="Site code, e.g. PLT1.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="PDF file to write.")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4", show_default=True)
@click.option("--base-url", envvar="FIELDAUDIT_BASE_URL",
              help="The URL tablets reach this server at (default: the BASE_URL setting, else this machine's network "
                   "address on port 8000, as `serve --host 0.0.0.0` announces), e.g. https://audit.plant.local.")
@click.option("--workstation", "codes", multiple=True, help="Only this station code (repeatable); default: all active.")
def qr_labels(site_code, output, paper, base_url, codes):
    """Write a printable PDF sheet of QR labels (station name, code, site) for a site's workstations."""
    from ..stations import data as stations
    from ..stations import qr as qrcodes
    from ..stations.labels import announced_base, is_local, labels_for

    app = make_app()
    base = base_url or app.config.get("BASE_URL")
    if not base:
        base = announced_base()
        click.echo(f"Warning: no --base-url and no BASE_URL setting; the labels point at {base}, the address "
                   "`fieldaudit serve --host 0.0.0.0` announces. Tablets must reach this server there; give "
                   "--base-url (e.g. https://audit.plant.local) if they use another name.", err=True)
    if not base.startswith(("http://", "https://")):
        fail("give --base-url https://… (the address tablets open this server at) or set BASE_URL in the "
             "configuration; a label must hold a full URL for a camera app to open it")
    if is_local(base):
        click.echo(f"Warning: {base} opens only on this computer; a tablet scanning these labels cannot reach it.",
                   err=True)
    db = open_db(app)
    site = stations.get_site_by_code(db, site_code)
    if site is None:
        fail(f"no site with code {site_code!r}; `fieldaudit demo` creates PLT1 and PLT2")
    rows = stations.list_workstations(db, site["id"])
    if codes:
        wanted = {c.strip().upper() for c in codes}
        unknown = wanted - {w["code"] for w in rows}
        if unknown:
            fail(f"no workstation {', '.join(sorted(unknown))} at {site['code']}")
        rows = [w for w in rows if w["code"] in wanted]
    else:
        rows = [w for w in rows if w["active"]]
    if not rows:
        fail(f"site {site['code']} has no active workstations to label")
    labels = labels_for(rows, base)
    with click.progressbar(length=len(labels), label=f"Labels for {site['code']}", file=sys.stderr,
                           show_pos=True) as bar:
        pdf = qrcodes.label_sheet(labels, paper.lower(), title=f"FieldAudit labels — {site['code']}",
                                  progress=lambda _: bar.update(1))
    Path(output).write_bytes(pdf)
    pages = -(-len(labels) // (qrcodes.COLUMNS * qrcodes.ROWS))
    click.echo(f"Wrote {len(labels)} label(s) on {pages} {paper.upper()} page(s) to {output}; "
               f"they open {base.rstrip('/')}/w/<code>.")


@click.group()
def documents():
    """Controlled documents."""


@documents.command("activate")
def documents_activate():
    """Make approved versions whose effective date has come effective (run daily, e.g. just after midnight)."""
    from ..documents import workflow

    db = open_db(make_app())
    done = workflow.promote_due(db)
    for code, version in done:
        click.echo(f"effective: {code} version {version}")
    click.echo(f"{len(done)} version(s) became effective." if done else "Nothing was due.")


@documents.command("due")
def documents_due():
    """List documents whose periodic review date has come."""
    from ..documents import data as docs
    from ..documents import workflow

    db = open_db(make_app())
    rows = workflow.due_for_review(db, docs.list_documents(db), lambda d: docs.today_at(db, d["site_ids"]))
    for row in rows:
        click.echo(f"{row['code']:<14} review due {row['next_review_date']} ({row['overdue_days']} days)  "
                   f"{row['title']}")
    if not rows:
        click.echo("No document is due for review.")
