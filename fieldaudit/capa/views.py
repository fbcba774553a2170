"""CAPA pages: triage of findings, the list with filters and CSV, one CAPA's workflow and timeline, my actions."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import edits, forms, htmx, ids
from ..appdb import get_db
from ..auth import esign, password_attempt, safe_next, users
from ..auth.access import ensure, ensure_found, sites_with
from ..checklists import SEVERITY_LABELS
from ..reports.export import capas_csv
from ..responses import csv_response
from ..stations import data as stations
from . import access
from . import actions as capa_actions
from . import commands as capa_commands
from . import data, states, triage

bp = Blueprint("capa", __name__, url_prefix="/capa")


def _filters() -> dict:
    args = request.args
    return {k: args.get(k) or None for k in ("site_id", "state", "owner_id", "severity", "source")} | \
        {"overdue": args.get("overdue") == "1"}


def _filtered(filters: dict) -> list[dict]:
    if filters["site_id"]:
        ensure("view_audits", filters["site_id"])
        site_ids = [filters["site_id"]]
    else:
        site_ids = sites_with("view_audits", message="Your role does not include CAPA; see My actions for what you "
                                                     "own.")
    return data.list_capas(get_db(), site_ids=site_ids, state=filters["state"], owner_id=filters["owner_id"],
                           severity=filters["severity"], source=filters["source"], overdue=filters["overdue"])


@bp.get("/")
def index():
    """CAPAs of my sites with filters and counts per state."""
    filters = _filters()
    rows = _filtered(filters)
    db = get_db()
    return render_template("capa/index.html", rows=rows, filters=filters, counts=data.counts_by_state(rows),
                           sites=stations.list_sites(db, current_user.site_ids_with("view_audits")),
                           people=users.list_users(db, current_user.site_ids_with("view_audits")),
                           state_labels=states.STATE_LABELS, flow=states.FLOW, sources=states.SOURCES,
                           severity_labels=SEVERITY_LABELS,
                           pending=len(triage.pending(db, current_user.site_ids_with("manage_capa"))),
                           can_manage=current_user.can_anywhere("manage_capa"))


@bp.get("/export.csv")
def export():
    """The filtered list as CSV, for a spreadsheet or the management review."""
    return csv_response(capas_csv(_filtered(_filters())), "capa")


@bp.get("/triage")
def triage_list():
    """Nonconformities waiting for a decision: open a CAPA, link to one, or record that none is needed."""
    return _triage_page()


def _triage_page(error=None):
    site_ids = sites_with("manage_capa", message="Triage is for quality managers.")
    db = get_db()
    return render_template("capa/triage.html", findings=triage.pending(db, site_ids),
                           open_capas=data.list_capas(db, site_ids=site_ids, state="active"),
                           sites=stations.list_sites(db, site_ids), severity_labels=SEVERITY_LABELS, error=error,
                           selected=set(request.values.getlist("finding_id")))


@bp.post("/settings/<site_id>")
def settings(site_id):
    """Switch automatic CAPAs for major nonconformities at a site."""
    ensure_found(stations.get_site(get_db(), site_id), "manage_capa", site_key="id")
    on = request.form.get("auto_major") == "1"
    triage.set_auto_major(get_db(), site_id, on)
    flash("Major nonconformities now open a CAPA automatically." if on else
          "Major nonconformities now wait in triage like the others.", "success")
    return redirect(url_for("capa.triage_list"), 303)


@bp.post("/triage/<finding_id>/dismiss")
def dismiss(finding_id):
    """No CAPA needed, with the reason on record."""
    finding = ensure_found(data.finding_for_capa(get_db(), finding_id), "manage_capa")
    forms.rerender_on_refusal(_triage_page)
    triage.dismiss(get_db(), finding["id"], request.form.get("reason", ""), current_user.id)
    flash(f"Recorded: no CAPA needed for {finding['audit_number']} finding {finding['number']}.", "success")
    return redirect(url_for("capa.triage_list"), 303)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Raise a CAPA: from selected findings (one root cause, one CAPA) or directly (complaint, supplier, …)."""
    db = get_db()
    source = request.form if request.method == "POST" else request.args
    finding_ids = source.getlist("finding_id")
    if source.get("from") == "triage" and not finding_ids:
        # From the triage list an empty selection is a slip, not a wish for a blank CAPA.
        return _triage_page("Select the findings this CAPA covers."), 422
    findings = [ensure_found(data.finding_for_capa(db, f), "manage_capa") for f in finding_ids]
    if len({f["site_id"] for f in findings}) > 1:
        abort(400, description="Findings of different sites cannot share one CAPA.")
    site_ids = sites_with("manage_capa", message="Raising a CAPA is for quality managers.")
    sites = stations.list_sites(db, site_ids)
    site_id = findings[0]["site_id"] if findings else source.get("site_id") or (sites[0]["id"] if sites else None)
    prefill = {"title": findings[0]["description"][:120] if len(findings) == 1 else "",
               "description": "\n".join(f"{f['audit_number']} #{f['number']}: {f['description']}" for f in findings)}

    def page(error=None):
        return render_template("capa/new.html", findings=findings, sites=sites, site_id=site_id,
                               people=users.people_at(db, [site_id] if site_id else []), form=source,
                               prefill=prefill, sources=states.SOURCES, severity_labels=SEVERITY_LABELS, error=error)

    if request.method == "GET":
        return page()
    site = ensure_found(stations.get_site(db, site_id or ""), "manage_capa", site_key="id")
    worst = min((f["severity"] for f in findings), key=list(SEVERITY_LABELS).index, default=None)
    forms.rerender_on_refusal(page)
    capa = data.create_capa(db, site=site, title=source.get("title", ""), by=current_user.id,
                            source="audit" if findings else source.get("source", "internal"),
                            severity=worst or source.get("severity", "minor"),
                            description=source.get("description", ""),
                            source_ref=", ".join(sorted({f["audit_number"] for f in findings}))
                            or source.get("source_ref", ""),
                            owner_id=source.get("owner_id") or current_user.id,
                            due_date=source.get("due_date"), finding_ids=[f["id"] for f in findings])
    flash(f"{capa['number']} raised.", "success")
    return redirect(url_for("capa.show", capa_id=capa["id"]), 303)


