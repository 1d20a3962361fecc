"""In headless Chromium: a paper offset with two images is rejected, resubmitted and approved."""
from __future__ import annotations

import re

import pytest
from PIL import Image
from sqlalchemy import select

pytestmark = pytest.mark.browser


@pytest.fixture
def cpe_test_config(cpe_test_config, tmp_path):
    return {**cpe_test_config, "CPE_UPLOAD_DIR": str(tmp_path / "uploads")}


def small_jpeg(tmp_path, name: str, color: str):
    path = tmp_path / name
    Image.new("RGB", (64, 48), color).save(path, "JPEG")
    return path


def sign_in(page, login_name: str) -> None:
    page.goto("/chaoyang/login")
    page.get_by_label("身份证号（工作人员填写账号）").fill(login_name)
    page.get_by_label("密码").fill("Passw0rd!")
    page.get_by_role("button", name="登录").click()
    # Learners land on the home page, staff on their dashboard.
    page.wait_for_url(re.compile(r"/chaoyang/(admin/)?$"))


def sign_out(page) -> None:
    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="退出登录").click()


def test_paper_offset_is_rejected_resubmitted_and_approved(
    page, live_server, make_learner, make_staff, tmp_path, artifact_dir
):
    from playwright.sync_api import expect

    from cpe_core.extensions import db
    from cpe_core.models import CreditRecord, OffsetApplication

    learner = make_learner("chaoyang", name="周会计")
    learner_login = learner.login
    make_staff("chaoyang", "reviewer", login="cy-reviewer")
    db.session.remove()
    images = [small_jpeg(tmp_path, "p1.jpg", "red"), small_jpeg(tmp_path, "p2.jpg", "green")]

    sign_in(page, learner_login)
    page.locator(".mainnav").get_by_role("link", name="学分抵免").click()
    page.get_by_role("link", name="申请会计类论文").click()
    page.get_by_label("申请类别").select_option("other_author")
    page.get_by_label("论文题目").fill("小微企业内部控制研究")
    page.get_by_label("刊物名称").fill("财会月刊")
    page.get_by_label("国内统一刊号（CN）").fill("CN42-1290/F")
    page.get_by_label("刊期（年/期）").fill("2024/05")
    page.get_by_label(re.compile("^署名位次")).fill("2")
    page.get_by_label("发表日期").fill("2024-03-01")
    evidence = page.get_by_label(re.compile("^证明材料"))
    evidence.set_input_files(images)
    page.get_by_role("button", name="计算学分").click()
    expect(page.locator("#credit-preview")).to_have_text("按规定可折算10学分。")
    # Valuing the application keeps the files chosen: nothing to choose again before submitting.
    assert evidence.evaluate("input => [...input.files].map(f => f.name)") == ["p1.jpg", "p2.jpg"]
    page.screenshot(path=artifact_dir / "chaoyang-offset-form.png", full_page=True)
    page.get_by_role("button", name="提交审核").click()
    row = page.locator("#my-applications tbody tr").first
    expect(row).to_contain_text("待审核")
    expect(row).to_contain_text("10学分")
    sign_out(page)

    sign_in(page, "cy-reviewer")
    page.locator(".mainnav").get_by_role("link", name="申请审核").click()
    page.locator("#queue tbody tr").first.get_by_role("link", name="查看").click()
    expect(page.locator("img.evidence")).to_have_count(2)
    # The images load after the page: wait for them rather than read a half-loaded <img>.
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.evidence')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator("img.evidence").first.evaluate("img => img.naturalWidth") == 64
    page.screenshot(path=artifact_dir / "chaoyang-offset-review.png", full_page=True)
    page.get_by_label(re.compile("^审核意见")).fill("刊物封面照片缺失，请补充")
    page.get_by_role("button", name="退回").click()
    expect(page.locator("#status")).to_have_text("已退回")
    sign_out(page)

    sign_in(page, learner_login)
    page.goto("/chaoyang/offsets")
    row = page.locator("#my-applications tbody tr").first
    expect(row).to_contain_text("已退回")
    expect(row).to_contain_text("刊物封面照片缺失，请补充")
    page.screenshot(path=artifact_dir / "chaoyang-offset-list.png", full_page=True)
    row.get_by_role("link", name="修改并重新提交").click()
    expect(page.locator("#reupload-warning")).to_contain_text("原上传的图片将被清除")
    page.get_by_label(re.compile("^证明材料")).set_input_files(
        images + [small_jpeg(tmp_path, "cover.jpg", "blue")]
    )
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#my-applications tbody tr").first).to_contain_text("待审核")
    sign_out(page)

    sign_in(page, "cy-reviewer")
    page.goto("/chaoyang/review/offsets?status=submitted")
    page.locator("#queue tbody tr").first.get_by_role("link", name="查看").click()
    expect(page.locator("img.evidence")).to_have_count(3)
    page.get_by_role("button", name="通过").click()
    expect(page.locator("#status")).to_have_text("已通过")
    sign_out(page)

    application = db.session.scalars(select(OffsetApplication)).one()
    record = db.session.scalars(select(CreditRecord)).one()
    assert application.status == "approved" and application.credits == 10
    assert (record.source, record.source_id, record.credits) == ("offset", application.id, 10)
    db.session.remove()
