"""In real headless Chromium: a Chaoyang learner buys the year with the sandbox provider (a
real server-to-server notification to the live server) and sees the selected courses unlock."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Enrolment, Order, StudyPlanItem

pytestmark = pytest.mark.browser


def test_chaoyang_learner_buys_the_year_in_the_browser_and_sees_the_courses_unlock(
    app, live_server, page, make_learner, make_course, artifact_dir
):
    from playwright.sync_api import expect

    learner = make_learner("chaoyang", name="王会计", collection_region="chaoyang",
                           collection_area="朝阳市双塔区", qualified_year=2020)
    login_name = learner.login
    # The two courses in the learner's plan (选课), not yet paid for; a third, not selected.
    for title in ("企业会计准则解读", "管理会计实务", "未选课程"):
        course = make_course("chaoyang", 2024, "professional", 30, title=title)
        if title != "未选课程":
            db.session.add(StudyPlanItem(user_id=learner.id, course_id=course.id, year=2024))
    db.session.commit()
    db.session.remove()

    page.goto("/chaoyang/login")
    page.get_by_label("密码").fill("Passw0rd!")
    page.locator("input[name=login]").fill(login_name)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server}/chaoyang/")
    page.goto("/chaoyang/orders/new?year=2024")
    expect(page.locator("#mode-annual .total")).to_have_text("¥90.00")
    page.locator("#order-annual button").click()
    expect(page.locator("#order-status")).to_have_text("待支付")
    expect(page.locator("#unlocked")).to_have_count(0)
    page.get_by_label("模拟支付（沙箱）").check()
    page.locator("#pay-button").click()

    expect(page.locator("h1")).to_have_text("模拟支付收银台")
    expect(page.locator("#amount")).to_have_text("¥90.00")
    page.locator("#confirm-pay").click()

    expect(page.locator("#order-status")).to_have_text("已支付")
    expect(page.locator("#unlocked .course-unlocked")).to_have_count(2)
    expect(page.locator("#unlocked")).to_contain_text("企业会计准则解读")
    expect(page.locator("#unlocked")).to_contain_text("本订单开通2024年度全部课程，选课后即可学习。")
    page.screenshot(path=str(artifact_dir / "chaoyang-purchase-paid.png"), full_page=True)

    provider = app.extensions["cpe"].payment_providers()["sandbox"]
    assert len(provider.delivered) == 1  # paid by the signed notification, over real HTTP
    order = db.session.scalar(select(Order))
    assert (order.status, order.total_fen) == ("paid", 9000)
    assert db.session.scalar(select(Enrolment.status)) == "paid"
    db.session.remove()
