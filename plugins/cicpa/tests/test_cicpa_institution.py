"""Manual: non-practising members choose ONE national accounting institute a year."""
from __future__ import annotations

from cpe_cicpa import hooks, rules


def test_only_non_practising_members_choose_one_of_the_three_institutes():
    policy = hooks.cpe_institution_policy(year=2024)
    assert policy.institutions == ("北京国家会计学院", "上海国家会计学院", "厦门国家会计学院")
    assert policy.applies_to(rules.NON_PRACTISING)
    assert not policy.applies_to(rules.PRACTISING)


def test_the_choice_is_final_once_studied_as_may_choose_institute_says():
    assert hooks.cpe_institution_policy(year=2024).cancellable_after_study is False
    assert rules.may_choose_institute("上海国家会计学院", "北京国家会计学院", started=True) is False