@bp.post("/link")
def link():
    """Link more findings to an existing CAPA."""
    capa_id = request.form.get("capa_id", "")
    capa = access.managed(get_db(), capa_id)
    data.link(get_db(), capa, request.form.getlist("finding_id"), current_user.id)
    flash(f"Linked to {capa['number']}.", "success")
    return redirect(url_for("capa.show", capa_id=capa_id), 303)


def _show_context(capa: dict, **extra) -> dict:
    db = get_db()
    return {"capa": capa, "actions": capa_actions.list_actions(db, capa["id"]), "events": data.events(db, capa["id"]),
            "findings": triage.linked_findings(db, capa["id"]), "state_labels": states.STATE_LABELS,
            "targets": states.allowed_targets(capa["state"]), "categories": states.CATEGORIES,
            "kinds": states.ACTION_KINDS, "sources": states.SOURCES, "severity_labels": SEVERITY_LABELS,
            "people": users.people_at(db, [capa["site_id"]]), "flow": states.FLOW,
            "dropped": states.DROPPED, "reopen": states.REOPEN, "buttons": states.BUTTON_LABELS,
            "close_target": states.CLOSED, "close_meaning": capa_commands.CLOSE_MEANING,
            "can_manage": current_user.can("manage_capa", capa["site_id"]),
            "can_see_evidence": current_user.can("view_audits", capa["site_id"]),
            "terminal": capa["state"] in states.TERMINAL, "command_id": ids.new_id(), "error": None,
            "values": capa, "seen": data.field_tokens(capa), "conflicts": [], "posted": {},
            "today": data.local_today(capa["timezone"]).isoformat(), **extra}


def _page(capa_id: str, error=None, typed=None, seen=None, conflicts=()):
    """The CAPA as it is now, with what the person typed (and the tokens their page carried) kept on a refusal."""
    capa = data.get_capa(get_db(), capa_id)
    values = {**capa, **(typed or {})}
    tokens = {**data.field_tokens(capa), **(seen or {})}
    return render_template("capa/show.html", **_show_context(capa, error=error, values=values, seen=tokens,
                                                             conflicts=list(conflicts), posted=request.form))


def _posted(form) -> tuple[dict, dict]:
    """The record's fields and the tokens of what the page showed, as a form sends them."""
    fields = {k: form[k] for k in data.EDITABLE if k in form and k != "whys"}
    if "why" in form:
        fields["whys"] = [w for w in form.getlist("why") if w.strip()]
    return fields, edits.seen_from(form)


def _conflicted(capa_id: str, conflicts: list[dict]):
    """409: the page as it is now with the person's text in each conflicting field, theirs shown beside it."""
    mine = {c["field"]: c["yours"] for c in conflicts}
    return _page(capa_id, edits.conflict_message(conflicts), typed=mine, conflicts=conflicts), 409


