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


def test_only_a_course_not_yet_started_may_be_deselected():
    # 图 13: "已选择的课程，如果在没有听课的情况下也可以点击'取消选择'按钮进行取消(必须课除外)"
    policy = hooks.cpe_study_plan_policy(year=2021)
    assert policy.region == "guangdong" and policy.year == 2021
    assert policy.started_removable is False
    assert "没有听课" in policy.note
