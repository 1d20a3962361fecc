"""Liaoning's seed numbers (liaoning-2025-system-manual), one test each, and the contract."""
from __future__ import annotations

import pytest

from cpe_core.testing import RegionContract
from cpe_liaoning import content, rules
from hookspecs import LearnerFacts


@pytest.fixture
def cpe_plugins() -> str:
    return "liaoning"


class TestLiaoningContract(RegionContract):
    region = "liaoning"


def learner(**fields) -> LearnerFacts:
    return LearnerFacts(learner_id=1, region="liaoning", **{"collection_region": "liaoning", **fields})


def test_a_year_is_90_credits_at_least_60_professional_and_30_public_in_the_calendar_year():
    requirements = rules.year_requirements(2025)
    assert (requirements.total, dict(requirements.minimums)) == (90, {"professional": 60, "public": 30})
    assert (requirements.period_start.isoformat(), requirements.period_end.isoformat()) == ("2025-01-01", "2025-12-31")


def test_only_learners_collected_in_liaoning_study_here():
    refused = rules.check_eligibility(learner(collection_region="guangdong"), 2025)
    assert not refused.allowed and refused.reasons[0].code == "not_collected_here"
    assert "辽宁省" in refused.reasons[0].message
    assert rules.check_eligibility(learner(), 2025).allowed


@pytest.mark.parametrize("fields, first_year", [
    ({"qualified_year": 2024}, 2025),  # 自取得会计专业资格的次年开始
    ({"work_start_year": 2025}, 2026),  # 不具有资格但从事会计工作的：自从事会计工作的次年开始
    ({"qualified_year": 2020, "work_start_year": 2025}, 2021),  # the qualification decides
])
def test_the_obligation_starts_the_year_after_qualification_or_after_starting_the_work(fields, first_year):
    assert rules.obliged_from(learner(**fields)) == first_year
    before = rules.check_eligibility(learner(**fields), first_year - 1)
    assert not before.allowed and before.reasons[0].code == "not_yet_obliged"
    assert f"应自{first_year}年度起参加继续教育" in before.reasons[0].message
    assert rules.check_eligibility(learner(**fields), first_year).allowed


def test_learners_choose_a_year_and_one_of_three_levels_then_enrol_before_paying_at_the_school():
    policy = rules.institution_policy(2025)
    assert policy.levels == ("初级及以下", "中级", "高级") and policy.enrol_then_pay
    assert "进入网校" in policy.note and "退费后自动取消报名" in policy.note


def test_the_faq_answers_the_seed_and_lists_each_institutions_contact():
    answers = {entry.question: entry.answer for entry in content.REGION_INFO.faq}
    assert "专业科目不少于60学分，公需科目不少于30学分" in answers["会计人员继续教育学分有什么要求?"]
    contacts = answers["各培训机构的联系方式?"]
    assert all(institution.name in contacts and institution.contact in contacts for institution in content.INSTITUTIONS)


def test_enrolment_records_use_the_manuals_status_words():
    assert rules.institution_policy(2025).status_labels["completed"] == "学分已登记"


def test_learners_may_sign_in_by_a_phone_code_at_most_5_a_day():
    policy = rules.sms_policy()
    assert policy.login and policy.daily_limit == 5


def test_learners_rate_the_institution_of_their_enrolment():
    assert rules.rating_policy().targets == ("institution",)


def test_registration_asks_the_place_of_collection_down_to_the_city_and_the_phone_for_codes():
    from cpe_liaoning import accounts

    spec = accounts.registration_form()
    names = [field.name for field in spec.fields]
    assert spec.identity_field == "id_number" and spec.captcha
    assert {"name", "phone", "collection_region", "collection_area"} <= set(names)
    cities = dict(next(f for f in spec.fields if f.name == "collection_area").choices)
    assert len(cities) == 14 and "朝阳市" in cities
