"""Audits use the shared fixtures (tests/conftest.py: checklist_version, audit) and tests/factories.py."""
