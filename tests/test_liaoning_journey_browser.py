"""Liaoning's whole journey in headless Chromium, on the real clock, over ``make run``'s demo of
Liaoning and Chaoyang: register on the hub with the place of collection, sign in by a texted
code, cancel an enrolment before paying, enrol at 朝阳会计在线, 进入网校 lands signed in on the
Chaoyang site, pay, study and pass there, rate a Chaoyang course; Chaoyang's admin pushes the
year and the hub's 报名记录 shows 学分已登记 with the credits; the learner rates the institution.

Chaoyang's push reaches this deployment's own Liaoning receiver with the token
``cpe institutions token liaoning 朝阳会计在线`` would print, as a deployer configures it.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Institution
from cpe_core.services import registrations
from cpe_core.testing import CAPTCHA_TEST_ANSWER, id_number
from test_journeys_browser import (DEMO_PASSWORD, PASSWORD, clock, cpe_test_config, finish_the_plan,  # noqa: F401
                                   learner_named, load_demo, pay_in_the_sandbox, plan_course_ids,
                                   shorten_first_chapter, sign_in, sign_out, sit_the_exam_and_pass, watch_and_pass)

pytestmark = pytest.mark.browser


@pytest.fixture
def cpe_plugins() -> str:
    return "liaoning,chaoyang"


@pytest.fixture
def extra_plugins(outbox):
    return [("sms-outbox", outbox)]


def connect_chaoyang_to_the_hub(app, live_server: str) -> None:
    school = db.session.scalar(select(Institution).where(Institution.region == "liaoning",
                                                         Institution.name == "朝阳会计在线"))
    token = registrations.new_token(school)
    db.session.commit()
    db.session.remove()
    app.config["CPE_CHAOYANG_PUSH_URL"] = f"{live_server}/api/v1/regions/liaoning/registrations"
    app.config["CPE_CHAOYANG_PUSH_TOKEN"] = token


def enrol(page, year: int, school: str, level: str) -> None:
    page.goto(f"/liaoning/enrolments/?year={year}")
    form = page.locator("form#enrol")
    form.locator("select[name=level]").select_option(level)
    form.locator("label.institution", has_text=school).locator("input").check()
    form.get_by_role("button", name="确认报名").click()


def record_row(page, school: str):
    return page.locator("#enrolments tbody tr", has_text=school).first


def test_liaoning_journey_from_registration_to_credits_registered_back_from_chaoyang(app, page, live_server,
                                                                                    artifact_dir, outbox):
    from playwright.sync_api import expect

    year = load_demo("liaoning")
    load_demo("chaoyang")
    connect_chaoyang_to_the_hub(app, live_server)
    login, phone = id_number("211302", "19910520", 17), "13904216677"

    # 注册, with the place of collection (信息采集地 辽宁省, 所在市 朝阳市).
    page.goto("/liaoning/")
    page.locator(".mainnav").get_by_role("link", name="注册").click()
    form = page.locator("form#register")
    form.get_by_label("身份证号").fill(login)
    form.get_by_label(re.compile(r"^\*?密码$")).fill(PASSWORD)
    form.get_by_label("确认密码").fill(PASSWORD)
    form.get_by_label("姓名").fill("韩立新")
    form.get_by_label("手机号码").fill(phone)
    form.get_by_label("专业技术资格").select_option("中级")
    form.get_by_label("取得资格年份").fill(str(year - 6))
    form.get_by_label("工作单位").fill("朝阳市第一医院")
    form.get_by_label("主管部门").fill("双塔区财政局")
    form.get_by_label("信息采集地").select_option("liaoning")
    form.get_by_label("所在市").select_option("朝阳市")
    form.get_by_label("验证码").fill(CAPTCHA_TEST_ANSWER)
    form.locator("[name=privacy_accepted]").check()  # the core's notice: Liaoning gives none of its own
    form.get_by_role("button", name="注册").click()
    page.wait_for_url(re.compile(r"/liaoning/"))
    sign_out(page, "liaoning")

    # 手机验证码登录.
    page.goto("/liaoning/login")
    page.get_by_role("link", name="验证码登录").click()
    page.locator("input[name=phone]").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("验证码已发送")).to_be_visible()
    page.locator("input[name=code]").fill(outbox.last_code())
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(r"/liaoning/$"))

    # 取消报名 before paying, then enrol at 朝阳会计在线.
    enrol(page, year, "辽宁会计网校（演示）", "初级及以下")
    expect(record_row(page, "辽宁会计网校（演示）").locator("td.status")).to_have_text("已报名")
    record_row(page, "辽宁会计网校（演示）").get_by_role("button", name="取消报名").click()
    expect(record_row(page, "辽宁会计网校（演示）").locator("td.status")).to_have_text("已取消报名")
    enrol(page, year, "朝阳会计在线", "中级")
    page.screenshot(path=artifact_dir / "journey-liaoning-enrolments.png", full_page=True)

    # 进入网校: signed in on the Chaoyang site, no second registration.
    record_row(page, "朝阳会计在线").get_by_role("button", name="进入网校").click()
    page.wait_for_url(re.compile(r"/chaoyang/$"))
    expect(page.locator(".usermenu")).to_contain_text("韩立新")

    page.goto("/chaoyang/institution")
    page.locator("form#institution select[name=institution_id]").select_option(label="朝阳市会计学会")
    page.locator("form#institution select[name=level]").select_option("中级")
    page.locator("form#institution button").click()
    page.goto("/chaoyang/plan")
    page.get_by_role("button", name="一键选课").click()
    course_id = plan_course_ids(learner_named("chaoyang", "韩立新").id, year)[0]
    chapter_id = shorten_first_chapter(course_id)
    pay_in_the_sandbox(page, "chaoyang", "annual", "¥90.00")

    # Paid at the school: the hub's record says so and offers no 取消报名 any more.
    sign_out(page, "chaoyang")  # the hand-over's session is Chaoyang's: back on the hub by password
    sign_in(page, "liaoning", login, PASSWORD)
    page.goto(f"/liaoning/enrolments/?year={year}")
    expect(record_row(page, "朝阳会计在线").locator("td.status")).to_have_text("已缴费")
    expect(record_row(page, "朝阳会计在线").get_by_role("button", name="取消报名")).to_have_count(0)
    record_row(page, "朝阳会计在线").get_by_role("button", name="进入网校").click()
    page.wait_for_url(re.compile(r"/chaoyang/$"))

    watch_and_pass(page, "chaoyang", chapter_id)
    page.goto(f"/chaoyang/courses/{course_id}")
    rating = page.locator("form#rating-form")
    rating.get_by_label("5星").check()
    rating.get_by_role("button", name="提交评价").click()
    expect(page.locator("main")).to_contain_text("5星")
    finish_the_plan("chaoyang", "韩立新", year)
    sit_the_exam_and_pass(page, "chaoyang")
    sign_out(page, "chaoyang")

    # Chaoyang's admin registers the year back to the hub (导出与上报 → 推送).
    sign_in(page, "chaoyang", "cy-admin", DEMO_PASSWORD)
    page.goto("/chaoyang/admin/exports")
    form = page.locator("form#export")
    form.locator("[name=year]").fill(str(year))
    form.locator("[name=format]").select_option("push")
    form.locator("button").click()
    page.goto("/chaoyang/admin/exports")
    expect(page.locator("table.export-jobs tbody tr").first).to_contain_text("完成")
    sign_out(page, "chaoyang")

    sign_in(page, "liaoning", login, PASSWORD)
    page.goto(f"/liaoning/enrolments/?year={year}")
    row = record_row(page, "朝阳会计在线")
    expect(row.locator("td.status")).to_have_text("学分已登记")
    expect(row.locator("td").nth(5)).to_have_text("90")
    row.locator("details.rate-institution summary").click()
    row.locator("form[id^=rating-]").get_by_label("4星").check()
    row.locator("form[id^=rating-]").get_by_role("button", name="提交评价").click()
    expect(record_row(page, "朝阳会计在线").locator("details.rate-institution summary")).to_contain_text("4星")
    page.screenshot(path=artifact_dir / "journey-liaoning-registered.png", full_page=True)
    page.goto("/liaoning/")
    page.screenshot(path=artifact_dir / "journey-liaoning-home.png")
