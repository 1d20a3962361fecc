"""In headless Chromium: a Chaoyang learner sits the exam (answers saved as they are ticked,
kept across a reload), passes, downloads the certificate and opens its verification page."""
from __future__ import annotations

import hashlib

import pytest

from cpe_core.extensions import db
from cpe_core.models import Question
from cpe_core.regions import rules_for
from exam_helpers import add_questions, give_credits, plan
from study_support import ELIGIBLE

pytestmark = pytest.mark.browser
YEAR = 2024


def test_chaoyang_exam_to_a_pass_then_certificate_and_verification(
    page, live_server, make_learner, make_course, artifact_dir
):
    from playwright.sync_api import expect

    user = make_learner("chaoyang", name="周考生", **ELIGIBLE["chaoyang"])
    for kind in ("professional", "public"):
        course = make_course("chaoyang", YEAR, kind=kind, credits=30)
        add_questions(course)
        plan(user, course, YEAR)
    give_credits(user, "chaoyang", YEAR, source="course", professional=60, public=30)
    right = {q.id: q.answer for q in db.session.scalars(db.select(Question))}
    login_name, full_marks = user.login, rules_for("chaoyang").exam_policy(YEAR).full_marks
    db.session.remove()

    page.goto("/chaoyang/login")
    page.get_by_label("身份证号（工作人员填写账号）").fill(login_name)
    page.get_by_label("密码").fill("Passw0rd!")
    page.get_by_role("button", name="登录").click()
    page.goto("/chaoyang/exam/")
    expect(page.locator("#exam-status")).to_contain_text("已满足考试条件，可以参加考试。")
    page.get_by_role("button", name="开始考试").click()

    questions = page.locator("fieldset.question")
    expect(questions.first).to_be_visible()
    ids = [int(q) for q in questions.evaluate_all("els => els.map(e => e.dataset.question)")]
    for question_id in ids:
        page.locator(f"#question-{question_id} input[value='{right[question_id]}']").check()
        expect(page.locator("#save-status")).to_have_text("已自动保存。")
        page.evaluate("document.getElementById('save-status').textContent = ''")
    page.reload()  # a dropped connection or a reload loses nothing
    for question_id in ids:
        expect(page.locator(f"#question-{question_id} input[value='{right[question_id]}']")).to_be_checked()
    page.screenshot(path=artifact_dir / "exam-paper.png", full_page=True)
    page.get_by_role("button", name="交卷").click()

    expect(page.locator("#score")).to_have_text(str(full_marks))
    expect(page.locator("#result")).to_contain_text("考试合格")
    page.get_by_role("link", name="下载合格证").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载会计专业技术人员继续教育合格证").click()
    pdf = open(download_info.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    digest = hashlib.sha256(pdf).hexdigest()

    page.goto("/chaoyang/certificates/")
    page.get_by_role("link", name="核验页面").click()
    expect(page.locator("#verdict")).to_contain_text("真实有效")
    expect(page.locator("#sha256")).to_have_text(digest)
    expect(page.locator("#fields")).to_contain_text("周考生")
    page.screenshot(path=artifact_dir / "certificate-verify.png", full_page=True)
