"""An audit's scope by section: the sections left out, each with the auditor's reason."""
from fieldaudit.db import run_script

SQL = """
-- JSON object: section id -> why it is not in scope. '{}' (every section in scope) for audits made before.
ALTER TABLE audits ADD COLUMN out_of_scope TEXT NOT NULL DEFAULT '{}';
"""


def upgrade(db):
    """Add audits.out_of_scope."""
    run_script(db, SQL)
