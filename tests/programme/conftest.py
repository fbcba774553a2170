"""Programme fixtures: the shared plant (tests/conftest.py) plus a plan helper."""
import pytest

from fieldaudit.programme import plans
from fieldaudit.stations import data as stations
from tests.factories import make_user


def make_plan(db, plant, checklist_version, **fields):
    """A weekly plan of the test checklist at station A-01 by the site's auditor (fields override)."""
    base = {"checklist_id": checklist_version["checklist_id"], "workstation_id": plant["ws_a"]["id"],
            "auditor_id": plant["auditor"]["id"], "frequency": "weekly", "rule": {"weekdays": [0]},
            "window_days": 2, "starts_on": "2026-01-01"}
    return plans.create_plan(db, plant["a"], {**base, **fields}, by=plant["qm"]["id"])


@pytest.fixture
def second_area(db, plant):
    """Another area of site A with a station, and an auditor who works there."""
    area = stations.create_area(db, plant["a"]["id"], "PNT", "Paint")
    station = stations.create_workstation(db, plant["a"]["id"], area["id"], "A-02", "Paint booth")
    painter = make_user(db, "aud.paint", "auditor", plant["a"])
    return {"area": area, "ws": station, "auditor": painter}
