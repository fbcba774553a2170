"""Fixtures for documents: a second quality manager (approvals need one) and a document through its states."""
from datetime import datetime, timezone

import pytest

from fieldaudit.documents import data, states, workflow
from tests.conftest import make_user

BODY = "## Method\n1. Check the wrench.\n2. Tighten to **25 Nm**."


def actor(user: dict) -> states.Actor:
    """A quality manager as the state machine sees them."""
    return states.Actor(user["id"], can_author=True, can_approve=True)


def noon(day: str) -> datetime:
    """Midday UTC of a date: the same calendar date in Berlin and Chicago."""
    return datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(timezone.utc)


@pytest.fixture
def qm2(db, plant):
    """A second quality manager at site A, who approves what qm.a writes."""
    return make_user(db, "qm2.a", "quality_manager", plant["a"], display_name="Quinn Second")


@pytest.fixture
def doc(db, plant):
    """WI-ASM-012 at site A (workstation A-01), version 1 as a draft with content, written by qm.a."""
    document, version = data.create_document(db, code="wi-asm-012", title="Torque tightening", kind="work_instruction",
                                             by=plant["qm"]["id"], workstation_ids=[plant["ws_a"]["id"]])
    data.save_draft(db, version["id"], title="Torque tightening", body=BODY, change_summary="First issue.",
                    by=plant["qm"]["id"])
    return document


def version_ids(db, document_id):
    """The document's version ids by number."""
    return {v["version"]: v["id"] for v in data.versions_of(db, document_id)}


def submit(db, version_id, author):
    """Send a draft to review."""
    return workflow.transition(db, version_id, states.Command("submit", "draft"), actor(author))


def approve(db, version_id, approver, effective: str | None = None):
    """Approve a version in review, effective today at its sites unless told otherwise."""
    sites = data.get_document(db, data.get_version(db, version_id)["document_id"])["site_ids"]
    day = effective or data.today_at(db, sites).isoformat()
    return workflow.transition(db, version_id, states.Command("approve", "in_review", effective_date=day),
                               actor(approver), signer=approver)


def effective_doc(db, document, author, approver):
    """Bring version 1 to effective today."""
    vid = version_ids(db, document["id"])[1]
    submit(db, vid, author)
    return approve(db, vid, approver)

