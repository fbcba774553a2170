"""The context of a document version page, shared by the reading and authoring views."""
from flask_login import current_user

from .. import settings
from ..appdb import get_db
from ..stations import data as stations
from . import access, data, states, workflow


def version_context(doc: dict, version: dict | None, **extra) -> dict:
    """What a version page and its fragments need: the version, its siblings, what is in force, who confirmed."""
    db = get_db()
    versions = data.versions_of(db, doc["id"])
    today = access.viewer_today(doc)
    current = states.in_force(versions, today)
    reader = workflow.is_reader(db, doc["id"], current_user.id)
    can_author = access.may_author(doc)
    paired = settings.hub_paired(db)
    return {
        "doc": doc, "version": version, "versions": versions, "current": current, "today": today,
        "shown": {v["id"]: states.shown_state(v, current) for v in versions}, "labels": states.LABELS,
        "ended_on": states.ended_on(versions),
        "kinds": data.KINDS, "reader": reader, "paired": paired, "can_author": can_author and not paired,
        "receipt": workflow.receipt(db, version["id"], current_user.id) if version else None,
        "receipts": workflow.receipts(db, doc["id"], current["id"]) if current and can_author else None,
        "commands": [] if paired or version is None else states.available(workflow.snapshot(version),
                                                                            access.actor(doc)),
        "is_author": version is not None and workflow.snapshot(version).written_by(current_user.id),
        "command_labels": states.COMMAND_LABELS, "signatures": data.signatures_of(db, version["id"]) if version else [],
        "workstations": [stations.get_workstation(db, w) for w in doc["workstation_ids"]],
        "sites": stations.list_sites(db, doc["site_ids"]), "error": None, "form": {}, **extra,
    }
