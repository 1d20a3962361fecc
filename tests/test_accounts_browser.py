"""A learner registers and signs in on Chaoyang's site in headless Chromium."""
from __future__ import annotations

import re

import pytest

from cpe_core.testing import CAPTCHA_TEST_ANSWER, id_number

pytestmark = pytest.mark.browser


def test_a_chaoyang_learner_registers_signs_out_and_signs_in(page, live_server, artifact_dir):
    from playwright.sync_api import expect

    learner_id = id_number("211302", "19880516", 55)
    page.goto("/chaoyang/")
    page.locator(".mainnav").get_by_role("link", name="注册").click()
    expect(page).to_have_url(f"{live_server}/chaoyang/register")
    captcha = page.locator("img.captcha")
    expect(captcha).to_be_visible()
    # The PNG loads after the page: wait for it instead of reading a half-loaded <img>.
    page.wait_for_function("() => { const i = document.querySelector('img.captcha'); return i.complete && i.naturalWidth > 0; }")
    assert page.evaluate("img => img.naturalWidth", captcha.element_handle()) == 160  # a real PNG

    form = page.locator("form#register")
    form.get_by_label("身份证号").fill(learner_id)
    form.get_by_label(re.compile(r"^\*?密码$")).fill("Secret123")
    form.get_by_label("确认密码").fill("Secret123")
    form.get_by_label("姓名").fill("刘晓会")
    form.get_by_label("专业技术资格").select_option("中级")
    form.get_by_label("取得资格年份").fill("2018")
    form.get_by_label("工作单位").fill("朝阳市某会计师事务所")
    form.get_by_label("手机号码").fill("13904210777")
    form.get_by_label("信息采集地区").select_option("chaoyang")
    form.get_by_label("验证码").fill(CAPTCHA_TEST_ANSWER)
    form.get_by_label("我已阅读并同意《朝阳会计在线个人信息保护政策》").check()
    page.screenshot(path=artifact_dir / "chaoyang-register.png", full_page=True)
    form.get_by_role("button", name="注册").click()

    expect(page).to_have_url(re.compile(r"/chaoyang/me"))
    expect(page.get_by_text("注册成功，欢迎您，刘晓会！")).to_be_visible()
    expect(page.get_by_text("符合朝阳市2024年度会计继续教育学习条件")).to_be_visible()

    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="退出登录").click()
    page.goto("/chaoyang/login")
    page.get_by_label("身份证号（工作人员填写账号）").fill(learner_id)
    page.get_by_label("密码").fill("Secret123")
    page.get_by_label("验证码").fill(CAPTCHA_TEST_ANSWER)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server}/chaoyang/")
    expect(page.locator(".usermenu summary")).to_have_text("刘晓会")
    page.locator(".usermenu summary").click()
    page.locator(".mainnav").get_by_role("link", name="个人中心").click()
    expect(page.locator("#eligibility")).to_contain_text("符合学习条件")
    page.screenshot(path=artifact_dir / "chaoyang-learner-signed-in.png", full_page=True)
