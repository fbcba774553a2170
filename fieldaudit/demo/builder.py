"""Demo content for the checklist builder: a checklist with two published versions (so the diff shows something)
and a draft in progress for the plant quality manager, with one thing left to fix."""
from ..auth import users
from ..checklists import drafts, store

FORKLIFT_V1 = {"title": "Forklift pre-use check", "standard": "Internal safety rule HS-12", "sections": [
    {"title": "Truck", "questions": [
        {"id": "horn", "text": "Horn and reversing alarm work", "type": "pass_fail", "procedure": "SOP-HS-010"},
        {"id": "forks", "text": "Forks free of cracks and bends", "type": "pass_fail",
         "finding": {"when": "fail", "severity": "major"}},
        {"id": "tyres", "text": "Tyre condition", "type": "rating", "labels": ["Worn out", "Worn", "Good"],
         "finding": {"when": [1], "severity": "major"}}]},
    {"title": "Driver", "questions": [
        {"id": "licence", "text": "Driver holds a valid forklift licence", "type": "yes_no",
         "finding": {"when": "no", "severity": "major"}},
        {"id": "licence-gap", "text": "What happens until a licensed driver takes over?", "type": "text",
         "show_if": {"question": "licence", "equals": "no"}}]}]}


def _v2(data: dict) -> dict:
    """Version 2: a battery reading with limits, the tyre rule softened, the horn question reworded."""
    truck, driver = data["sections"]
    truck["questions"][0]["text"] = "Horn, reversing alarm and blue spot light work"
    truck["questions"][2]["finding"] = [{"when": [1], "severity": "minor"}]
    truck["questions"].append({"id": "battery", "text": "Battery charge at start of shift", "type": "numeric",
                               "unit": "%", "min": 30, "decimals": 0, "finding": {"out_of_limits": "minor"}})
    return data


WELD_DRAFT = {"title": "Weld cell start of shift", "standard": "ISO 3834-2", "sections": [
    {"title": "Equipment", "questions": [
        {"id": "wire-feed", "text": "Wire feed speed set per the welding procedure", "type": "numeric",
         "unit": "m/min", "min": 8, "max": 10, "decimals": 1, "clause": "14"},
        {"id": "gas", "text": "Shielding gas", "type": "single_choice",
         "options": ["M21 (Ar/CO2 82/18)"], "guidance": "Check the cylinder label, not the trolley."}]},
    {"title": "Parts", "questions": [
        {"id": "first-off", "text": "First-off weld passes visual check", "type": "pass_fail", "allow_na": True},
        {"id": "spatter", "text": "Spatter on the sealing face", "type": "yes_no",
         "show_if": {"question": "first-off", "equals": "fail"}}]}]}


def seed_builder(db) -> int:
    """Add the forklift checklist (v1 and v2) and the weld cell draft when missing; how many were added."""
    manager = users.get_user_by_username(db, "quality")
    by = manager["id"] if manager else None
    added = 0
    if store.find_checklist(db, "forklift-check") is None:
        first = drafts.publish_draft(db, drafts.save_draft(db, "forklift-check", FORKLIFT_V1, by=by)["id"], by=by)
        second = drafts.new_version_from(db, first["id"], by=by)
        _, _, data = drafts.get(db, second["id"])
        drafts.save_draft(db, "forklift-check", _v2(data), by=by, revision=second["revision"])
        drafts.publish_draft(db, second["id"], by=by)
        added += 1
    if store.find_checklist(db, "weld-cell-start") is None:
        # Left with one problem on purpose (one gas option): the builder shows it next to the options.
        drafts.save_draft(db, "weld-cell-start", WELD_DRAFT, by=by, source="started in the builder")
        added += 1
    return added
