"""Checklists, the integrity check and audit reports: `fieldaudit checklist …`, `verify`, `report`."""
import os
import sys
from pathlib import Path

import click

from .. import db as dbm
from .common import EXPECTED, fail, make_app, open_db


@click.group()
def checklist():
    """Validate, import and list checklists."""


@checklist.command("validate")
@click.argument("files", nargs=-1, required=True)
def checklist_validate(files):
    """Check checklist files (.yaml, .xlsx/.csv in the FieldAudit layout, XLSForm .xlsx); exit 2 with one line per
    problem (file, place in it, what to do). XLSForm items that do not map are listed as 'not imported'."""
    from ..checklists.formats import files as formats

    code, lines = formats.validate_lines(_checked(files))
    for line in lines:
        click.echo(line, err=code != 0)
    sys.exit(code)


def _checked(files):
    """Read and validate the files, with a progress bar on stderr when there are several."""
    from ..checklists.formats import files as formats

    if len(files) < 2:
        return formats.check_files(files)
    with click.progressbar(length=len(files), label="Checking", file=sys.stderr, show_pos=True) as bar:
        return formats.check_files(files, progress=lambda name: bar.update(1))


@checklist.command("import")
@click.argument("files", nargs=-1, required=True)
def checklist_import(files):
    """Validate and publish checklist files. A YAML file's changed content needs a higher version; a spreadsheet or
    XLSForm imported again becomes the next version of the same checklist (unchanged content: nothing new)."""
    from ..checklists import store
    from ..checklists.formats import files as formats

    results = _checked(files)
    code, lines = formats.validate_lines(results)
    if code != 0:
        for line in lines:
            click.echo(line, err=True)
        sys.exit(code)
    for line in lines[:-1]:
        if ": not imported: " in line:
            click.echo(line, err=True)
    app = make_app()
    db = open_db(app)
    failed = False
    with click.progressbar(results, label="Publishing", file=sys.stderr, show_pos=True) as bar:
        published = []
        for result in bar:
            try:
                row, created, used = formats.publish_checked(db, result)
                published.append(f"{'published' if created else 'unchanged'}: {used.id} v{used.version} "
                                 f"({row['question_count']} questions) from {result.name}")
            except store.PublishError as exc:
                failed = True
                published.append(f"error: {result.name}: {exc}")
    for line in published:
        click.echo(line, err=line.startswith("error"))
    sys.exit(1 if failed else 0)


@checklist.command("export")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx", "csv"]), default="yaml", show_default=True,
              help="yaml for version control, xlsx or csv to edit in a spreadsheet.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Where to write (default: standard output; "
              "required for xlsx).")
@click.option("--version", "version", type=int, help="A published version (default: the latest).")
def checklist_export(key, fmt, output, version):
    """Write a published checklist as YAML, .xlsx or .csv (import reads all three back)."""
    from ..checklists import ChecklistError
    from ..checklists.formats import files as formats, write_csv, write_xlsx, write_yaml

    if fmt == "xlsx" and not output:
        fail("an .xlsx workbook is binary; give -o FILE.xlsx")
    db = open_db(make_app())
    try:
        checklist = formats.latest_published(db, key, version)
        content = {"yaml": write_yaml, "xlsx": write_xlsx, "csv": write_csv}[fmt](checklist)
    except ChecklistError as exc:
        fail(str(exc))
    if output is None:
        click.echo(content, nl=False)
        return
    if isinstance(content, str):
        # A byte-order mark makes Excel read a CSV as UTF-8 (without it, accents break on Windows).
        Path(output).write_text(("\ufeff" if fmt == "csv" else "") + content, encoding="utf-8", newline="")
    else:
        Path(output).write_bytes(content)
    click.echo(f"Wrote {output}: {checklist.id} v{checklist.version} as {fmt}", err=True)


@checklist.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="checklist-template.xlsx",
              show_default=True, help="Where to write the workbook.")
def checklist_template(output):
    """Write the spreadsheet template: the layout with example questions and a README sheet of every column."""
    from ..checklists.formats import template_xlsx

    Path(output).write_bytes(template_xlsx())
    click.echo(f"Wrote {output}: fill in the questions sheet, then `fieldaudit checklist validate {output}`")


@checklist.command("list")
def checklist_list():
    """List published checklists with their latest version."""
    from ..checklists import store

    db = open_db(make_app())
    for row in store.list_checklists(db, active_only=False):
        click.echo(f"{row['key']:<24} v{row['version']:<3} {row['question_count']:>3} questions  {row['title']}")


def _existing_data(command: str):
    """The configured data folder's database and blob store; exit 2 when there is none (never create one)."""
    from flask import Flask

    from .. import config
    from ..evidence.blobstore import BlobStore

    app = Flask("fieldaudit", instance_path=os.environ.get("FIELDAUDIT_INSTANCE_PATH") or None)
    try:
        config.load(app)
    except EXPECTED as exc:
        fail(str(exc))
    path = config.database_target(app.config)
    if not isinstance(path, str) and not path.is_file():
        click.echo(f"error: no FieldAudit database at {path}; {command} checks an existing data folder and "
                   "never creates one (check --data-dir)", err=True)
        sys.exit(2)
    try:
        return dbm.connect(path), BlobStore(config.blob_dir(app.config))
    except dbm.DatabaseError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@click.command()
def verify():
    """Recompute the trail's hash chains against their seal and every signed record and file; name anything altered.

    Exit 0: nothing altered; 1: something was (one line each); 2: no database to check.
    """
    from .. import integrity

    db, store = _existing_data("verify")
    problems = integrity.verify(db, store)
    checked = ", ".join(f"{n} {what}" for what, n in integrity.counts(db).items())
    for line in problems:
        click.echo(f"ALTERED: {line}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found in {checked}.", err=True)
        sys.exit(1)
    click.echo(f"OK: {checked} verified; nothing altered.")


@click.command()
@click.argument("audit")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="Where to write the PDF.")
def report(audit, output):
    """Write the PDF summary of an audit (by number, e.g. AUD-PLT1-0042, or id); drafts are watermarked."""
    from ..appdb import blob_store_of
    from ..reports.build import make_audit_pdf

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
        pdf = make_audit_pdf(db, blob_store_of(app), row["id"], progress)
    Path(output).write_bytes(pdf)
    note = " (DRAFT: the audit is not submitted)" if row["status"] != "submitted" else ""
    click.echo(f"Wrote {output}: {len(pdf) // 1024} KB{note}")
