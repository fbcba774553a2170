"""The `fieldaudit` command: a thin layer over the library (init, serve, demo, user)."""
import os
import socket
import sys
from pathlib import Path

import click

from . import config
from . import db as dbm

EXPECTED = (dbm.DatabaseError, ValueError, OSError)


def fail(message: str) -> None:
    """Print a one-line reason and exit non-zero."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def make_app():
    """The app for a command, with the data-folder problem reported in one line."""
    from . import create_app
    try:
        return create_app()
    except EXPECTED as exc:
        fail(str(exc))


def open_db(app):
    """A connection to the app's database."""
    return dbm.connect(config.database_path(app.config))


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
    from .auth import users

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
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host, port, threads):
    """Serve FieldAudit with waitress."""
    import waitress

    app = make_app()
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}); the port is probably in use, "
             "choose another with --port")
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    click.echo(f"Data folder: {app.config['DATA_DIR']}")
    click.echo(f"FieldAudit {app.config.get('MODE')} serving at http://{shown}:{port}/  (Ctrl+C to stop)")
    if host == "0.0.0.0":
        click.echo("Tablets on the plant network reach it at this machine's address; put HTTPS in front for the "
                   "camera and offline use.")
    waitress.serve(app, host=host, port=port, threads=threads, ident="FieldAudit", _quiet=True)


@main.command()
def demo():
    """Load the demo plant (sites, areas, workstations, a user of every role); safe to run again."""
    from . import demo as demo_data

    app = make_app()
    db = open_db(app)
    data_dir = Path(app.config["DATA_DIR"])
    click.echo(f"Data folder: {data_dir}")
    already = demo_data.is_seeded(db)
    created = demo_data.seed(db, hash_method=app.config["PASSWORD_HASH_METHOD"],
                             progress=lambda m: click.echo(f"  + {m}"))
    from . import demo_history
    from .evidence.blobstore import BlobStore

    history = demo_history.seed_history(db, BlobStore(config.blob_dir(app.config)),
                                        progress=lambda m: click.echo(f"  + {m}"))
    if history["audits"]:
        click.echo(f"History: {history['audits']} audits ({history['submitted']} signed), "
                   f"{history['findings']} findings, {history['photos']} photos.")
    from . import demo_capa

    capas = demo_capa.seed_capas(db, progress=lambda m: click.echo(f"  + {m}"))
    if capas:
        click.echo(f"CAPA: {capas} corrective actions in every state of the workflow.")
    from . import demo_documents
    demo_documents.seed_and_report(db, BlobStore(config.blob_dir(app.config)), click.echo)
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


@main.group()
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
    from .auth import users
    from .stations import data as stations

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
    from .auth import users

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
    from .auth import users

    app = make_app()
    db = open_db(app)
    for row in users.list_users(db):
        roles = ", ".join(f"{m['role']}@{m['site_code'] or 'all'}" for m in users.memberships(db, row["id"]))
        state = "" if row["active"] else "  [disabled]"
        click.echo(f"{row['username']:<16} {row['display_name']:<24} {roles}{state}")


@main.group()
def checklist():
    """Validate, import and list checklists."""


@checklist.command("validate")
@click.argument("files", nargs=-1, required=True)
def checklist_validate(files):
    """Check checklist YAML files; exit 2 with one line per problem (file, path inside it, what to do)."""
    from .checklists import validate_command

    code, lines = validate_command(files)
    for line in lines:
        click.echo(line, err=code != 0)
    sys.exit(code)


@checklist.command("import")
@click.argument("files", nargs=-1, required=True)
def checklist_import(files):
    """Validate and publish checklist files (a changed checklist needs a higher version)."""
    from .checklists import load_checklist, validate_command
    from .checklists import store

    code, lines = validate_command(files)
    if code != 0:
        for line in lines:
            click.echo(line, err=True)
        sys.exit(code)
    app = make_app()
    db = open_db(app)
    failed = False
    with click.progressbar(files, label="Publishing", file=sys.stderr, show_pos=True) as bar:
        results = []
        for path in bar:
            checklist = load_checklist(path)
            try:
                row, created = store.publish(db, checklist, by=None, source=Path(path).name)
                results.append(f"{'published' if created else 'unchanged'}: {checklist.id} v{checklist.version} "
                               f"({row['question_count']} questions) from {path}")
            except store.PublishError as exc:
                failed = True
                results.append(f"error: {path}: {exc}")
    for line in results:
        click.echo(line, err=line.startswith("error"))
    sys.exit(1 if failed else 0)


