"""The programme page reads auditors and home areas of all its sites at once, with what one site's read gives."""
import pytest

from fieldaudit.programme import people
from tests.factories import make_user


@pytest.mark.both_engines
def test_auditors_and_home_areas_of_several_sites_equal_each_sites(db, plant):
    a, b = plant["a"], plant["b"]
    make_user(db, "everywhere", "auditor", all_sites=True)
    people.set_home_area(db, plant["auditor"]["id"], a["id"], plant["area_a"]["id"])
    sites = [a["id"], b["id"]]
    each = {p["id"]: p for s in sites for p in people.auditors_at(db, s)}
    together = people.auditors_at_sites(db, sites)
    assert sorted(p["id"] for p in together) == sorted(each) and len(together) == len(each)
    assert [p["display_name"] for p in together] == sorted(p["display_name"] for p in together)
    assert people.home_areas_of_sites(db, sites) == {s: people.home_areas(db, s) for s in sites}
    assert people.home_areas_of_sites(db, sites)[a["id"]] == {plant["auditor"]["id"]: plant["area_a"]["id"]}
    assert people.auditors_at_sites(db, []) == [] and people.home_areas_of_sites(db, []) == {}
