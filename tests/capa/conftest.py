"""Fixtures for CAPA: submitted audits with nonconformities of every severity."""
import pytest

from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from tests.audits.conftest import FULL_ANSWERS, audit, checklist_version  # noqa: F401  (fixtures reused)


def submit_with_findings(db, plant, audit_row, severities):
    """Answer everything, raise one finding per severity given, and sign."""
    by = plant["auditor"]["id"]
    for qid, value in FULL_ANSWERS.items():
        audits.save_answer(db, audit_row, qid, value, None, by)
    for n, severity in enumerate(severities, 1):
        audits.add_finding(db, audit_row, {"severity": severity, "description": f"Finding {n} ({severity})",
                                           "clause": "8.5.1"}, by)
    submitted, _ = record.submit(db, audit_row["id"], plant["auditor"])
    return submitted


@pytest.fixture
def submitted(db, plant, audit):  # noqa: F811
    """A submitted audit with one major, two minors, an observation and an OFI."""
    return submit_with_findings(db, plant, audit, ["major", "minor", "minor", "observation", "ofi"])
