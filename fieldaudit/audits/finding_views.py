"""Findings of an audit: raised from a question (pre-filled by its rule) or free-standing, editable until submission."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import edits, forms
from ..appdb import get_blob_store, get_db
from ..checklists import SEVERITY_LABELS, rules
from ..evidence import data as evidence
from ..evidence import limits as photo_limits
from . import data, pages
from .blueprint import audit_for, bp, own_open_audit


@bp.route("/<audit_id>/findings/new", methods=["GET", "POST"])
def new_finding(audit_id):
    """Raise a finding, with photos; from a question its rule suggests severity and clause, and its text and the
    answer's reason are the placeholders of Requirement and Evidence (nothing to delete before writing)."""
    db = get_db()
    audit = own_open_audit(audit_id)
    checklist = data.checklist_of(db, audit)
    question_id = request.values.get("question_id") or None
    question = None
    if question_id:
        try:
            question = checklist.question(question_id)
        except KeyError:
            abort(404)
    answers = data.values(data.answers_of(db, audit_id))
    proposed = rules.proposed_finding(question, answers.get(question_id)) if question_id in answers else None
    hints = {"requirement": question.text if question else "What the standard or procedure requires",
             "evidence": proposed.reason if proposed else "What you saw, heard or read"}
    back = _back_to(audit, checklist, question_id)

    def page(error):
        return render_template("audits/finding_form.html", audit=audit, form=form, error=error, finding=None,
                               severity_labels=SEVERITY_LABELS, question=question, hints=hints, back=back)
    if request.method == "POST":
        form = request.form
        # A refused photo (400) re-renders the form with its reason, like a missing description (422).
        forms.rerender_on_refusal(page, statuses=(400, 422))
        uploads = [f.read() for f in request.files.getlist("photos") if f and f.filename]
        finding = data.add_finding_with_photos(db, get_blob_store(), audit, request.form, current_user.id, uploads,
                                               photo_limits.from_config(current_app.config))
        flash(f"Finding {finding['number']} recorded.", "success")
        return redirect(_back_to(audit, checklist, finding["question_id"]), 303)
    form = {"question_id": question_id or "", "clause": question.clause or "",
            "severity": proposed.severity if proposed else "observation"} if question else {}
    return page(None)


def _back_to(audit, checklist, question_id):
    if question_id:
        return url_for("audits.section", audit_id=audit["id"], section_id=checklist.section_of(question_id).id,
                       _anchor=f"q-{question_id}")
    return url_for("audits.findings", audit_id=audit["id"])


@bp.get("/<audit_id>/findings")
def findings(audit_id):
    """All findings of an audit."""
    audit = audit_for(audit_id)
    db = get_db()
    return render_template("audits/findings.html", audit=audit, findings=data.list_findings(db, audit_id),
                           checklist=data.checklist_of(db, audit), severity_labels=SEVERITY_LABELS,
                           finding_photos=evidence.by_target(evidence.list_for_audit(db, audit_id))[1],
                           editable=pages.editable(audit, current_user.id))


@bp.route("/<audit_id>/findings/<finding_id>", methods=["GET", "POST"])
def edit_finding(audit_id, finding_id):
    """Edit a finding until the audit is submitted."""
    db = get_db()
    audit = own_open_audit(audit_id)
    finding = data.get_finding(db, finding_id)
    if finding is None or finding["audit_id"] != audit_id:
        abort(404)
    if request.method == "POST":
        seen = edits.seen_from(request.form)
        forms.rerender_on_refusal(lambda error: _edit_page(audit, request.form, finding, error, seen))
        saved, conflicts = data.save_finding(db, audit, finding_id, request.form, seen)
        if conflicts:
            # The finding as it is now, with this person's text in each field the other side changed too.
            typed = {**saved, **{c["field"]: c["yours"] for c in conflicts}}
            return _edit_page(audit, typed, saved, edits.conflict_message(conflicts), conflicts=conflicts), 409
        flash(f"Finding {finding['number']} saved.", "success")
        return redirect(url_for("audits.findings", audit_id=audit_id), 303)
    return _edit_page(audit, finding, finding, None)


def _edit_page(audit, form, finding, error, seen=None, conflicts=()):
    """The edit form; it carries what it showed of each field so a newer edit from elsewhere is not overwritten."""
    tokens = {**edits.tokens(finding, data.FINDING_EDITS), **(seen or {})}
    return render_template("audits/finding_form.html", audit=audit, form=form, error=error, finding=finding,
                           severity_labels=SEVERITY_LABELS, question=None, seen=tokens, conflicts=list(conflicts))


@bp.post("/<audit_id>/findings/<finding_id>/delete")
def delete_finding(audit_id, finding_id):
    """Withdraw a finding."""
    audit = own_open_audit(audit_id)
    evidence.delete_for_finding(get_db(), get_blob_store(), audit_id, finding_id)
    data.delete_finding(get_db(), audit, finding_id)
    flash("Finding withdrawn.", "success")
    return redirect(url_for("audits.findings", audit_id=audit_id), 303)
