"""CAPA: corrective and preventive actions from findings and other sources, with a real workflow and history."""
