"""Audits: running a checklist at a place, answers, findings, scoring and submission."""
