"""Liaoning's 2025 system manual: choose year, level (初级及以下/中级/高级) and institution."""
from __future__ import annotations

from cpe_chaoyang import hooks, rules


def test_learners_choose_a_level_and_the_one_recognised_school():
    policy = hooks.cpe_institution_policy(year=2024)
    assert policy.levels == ("初级及以下", "中级", "高级")
    assert policy.institutions == ("朝阳市会计学会",)
    assert policy.member_types == () and policy.applies_to(None)
    assert policy.cancellable_after_study  # only paying makes the choice final


def test_no_choice_in_a_year_the_city_does_not_run():
    assert rules.institution_policy(rules.FIRST_PROGRAMME_YEAR - 1) is None


def test_a_started_course_can_be_removed_and_keeps_its_record():
    # Training flow: "如果课程已经开始学习，该课程同样可以删除，但系统已经自动保留了该课程的学习记录"
    policy = hooks.cpe_study_plan_policy(year=2024)
    assert policy.region == "chaoyang" and policy.started_removable is True
    assert "学习记录会保留" in policy.note
    assert rules.study_plan_policy(rules.FIRST_PROGRAMME_YEAR - 1) is None
