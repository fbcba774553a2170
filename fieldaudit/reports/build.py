"""Making the report PDFs from the database, for the pages, their background jobs and the CLI (no Flask)."""
from datetime import date

from .. import seal, settings
from ..audits import data as audits
from . import audit_pdf, export, site_pdf


def _load_photo_from(store):
    def load(sha):
        return store.path(sha).read_bytes() if sha and store.exists(sha) else None
    return load


def audit_filename(audit: dict) -> str:
    """The audit report's file name; a draft says so."""
    return f"{audit['number']}{'-DRAFT' if audit['status'] != 'submitted' else ''}.pdf"


def make_audit_pdf(db, store, audit_id: str, progress=lambda d, t, m: None) -> bytes:
    """The audit's PDF, from its export."""
    audit = audits.get_audit(db, audit_id)
    data = export.audit_export(db, audit_id)
    return audit_pdf.build(data, integrity=export.integrity_hash(data), load_photo=_load_photo_from(store),
                           previous=export.previous_audit(db, audit), progress=progress, trail_head=trail_head(db))


def trail_head(db) -> str | None:
    """This installation's newest trail entry as printed on reports: its sequence number and hash."""
    head = seal.heads(db).get(settings.device_id(db))
    return f"entry #{head['seq']}, hash {head['hash']}" if head else None


def site_filename(site: dict, start: date, end: date) -> str:
    """The site summary's file name: the site and the period."""
    return f"summary-{site['code']}-{start}-{end}.pdf"


def make_site_pdf(db, site: dict, start: date, end: date, progress=lambda d, t, m: None) -> bytes:
    """A site's summary for the calendar dates start..end (both included)."""
    progress(0, 2, "gathering audits, findings and CAPAs")
    summary = site_pdf.collect(db, site, start, end)
    progress(1, 2, "laying out")
    body = site_pdf.build(summary)
    progress(2, 2, "done")
    return body
