"""Controlled documents: versions through review and approval, the version in force, read receipts."""
