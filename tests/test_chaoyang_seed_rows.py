"""Chaoyang's training flow and notice, row by row (issue 20): the credits reviewed and merged
(审核、合并) by staff before the exam opens, under the 2021 flow; the e-invoice by WeChat scan.
What is Chaoyang's comes from its plugin (``ExamPolicy.credit_review``); the pages are the core's."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, CreditReview
from cpe_core.testing import login
from exam_helpers import add_questions, give_credits, plan
from study_support import ELIGIBLE

#: A programme year of the 2021 flow, still open for make-up on the tests' clock (2024-06-15).
FLOW_2021_YEAR = 2023
NOTICE_2024_YEAR = 2024


def learner_with_credits(make_learner, make_course, name, year, professional=60, public=30):
    user = make_learner("chaoyang", name=name, **ELIGIBLE["chaoyang"])
    for kind in ("professional", "public"):
        course = make_course("chaoyang", year, kind=kind, credits=30)
        add_questions(course)
        plan(user, course, year)
    give_credits(user, "chaoyang", year, professional=professional, public=public)
    return user


def test_chaoyang_2021_flow_exam_waits_for_staff_to_review_and_merge_credits(
    app, testapp, make_learner, make_course, make_staff
):
    ready = learner_with_credits(make_learner, make_course, "王合并", FLOW_2021_YEAR)
    other = learner_with_credits(make_learner, make_course, "赵合并", FLOW_2021_YEAR)
    short = learner_with_credits(make_learner, make_course, "钱未满", FLOW_2021_YEAR, professional=30)

    login(testapp, "chaoyang", ready.login)
    page = testapp.get(f"/chaoyang/exam/?year={FLOW_2021_YEAR}")
    assert "start" not in page.forms
    assert [li["data-code"] for li in page.html.select(".reasons li")] == ["credits_not_merged"]
    assert "财政部门将对学分进行审核、合并，当年度累计完成90学分的会计专业技术人员方可进行在线考试" in (
        page.html.select_one("#credit-review-note").text)
    token = page.html.select_one("input[name=csrf_token]")["value"]
    refused = testapp.post(f"/chaoyang/exam/start?year={FLOW_2021_YEAR}", {"csrf_token": token}, status=403)
    assert "您的学分尚待审核、合并，审核合并后方可参加在线考试。" in refused.text

    testapp.reset()
    reviewer = make_staff("chaoyang", "reviewer")
    dashboard = login(testapp, "chaoyang", reviewer.login).follow()
    queue = dashboard.click("学分审核")
    names = [td.text for td in queue.html.select("#credit-queue td.name")]
    assert names == sorted(["王合并", "赵合并"])  # 钱未满 lacks 30 professional credits
    assert queue.html.select_one(f"#waiting-{ready.id} .total").text == "90"
    form = queue.forms["merge"]
    boxes = form.fields["user_id"]
    for box in boxes:  # confirm 王合并 only
        box.checked = box._value == str(ready.id)
    done = form.submit().follow()
    assert "已确认1名学员的学分审核、合并。" in done.text
    assert [td.text for td in done.html.select("#credit-queue td.name")] == ["赵合并"]
    review = db.session.scalar(select(CreditReview).where(CreditReview.user_id == ready.id))
    assert (review.year, review.credits, review.merged_by) == (FLOW_2021_YEAR, 90, reviewer.id)
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target == f"user:{ready.id}")) == "credit_review.merge"
    db.session.rollback()

    testapp.reset()
    login(testapp, "chaoyang", ready.login)
    page = testapp.get(f"/chaoyang/exam/?year={FLOW_2021_YEAR}")
    assert "start" in page.forms  # merged: the exam opens
    assert page.forms["start"].submit().follow().html.select_one("[data-attempt]") is not None
    assert short.id and other.id


def test_the_2024_notice_opens_the_exam_without_a_review_and_staff_have_no_queue_for_it(
    app, testapp, make_learner, make_course, make_staff
):
    user = learner_with_credits(make_learner, make_course, "孙二四", NOTICE_2024_YEAR)
    login(testapp, "chaoyang", user.login)
    assert "start" in testapp.get(f"/chaoyang/exam/?year={NOTICE_2024_YEAR}").forms
    testapp.reset()
    login(testapp, "chaoyang", make_staff("chaoyang", "reviewer").login)
    # The menu's 学分审核 leads to the 2021 flow's year still open for make-up, not to 2024's.
    link = testapp.get("/chaoyang/admin/").html.find("a", string="学分审核")
    assert link["href"] == f"/chaoyang/review/credits?year={FLOW_2021_YEAR}"
    assert "本地区本年度无需审核合并学分。" in testapp.get(
        f"/chaoyang/review/credits?year={NOTICE_2024_YEAR}", status=404).text


def test_learners_cannot_open_the_credit_review_queue(app, testapp, make_learner, make_course):
    user = learner_with_credits(make_learner, make_course, "周学员", FLOW_2021_YEAR)
    login(testapp, "chaoyang", user.login)
    testapp.get(f"/chaoyang/review/credits?year={FLOW_2021_YEAR}", status=403)


# --- 微信扫码直接形成电子发票 -------------------------------------------------------------------------


def test_a_paid_chaoyang_order_shows_a_qr_code_a_phone_scans_to_get_the_e_invoice(
    app, testapp, make_learner, make_staff, tmp_path
):
    import shutil
    import subprocess

    from webtest import TestApp

    from cpe_core.models import Invoice
    from cpe_core.testing import require_or_skip
    from test_orders import buy_through_sandbox

    user = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)
    order = buy_through_sandbox(app, testapp, TestApp(app), user, "chaoyang", "annual")
    form = testapp.get(f"/chaoyang/orders/{order.number}").forms["invoice-form"]
    form["kind"], form["title"], form["email"] = "personal", "王发票", "wang@example.org"
    assert "invoice-scan" not in form.submit().follow().text  # requested, not issued: nothing to scan
    learner_cookies = testapp.cookies.copy()

    staff = TestApp(app)
    login(staff, "chaoyang", make_staff("chaoyang", "admin").login)
    invoice_id = db.session.scalar(select(Invoice.id))
    db.session.rollback()
    staff.get("/chaoyang/admin/invoices").forms[f"issue-{invoice_id}"].submit()

    for name, value in learner_cookies.items():
        testapp.set_cookie(name, value)
    page = testapp.get(f"/chaoyang/orders/{order.number}")
    assert "微信扫码直接获取电子发票（推荐使用）" in page.html.select_one("#invoice-scan figcaption").text
    link = page.html.select_one("#invoice-scan-link")["href"]
    png = testapp.get(page.html.select_one("#invoice-qr")["src"])
    assert png.content_type == "image/png"
    if not shutil.which("zbarimg"):
        require_or_skip("zbarimg not found (apt-get install zbar-tools)")
    (tmp_path / "qr.png").write_bytes(png.body)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True)
    assert scanned.stdout.strip() == link  # the code is the link

    phone = TestApp(app)  # WeChat on a phone: not signed in
    pdf = phone.get(link.replace("http://localhost", ""))
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    tampered = link.replace("http://localhost", "")[:-2] + ("AA" if not link.endswith("AA") else "BB")
    assert "发票不存在或二维码已失效。" in phone.get(tampered, status=404).text
    elsewhere = link.replace("http://localhost", "").replace("/chaoyang/", "/guangdong/")
    phone.get(elsewhere, status=404)
