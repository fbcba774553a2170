"""CAPA uses the shared fixtures (tests/conftest.py: audit, submitted) and tests/factories.py."""
