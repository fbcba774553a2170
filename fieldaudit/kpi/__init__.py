"""KPI dashboards: figures computed in SQL over the real tables, their charts, pages and the management-review pack."""
