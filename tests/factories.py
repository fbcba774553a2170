"""Test factories and helpers shared by every test folder (plain functions; the fixtures are in conftest.py)."""
import re
from datetime import datetime, timezone

from fieldaudit.audits import data as audits
from fieldaudit.audits import record
from fieldaudit.auth import users
from fieldaudit.documents import data as documents
from fieldaudit.documents import states, workflow
from fieldaudit.stations import data as stations

# Fast hashing in tests only; production uses scrypt.
FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "correct-horse-battery"


def make_site(db, code="PLT1", **overrides):
    """A site (with defaults a test can override)."""
    fields = {"name": f"Plant {code}", "timezone": "Europe/Berlin", **overrides}
    return stations.create_site(db, code, fields["name"], fields["timezone"])


def today_at(site: dict, days: int = 0) -> str:
    """The site's local calendar date (plus `days`): what 'today' means for its due dates, whatever the UTC hour."""
    from zoneinfo import ZoneInfo
    from datetime import timedelta
    from fieldaudit import ids
    return (ids.utc_now().astimezone(ZoneInfo(site["timezone"])).date() + timedelta(days=days)).isoformat()


def make_user(db, username, role=None, site=None, *, all_sites=False, password=PASSWORD, **overrides):
    """A user, optionally with one role at a site (or at all sites)."""
    row = users.create_user(db, username, overrides.get("display_name", username.title()), password,
                            hash_method=FAST_HASH)
    if role:
        users.add_membership(db, row["id"], None if all_sites else site["id"], role)
    return row


def add_role(db, user: dict, role: str, site: dict) -> dict:
    """Give an existing user one more role at a site (people with different roles at different sites)."""
    users.add_membership(db, user["id"], site["id"], role)
    return user


def csrf_from(html: str) -> str:
    """The CSRF token a page carries."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF meta tag"
    return match.group(1)


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def login(self, username, password=PASSWORD, **extra):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": token, **extra})
        if response.status_code == 303:
            self.csrf = self.token()
        return response

    def token(self) -> str:
        """The CSRF token of the current session."""
        return csrf_from(self.client.get("/account").get_data(as_text=True))

    def post(self, url, data=None, htmx=False, **kwargs):
        """A POST with the session's CSRF token (as a form field, or as htmx sends it, a header)."""
        data = dict(data or {})
        headers = kwargs.pop("headers", {})
        if htmx:
            headers = {"HX-Request": "true", "X-CSRFToken": self.csrf, **headers}
        else:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, headers=headers, **kwargs)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf})


# -- audits ----------------------------------------------------------------------------------------------------

CHECKLIST = """
id: test-walk
version: 1
title: Test walk
standard: ISO 9001:2015
sections:
  - id: basics
    title: Basics
    questions:
      - {id: guard, text: Machine guard in place, type: yes_no, allow_na: true, clause: "8.5.1", weight: 2}
      - {id: guard-why, text: "Why is the guard missing?", type: text, show_if: {question: guard, equals: "no"}}
      - {id: torque, text: Torque reading, type: numeric, unit: Nm, min: 10, max: 12, finding: {out_of_limits: major}}
      - {id: label, text: Label legible, type: pass_fail}
  - id: more
    title: More
    questions:
      - {id: tidy, text: Tidiness, type: rating, scale: {min: 1, max: 5}, finding: {when: [1, 2], severity: minor}}
      - id: shift
        text: Shift
        type: single_choice
        options: [early, late, night]
      - id: ppe
        text: PPE worn
        type: multi_choice
        required: false
        options: [gloves, glasses, boots]
      - {id: calibrated, text: Calibration due date, type: date, required: false}
      - {id: notes, text: Comments, type: text, required: false}
"""

# Who gets what in the `two_roles` fixture: Pat's own audit at PLTA is allowed; at PLTC Pat is an operator (403);
# at PLTB Pat has no role (404); another auditor's audit at the same site is not Pat's to change (403).
GUARDED = {"own_a": "allowed", "own_c": 403, "own_b": 404, "others_a": 403}

FULL_ANSWERS = {"guard": "yes", "torque": "11", "label": "pass", "tidy": "4", "shift": "early"}


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


# -- documents -------------------------------------------------------------------------------------------------

BODY = "## Method\n1. Check the wrench.\n2. Tighten to **25 Nm**."


def actor(user: dict) -> states.Actor:
    """A quality manager as the state machine sees them."""
    return states.Actor(user["id"], can_author=True, can_approve=True)


def noon(day: str) -> datetime:
    """Midday UTC of a date: the same calendar date in Berlin and Chicago."""
    return datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(timezone.utc)


def version_ids(db, document_id):
    """The document's version ids by number."""
    return {v["version"]: v["id"] for v in documents.versions_of(db, document_id)}


def submit(db, version_id, author):
    """Send a draft to review."""
    return workflow.transition(db, version_id, states.Command("submit", "draft"), actor(author))


def approve(db, version_id, approver, effective: str | None = None):
    """Approve a version in review, effective today at its sites unless told otherwise."""
    sites = documents.get_document(db, documents.get_version(db, version_id)["document_id"])["site_ids"]
    day = effective or documents.today_at(db, sites).isoformat()
    return workflow.transition(db, version_id, states.Command("approve", "in_review", effective_date=day),
                               actor(approver), signer=approver)


def effective_doc(db, document, author, approver):
    """Bring version 1 to effective today."""
    vid = version_ids(db, document["id"])[1]
    submit(db, vid, author)
    return approve(db, vid, approver)
