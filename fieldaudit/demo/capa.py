"""Demo CAPAs: from the demo audits' nonconformities and from a complaint and a supplier, one in every state."""
from datetime import datetime, timedelta, timezone

from .. import db as dbm
from .. import ids
from ..auth import users
from ..capa import actions as capa_actions
from ..capa import commands as capa_commands
from ..capa import data, states, triage
from ..stations import data as stations

# (state to reach, days ago it was raised, title when raised directly or None to take the oldest pending finding)
PLAN = [
    ("closed", 140, None), ("effectiveness_check", 95, None), ("implementation", 70, None),
    ("action_plan", 40, None), ("root_cause", 25, None), ("containment", 12, None), ("open", 5, None),
    ("rejected", 60, None), ("cancelled", 30, "Duplicate report of the press 2 oil leak"),
    ("closed", 120, "Customer complaint 4711: connector housing cracked on delivery"),
    ("implementation", 50, "Supplier delivered coil stock without certificates"),
]
STEP_CONTENT = {
    "containment": {"containment": "Suspect stock quarantined and tagged; 100% check of the current shift's parts."},
    "root_cause": {"root_cause_category": "method", "root_cause": "The work instruction did not state the check "
                   "frequency, so it was skipped under time pressure.",
                   "whys": ["The defect reached the next station", "The check was skipped",
                            "The operator was not sure when it was due", "The instruction gives no frequency",
                            "Instruction review does not cover check frequencies"]},
}


def _at(days_ago: float):
    return ids.at(datetime.now(timezone.utc) - timedelta(days=days_ago))


def _advance(db, capa: dict, target: str, raised_days_ago: int, qm: dict, operator: dict) -> None:
    """Walk a CAPA through the workflow to `target`, a few days per step, doing what each step needs."""
    path = states.FLOW[1:states.FLOW.index(target) + 1] if target in states.FLOW else []
    day = raised_days_ago
    for step in path:
        day = max(day - max(raised_days_ago // (len(path) + 1), 1), 0.01)
        with _at(day):
            current = data.get_capa(db, capa["id"])
            if step in STEP_CONTENT:
                data.update_fields(db, current, STEP_CONTENT[step], qm["id"])
            if step == "implementation":
                due = data.local_today(current["timezone"]) + timedelta(days=14 if target != "implementation" else -3)
                due = max(due, datetime.fromisoformat(current["raised_on"]).date())
                for kind, what, owner in (
                        ("corrective", "Add the check frequency to the work instruction and brief every shift",
                         operator),
                        ("preventive", "Include check frequencies in the yearly instruction review", qm)):
                    capa_actions.add_action(db, current, kind=kind, description=what, owner_id=owner["id"],
                                            due_date=due.isoformat(), by=qm["id"])
            if step == "effectiveness_check":
                for action in capa_actions.list_actions(db, capa["id"]):
                    owner = operator if action["owner_id"] == operator["id"] else qm
                    capa_actions.update_action(db, current, action, {"status": "done", "done_note": "Done and briefed"},
                                       owner["id"], owner_only=owner is operator)
                data.update_fields(db, current, {"effectiveness_due": data.local_today(current["timezone"])
                                                 .isoformat()}, qm["id"])
            if step == states.CLOSED:
                data.update_fields(db, data.get_capa(db, capa["id"]), {
                    "effectiveness_result": "effective",
                    "effectiveness_notes": "Six weeks of audits and the defect log show no repeat."}, qm["id"])
            # Closing is e-signed; the demo signs as its quality manager, who needs no password here.
            capa_commands.transition(db, capa["id"], step, expected_state=data.get_capa(db, capa["id"])["state"],
                                     by=qm["id"], command_id=ids.new_id(), signer=qm)
    if target in states.DROPPED:
        with _at(max(raised_days_ago - 3, 0.01)):
            capa_commands.transition(db, capa["id"], target, expected_state=states.FLOW[0], by=qm["id"],
                                     command_id=ids.new_id(),
                            reason="Already covered by an open CAPA" if target == "cancelled"
                            else "Not a nonconformity: the requirement does not apply to this line")


def seed_capas(db, *, progress=lambda message: None) -> int:
    """CAPAs in every state for the Riverside plant, once; returns how many were made."""
    if dbm.scalar(db, "SELECT COUNT(*) FROM capas"):
        return 0
    site = stations.get_site_by_code(db, "PLT1")
    qm, operator = users.get_user_by_username(db, "quality"), users.get_user_by_username(db, "operator")
    made = 0
    used_audits: set[str] = set()
    for target, days_ago, title in PLAN:
        raised = ids.iso(datetime.now(timezone.utc) - timedelta(days=days_ago))
        # A finding of an audit submitted before the CAPA is raised, from an audit not used yet when possible,
        # so several stations' pages show open CAPAs.
        pending = [f for f in triage.pending(db, [site["id"]]) if f["submitted_at"] <= raised]
        pending.sort(key=lambda f: f["audit_number"] in used_audits)
        with _at(days_ago):
            if title is None and pending:
                finding = pending[0]
                used_audits.add(finding["audit_number"])
                capa = data.create_capa(db, site=site, title=finding["description"][:120], by=qm["id"],
                                        source="audit", severity=finding["severity"], owner_id=qm["id"],
                                        description=finding["description"], source_ref=finding["audit_number"],
                                        finding_ids=[finding["id"]])
            elif title is not None:
                source = "customer_complaint" if "complaint" in title.lower() else \
                    "supplier" if "supplier" in title.lower() else "internal"
                capa = data.create_capa(db, site=site, title=title, by=qm["id"], source=source, severity="major",
                                        owner_id=qm["id"], source_ref="4711" if source == "customer_complaint" else "")
            else:
                continue
        with _at(max(days_ago - 1, 0.01)):
            data.update_fields(db, capa, {"due_date": (data.local_today(site["timezone"])
                                                       + timedelta(days=30)).isoformat()}, qm["id"])
        _advance(db, capa, target, days_ago, qm, operator)
        progress(f"{capa['number']} {states.STATE_LABELS[data.get_capa(db, capa['id'])['state']]}")
        made += 1
    left = triage.pending(db, [site["id"]])
    if left:
        triage.dismiss(db, left[0]["id"], "Corrected on the spot during the audit and verified by the auditor",
                       qm["id"])
    return made
