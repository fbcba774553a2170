"""The home screen: what this person can do here, per site."""
from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from . import ids, settings
from . import health as health_check
from .appdb import get_blob_store, get_db
from .audits import data as audits
from .capa import actions as capa_actions
from .capa import data as capa, triage
from .documents import access as document_access
from .documents import data as documents
from .documents import workflow as document_workflow
from .programme import data as programme
from .programme.states import STATE_LABELS as PROGRAMME_STATES
from .auth.roles import ROLE_LABELS
from .stations import data as stations

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Sites with the user's roles, and each role's work of the day, every item linked."""
    db = get_db()
    sites = stations.list_sites(db, current_user.site_ids_with("view_site"))
    for site in sites:
        site["roles"] = sorted(current_user.roles_at(site["id"]), key=list(ROLE_LABELS).index)
        site["workstation_count"] = len(stations.list_workstations(db, site["id"]))
    in_progress = audits.list_audits(db, auditor_id=current_user.id, status="in_progress", limit=20)
    managed = current_user.site_ids_with("manage_capa")
    quality = None
    if managed != []:
        active = capa.list_capas(db, site_ids=managed, state="active")
        overdue = [c for c in active if c["due_status"] == "overdue"]
        quality = {"pending": len(triage.pending(db, managed)), "active": len(active), "overdue": len(overdue),
                   "overdue_capas": overdue[:10]}
    auditing = current_user.site_ids_with("run_audits")
    due = programme.due_for(db, current_user.id, programme.today_by_site(db, auditing, ids.utc_now())) \
        if auditing != [] else []
    approving = current_user.site_ids_with(document_access.AUTHOR)
    return render_template(
        "home/index.html", sites=sites, role_labels=ROLE_LABELS, paired=settings.hub_paired(db),
        in_progress=in_progress, due=due, state_labels=PROGRAMME_STATES,
        can_audit=current_user.can_anywhere("run_audits"), quality=quality,
        my_actions=capa_actions.my_actions(db, current_user.id),
        to_read=document_workflow.to_confirm(db, current_user.id, lambda d: _today_for(db, d)),
        to_approve=[] if approving == [] else document_workflow.awaiting_approval(db, approving, current_user.id))


def _today_for(db, doc: dict):
    """The local date that decides which version this person must read."""
    return document_access.viewer_today(documents.get_document(db, doc["id"]))


def health():
    """Readiness for the load balancer or a monitoring script: 200, or 503 naming the failed check; public."""
    body = health_check.report(lambda: get_db(wait=health_check.DATABASE_WAIT), get_blob_store())
    return jsonify(body), 503 if body["failed"] else 200
