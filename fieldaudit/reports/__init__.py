"""Reports: the auditor's PDF summary, CAPA and site reports, and CSV/JSON exports."""