@checklist.command("list")
def checklist_list():
    """List published checklists with their latest version."""
    from .checklists import store

    db = open_db(make_app())
    for row in store.list_checklists(db, active_only=False):
        click.echo(f"{row['key']:<24} v{row['version']:<3} {row['question_count']:>3} questions  {row['title']}")


@main.command()
def verify():
    """Recompute the audit trail's hash chains and every submitted record; name anything altered."""
    from .audits import record

    db = open_db(make_app())
    problems = record.verify(db)
    entries = dbm.scalar(db, "SELECT COUNT(*) FROM audit_trail")
    audits = dbm.scalar(db, "SELECT COUNT(*) FROM audits WHERE status = 'submitted'")
    for line in problems:
        click.echo(f"ALTERED: {line}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found in {entries} trail entries and {audits} submitted audits.",
                   err=True)
        sys.exit(2)
    click.echo(f"OK: {entries} trail entries and {audits} submitted audits verified; nothing altered.")


@main.command()
@click.argument("audit")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="Where to write the PDF.")
def report(audit, output):
    """Write the PDF summary of an audit (by number, e.g. AUD-PLT1-0042, or id); drafts are watermarked."""
    from .evidence.blobstore import BlobStore
    from .reports.views import make_audit_pdf

    app = make_app()
    db = open_db(app)
    row = dbm.query_one(db, "SELECT id, number, status FROM audits WHERE number = ? OR id = ?",
                        (audit.strip().upper(), audit.strip()))
    if row is None:
        fail(f"no audit {audit!r}; audit numbers look like AUD-PLT1-0042")
    with click.progressbar(length=100, label=f"Report {row['number']}", file=sys.stderr) as bar:
        seen = [0]

        def progress(done, total, message):
            now = int(100 * done / max(total, 1))
            bar.update(now - seen[0])
            seen[0] = now
        pdf = make_audit_pdf(db, BlobStore(config.blob_dir(app.config)), row["id"], progress)
    Path(output).write_bytes(pdf)
    note = " (DRAFT: the audit is not submitted)" if row["status"] != "submitted" else ""
    click.echo(f"Wrote {output}: {len(pdf) // 1024} KB{note}")


@main.group()
def qr():
    """QR codes for workstation labels."""


@qr.command("labels")
@click.option("--site", "site_code", required=True, help="Site code, e.g. PLT1.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="PDF file to write.")
@click.option("--paper", type=click.Choice(["a4", "letter"], case_sensitive=False), default="a4", show_default=True)
@click.option("--base-url", envvar="FIELDAUDIT_BASE_URL",
              help="The URL tablets reach this server at (default: the BASE_URL setting), e.g. https://audit.plant.local.")
@click.option("--workstation", "codes", multiple=True, help="Only this station code (repeatable); default: all active.")
def qr_labels(site_code, output, paper, base_url, codes):
    """Write a printable PDF sheet of QR labels (station name, code, site) for a site's workstations."""
    from .stations import data as stations
    from .stations import qr as qrcodes
    from .stations.scan import labels_for

    app = make_app()
    base = base_url or app.config.get("BASE_URL")
    if not base or not base.startswith(("http://", "https://")):
        fail("give --base-url https://… (the address tablets open this server at) or set BASE_URL in the "
             "configuration; a label must hold a full URL for a camera app to open it")
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


@main.group()
def documents():
    """Controlled documents."""


@documents.command("activate")
def documents_activate():
    """Make approved versions whose effective date has come effective (run daily, e.g. just after midnight)."""
    from .documents import workflow

    db = open_db(make_app())
    done = workflow.promote_due(db)
    for code, version in done:
        click.echo(f"effective: {code} version {version}")
    click.echo(f"{len(done)} version(s) became effective." if done else "Nothing was due.")


@documents.command("due")
def documents_due():
    """List documents whose periodic review date has come."""
    from .documents import data as docs
    from .documents import workflow

    db = open_db(make_app())
    rows = workflow.due_for_review(db, docs.list_documents(db), lambda d: docs.today_at(db, d["site_ids"]))
    for row in rows:
        click.echo(f"{row['code']:<14} review due {row['next_review_date']} ({row['overdue_days']} days)  "
                   f"{row['title']}")
    if not rows:
        click.echo("No document is due for review.")
