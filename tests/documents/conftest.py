"""Fixtures for documents: a second quality manager (approvals need one) and a document with a draft."""
import pytest

from fieldaudit.documents import data
from tests.factories import BODY, make_user


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
