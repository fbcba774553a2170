"""Who may run an audit: the site guard and the owner guard on every run, answer, finding and submit route."""
import pytest

from fieldaudit.audits import data
from tests.factories import GUARDED

# (method, url, form, htmx, status when allowed): the submit is refused for what is missing, not for who asks.
ROUTES = [
    ("get", "/audits/{id}/sections/basics", None, False, 200),
    ("post", "/audits/{id}/sections/basics", {"v-guard": "yes", "n-guard": ""}, False, 303),
    ("post", "/audits/{id}/answers/guard", {"value": "yes"}, True, 200),
    ("post", "/audits/{id}/answers/guard", {"value": "yes"}, False, 303),
    ("get", "/audits/{id}/findings/new", None, False, 200),
    ("post", "/audits/{id}/findings/new", {"severity": "minor", "description": "Dust"}, False, 303),
    ("get", "/audits/{id}/findings/{finding}", None, False, 200),
    ("post", "/audits/{id}/findings/{finding}", {"severity": "major", "description": "Oil spill"}, False, 303),
    ("post", "/audits/{id}/findings/{finding}/delete", {}, False, 303),
    ("get", "/audits/{id}/submit", None, False, 200),
    ("post", "/audits/{id}/submit", {"confirm": "yes", "password": "correct-horse-battery"}, False, 422),
]


@pytest.mark.parametrize("method,url,fields,htmx,allowed", ROUTES)
def test_running_an_audit_needs_the_site_role_and_to_be_its_auditor(auth, db, two_roles, method, url, fields, htmx,
                                                                     allowed):
    auth.login("pat")
    for which, expected in GUARDED.items():
        audit = two_roles[which]
        answers_before = data.answers_of(db, audit["id"])
        findings_before = data.list_findings(db, audit["id"])
        target = url.format(id=audit["id"], finding=audit["finding_id"])
        response = auth.client.get(target) if method == "get" else auth.post(target, fields, htmx=htmx)
        assert response.status_code == (allowed if expected == "allowed" else expected), which
        if expected != "allowed":
            assert data.answers_of(db, audit["id"]) == answers_before
            assert data.list_findings(db, audit["id"]) == findings_before
