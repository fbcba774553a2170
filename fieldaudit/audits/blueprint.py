"""The audits blueprint and the checks its views share: who may see an audit, who may change it."""
from flask import Blueprint

from ..appdb import get_db
from ..auth.access import ensure_found, ensure_owner
from ..refusal import Refusal
from . import data

bp = Blueprint("audits", __name__, url_prefix="/audits")


def audit_for(audit_id: str, permission: str = "view_audits") -> dict:
    """An audit the current user may see (404 across sites)."""
    return ensure_found(data.get_audit(get_db(), audit_id), permission)


def own_open_audit(audit_id: str) -> dict:
    """An audit the current user is running: only its auditor answers it, and only while it is open."""
    audit = ensure_owner(audit_for(audit_id, "run_audits"), "auditor_id",
                         "Only the auditor running this audit can change it.")
    if audit["status"] != "in_progress":
        raise Refusal(f"Audit {audit['number']} has been submitted and is read-only.", 409)
    return audit
