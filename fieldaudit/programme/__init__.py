"""The audit programme: plans, scheduled audits, impartiality, auditor qualification and layered process audits."""