@bp.get("/<capa_id>")
def show(capa_id):
    """One CAPA: where it stands, what each step recorded, its actions and its whole history."""
    return render_template("capa/show.html", **_show_context(access.readable(get_db(), capa_id)))


@bp.post("/<capa_id>/fields")
def update(capa_id):
    """Save the step's fields (containment, root cause with 5 whys, effectiveness check, dates, owner)."""
    capa = access.managed(get_db(), capa_id)
    fields, seen = _posted(request.form)
    forms.rerender_on_refusal(lambda error: _page(capa_id, error, fields, seen))
    changed, conflicts = data.save_fields(get_db(), capa, fields, current_user.id, seen,
                                          request.form.get("early_reason", ""))
    if conflicts:
        return _conflicted(capa_id, conflicts)
    flash("Saved." if changed else "Nothing had changed.", "success")
    return redirect(url_for("capa.show", capa_id=capa_id), 303)


@bp.post("/<capa_id>/transition")
def transition(capa_id):
    """Save what the screen shows and move the CAPA on (or back, or out) as a command naming the state seen."""
    db = get_db()
    access.managed(db, capa_id)
    form = request.form
    target = form.get("to", "")
    fields, seen = _posted(form)
    # A refusal shows the CAPA as it is now (a stale page sees what changed) with everything typed kept.
    forms.rerender_on_refusal(lambda error: _page(capa_id, error, fields, seen), statuses=(409, 422, 429))
    signer = None
    if target == states.CLOSED and form.get("password"):
        # Checked before the command's transaction, so a wrong password counts against the throttle even though
        # the refused move rolls back.
        signer = esign.verify_signature(db, current_user.id, form["password"], attempt=password_attempt())
    base = form.get("command_id") or ids.new_id()
    capa, _, conflicts = capa_commands.save_and_move(
        db, capa_id, target, fields=fields, seen=seen, expected_state=form.get("expected_state", ""),
        by=current_user.id, command_id=f"{base}-{target}", reason=form.get(f"reason_{target}", form.get("reason", "")),
        early_reason=form.get("early_reason", ""), password=form.get("password", ""), signer=signer)
    if conflicts:
        return _conflicted(capa_id, conflicts)
    flash(f"{capa['number']} is now: {states.STATE_LABELS[capa['state']]}.", "success")
    return redirect(url_for("capa.show", capa_id=capa_id), 303)


@bp.post("/<capa_id>/actions")
def add_action(capa_id):
    """Plan an action with an owner and a due date."""
    capa = access.managed(get_db(), capa_id)
    form = request.form
    owner = form.get("owner_id", "")
    forms.rerender_on_refusal(lambda error: render_template("capa/show.html", **_show_context(capa, error=error)))
    capa_actions.add_action(get_db(), capa, kind=form.get("kind", ""), description=form.get("description", ""),
                            owner_id=owner, due_date=form.get("due_date", ""), by=current_user.id)
    return redirect(url_for("capa.show", capa_id=capa_id, _anchor="actions"), 303)


@bp.post("/<capa_id>/actions/<action_id>")
def update_action(capa_id, action_id):
    """Report progress on an action (its owner) or change it (the quality manager)."""
    db = get_db()
    capa = access.readable(db, capa_id)
    action = access.changeable_action(db, capa, action_id)
    # Decides what may change, not whether: the guard above already let only the owner or the manager through.
    manager = current_user.can("manage_capa", capa["site_id"])
    fields = {k: request.form[k] for k in ("status", "done_note", "description", "owner_id", "due_date", "kind")
              if k in request.form}
    if not htmx.is_htmx():  # the owner's htmx row has no form to show again; the manager's CAPA page has
        forms.rerender_on_refusal(lambda error: render_template("capa/show.html", **_show_context(capa, error=error)))
    capa_actions.update_action(db, capa, action, fields, current_user.id, owner_only=not manager)
    if htmx.is_htmx():
        return render_template("capa/_my_action.html", a=_my_row(db, action_id))
    flash("Action updated.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("capa.show", capa_id=capa_id, _anchor="actions"),
                    303)


def _my_row(db, action_id: str) -> dict:
    return next(r for r in capa_actions.my_actions(db, current_user.id, include_done=True) if r["id"] == action_id)


@bp.get("/my-actions")
def my_actions():
    """Open actions I own, across CAPAs, by due date."""
    return render_template("capa/my_actions.html", rows=capa_actions.my_actions(get_db(), current_user.id),
                           kinds=states.ACTION_KINDS)
