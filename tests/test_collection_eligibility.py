"""Where a region collects info (Guangdong), the collection's status counts in eligibility: the
core passes it to the eligibility hook (``LearnerFacts.collection_status``), and the learner sees
the answer on ``/<region>/me`` and ``GET /api/v1/me/eligibility``; orders and payments refuse."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cpe_core.extensions import db
from cpe_core.models import Order, Payment, User
from cpe_core.services import collection
from cpe_core.services.learners import facts_for
from cpe_core.testing import id_number, login

from test_info_collection import complete, fill_personal, learner  # noqa: F401 (fixture)

DRAFT = "您的信息采集尚未提交（或修改后尚未重新提交），请在“信息采集”中完成各步骤并提交后再报名学习。"
REJECTED = "您的信息采集审核未通过，请在“信息采集”中按审核意见修改后重新提交，提交后即可报名学习。"
UNDER_REVIEW = "您的信息采集正在审核中"
NOT_COLLECTED = "您尚未在广东省会计信息服务平台完成信息采集，请先完成信息采集后再参加继续教育学习。"


@pytest.fixture
def gd_professional_course(make_course):
    # Guangdong sells its professional year from the plan's courses: one professional course.
    return make_course("guangdong", 2024, "professional", 60)


def submit(testapp):
    testapp.get("/guangdong/me/collection/submit").forms["submit"].submit()


def review(user_id: int, *, approve: bool, make_staff) -> None:
    staff = make_staff("guangdong", "reviewer", login=f"gd-reviewer-{approve}")
    collection.review(staff, db.session.get(User, user_id), approve=approve, comment="" if approve else "照片不清晰")


def eligibility_everywhere(testapp) -> tuple[dict, str]:
    api = testapp.get("/api/v1/me/eligibility?year=2024").json
    page = testapp.get("/guangdong/me?year=2024").text
    return api, page


def test_never_submitted_is_not_eligible_and_says_to_collect(testapp, learner):
    api, page = eligibility_everywhere(testapp)
    assert api["allowed"] is False and api["reasons"][0] == {"code": "not_collected_here", "message": NOT_COLLECTED}
    assert NOT_COLLECTED in page and "暂不能参加学习" in page


def test_submitted_awaiting_review_may_study_and_is_told_the_review_is_pending(testapp, learner):
    complete(testapp)
    submit(testapp)
    api, page = eligibility_everywhere(testapp)
    assert api["allowed"] is True and api["reasons"][0]["code"] == "collection_under_review"
    assert UNDER_REVIEW in api["reasons"][0]["message"] and UNDER_REVIEW in page
    assert "符合学习条件" in page


def test_rejected_is_not_eligible_and_says_to_correct_and_resubmit(testapp, learner, make_staff):
    complete(testapp)
    submit(testapp)
    review(learner.id, approve=False, make_staff=make_staff)
    api, page = eligibility_everywhere(testapp)
    assert api["allowed"] is False and api["reasons"][0] == {"code": "collection_rejected", "message": REJECTED}
    assert REJECTED in page and "暂不能参加学习" in page
    # Corrected and resubmitted: eligible again while it awaits review.
    fill_personal(testapp)
    submit(testapp)
    assert testapp.get("/api/v1/me/eligibility?year=2024").json["allowed"] is True


def test_approved_is_eligible_without_a_pending_note(testapp, learner, make_staff):
    complete(testapp)
    submit(testapp)
    review(learner.id, approve=True, make_staff=make_staff)
    api, page = eligibility_everywhere(testapp)
    assert api["allowed"] is True and api["reasons"][0]["code"] == "eligible"
    assert UNDER_REVIEW not in page


def test_edited_after_approval_and_not_resubmitted_is_not_eligible(testapp, learner, make_staff):
    complete(testapp)
    submit(testapp)
    review(learner.id, approve=True, make_staff=make_staff)
    form = testapp.get("/guangdong/me/collection/education").forms["step"]
    form["school"] = "暨南大学"
    form.submit()
    api, page = eligibility_everywhere(testapp)
    assert api["allowed"] is False and api["reasons"][0] == {"code": "collection_not_submitted", "message": DRAFT}
    assert DRAFT in page


def test_the_core_passes_the_status_only_where_the_region_collects(app, make_learner):
    gd = make_learner("guangdong", collection_region="guangdong", collection_status="rejected")
    cy = make_learner("chaoyang", collection_region="chaoyang", collection_status="rejected")
    assert facts_for(gd, 2024).collection_status == "rejected"
    assert facts_for(cy, 2024).collection_status is None  # Chaoyang asks no collection steps


def orders() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Order.id)))


def test_a_rejected_collection_refuses_an_order_on_the_site_and_the_api(testapp, learner, make_staff,
                                                                       gd_professional_course):
    complete(testapp)
    submit(testapp)
    review(learner.id, approve=False, make_staff=make_staff)
    offers = testapp.get("/guangdong/orders/new?year=2024")
    assert REJECTED in offers.text and "order-professional" not in offers.forms
    refused = testapp.post_json("/api/v1/orders", {"year": 2024, "mode": "professional"}, status=422).json
    assert refused["error"] == {"code": "collection_rejected", "message": REJECTED}
    assert orders() == 0


def test_an_order_placed_while_under_review_cannot_be_paid_once_rejected(testapp, learner, make_staff,
                                                                         gd_professional_course):
    complete(testapp)
    submit(testapp)
    testapp.post_json("/api/v1/me/plan", {"course_id": gd_professional_course.id, "year": 2024}, expect_errors=True)
    order = testapp.post_json("/api/v1/orders", {"year": 2024, "mode": "professional"}, status=201).json
    review(learner.id, approve=False, make_staff=make_staff)
    refused = testapp.post_json(f"/api/v1/orders/{order['number']}/payments", {"provider": "sandbox"},
                                status=422).json
    assert refused["error"] == {"code": "collection_rejected", "message": REJECTED}
    db.session.rollback()
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    page = testapp.get(f"/guangdong/orders/{order['number']}")
    form = page.forms["pay"]
    form["provider"] = "sandbox"
    page = form.submit().follow()
    assert REJECTED in page.text
    db.session.rollback()
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_a_study_card_cannot_pay_once_the_collection_is_rejected(testapp, learner, make_staff, gd_professional_course):
    from cpe_core.models import StudyCard
    from cpe_core.services import cards

    complete(testapp)
    submit(testapp)
    order = testapp.post_json("/api/v1/orders", {"year": 2024, "mode": "professional"}, status=201).json
    review(learner.id, approve=False, make_staff=make_staff)
    admin = make_staff("guangdong", "admin", login="gd-card-admin")
    _batch, [card] = cards.generate_batch(admin, "guangdong", 2024, 1)
    form = testapp.get(f"/guangdong/orders/{order['number']}").forms["card"]
    form["number"], form["secret"] = card.number, card.secret
    page = form.submit().follow()
    assert REJECTED in page.text
    db.session.rollback()
    assert db.session.scalar(select(StudyCard.status)) == "active"
    assert db.session.scalar(select(Order.status)) == "pending"
