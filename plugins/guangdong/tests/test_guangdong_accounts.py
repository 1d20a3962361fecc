"""Guangdong registration questions and info-collection steps, as the 2021 learner guide has them."""
from __future__ import annotations

import pytest

from cpe_guangdong import accounts, rules
from hookspecs import LearnerFacts


def test_registration_asks_the_two_questions_of_the_guide_with_a_refusal():
    spec = accounts.REGISTRATION
    assert spec.identity_field == "id_number" and spec.captcha
    assert [q.code for q in spec.questions] == ["works_in_guangdong", "lives_or_studies_with_qualification"]
    assert all("不含深圳市" in q.text for q in spec.questions)
    assert spec.questions_refusal.code == "registration_not_eligible"


def test_collection_runs_in_the_guides_five_steps():
    assert [(s.code, s.title) for s in accounts.COLLECTION_STEPS] == [
        ("personal", "个人信息"), ("education", "学历信息"), ("work", "工作信息"),
        ("qualification", "专业技术信息"), ("submit", "提交"),
    ]


def test_attachments_are_jpeg_only_at_most_2m_with_a_student_card_for_students():
    rules_by_code = {a.code: a for s in accounts.COLLECTION_STEPS for a in s.attachments}
    assert set(rules_by_code) == {"id_front", "id_back", "photo", "student_card"}
    assert all(a.content_types == ("image/jpeg",) and a.max_bytes == 2 * 1024 * 1024 for a in rules_by_code.values())
    assert [c for c, a in rules_by_code.items() if a.students_only] == ["student_card"]


def test_area_choice_explains_employer_residence_and_school_and_shenzhen_is_refused_by_eligibility():
    area = next(f for s in accounts.COLLECTION_STEPS for f in s.fields if f.name == "collection_area")
    assert "按单位所在地" in area.help and "按目前居住地" in area.help and "按学校所在地" in area.help
    assert ("深圳市", "深圳市") in area.choices
    facts = LearnerFacts(learner_id=1, region="guangdong", collection_region="guangdong",
                         collection_area="深圳市", work_start_year=2010)
    assert rules.check_eligibility(facts, 2021).reasons[0].code == "shenzhen_excluded"


@pytest.mark.parametrize(
    "status, allowed, code",
    [
        (None, True, "eligible"),  # the caller does not know: decided by the region alone
        ("approved", True, "eligible"),
        ("submitted", True, "collection_under_review"),  # 学习完成前务必保证已信息采集
        ("draft", False, "collection_not_submitted"),
        ("rejected", False, "collection_rejected"),
    ],
)
def test_the_collection_status_decides_eligibility(status, allowed, code):
    facts = LearnerFacts(learner_id=1, region="guangdong", collection_region="guangdong", collection_area="广州市",
                         work_start_year=2010, collection_status=status)
    answer = rules.check_eligibility(facts, 2021)
    assert answer.allowed is allowed and [r.code for r in answer.reasons] == [code]
    assert "信息采集" in answer.reasons[0].message or code == "eligible"


def test_a_rejected_collection_says_to_correct_and_resubmit_and_blocks_both_year_types():
    facts = LearnerFacts(learner_id=1, region="guangdong", collection_region="guangdong", collection_area="广州市",
                         work_start_year=2010, collection_status="rejected")
    assert "按审核意见修改后重新提交" in rules.check_eligibility(facts, 2021).reasons[0].message
    modes = rules.purchase_modes(facts, 2021)
    assert [m.available for m in modes] == [False, False]
    assert {m.reason.code for m in modes} == {"collection_rejected"}


def test_collected_in_shenzhen_is_refused_for_that_whatever_the_review():
    facts = LearnerFacts(learner_id=1, region="guangdong", collection_region="guangdong", collection_area="深圳市",
                         work_start_year=2010, collection_status="rejected")
    assert rules.check_eligibility(facts, 2021).reasons[0].code == "shenzhen_excluded"
