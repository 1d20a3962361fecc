"""Learner guide: pick an institution from the list for the region and year."""
from __future__ import annotations

from cpe_guangdong import demo, hooks


def test_learners_pick_one_school_from_the_regions_list_without_a_level():
    policy = hooks.cpe_institution_policy(year=2021)
    assert policy.levels == ()
    assert len(policy.institutions) == 4 and policy.applies_to(None)


def test_every_listed_school_exists_in_the_demo_data():
    names = {inst.name for inst in demo.INSTITUTIONS}
    assert set(hooks.cpe_institution_policy(year=2021).institutions) <= names
