"""Sites, areas and workstations: where audits happen."""
