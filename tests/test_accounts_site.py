"""Learner registration, sign-in, captcha, throttling and idle sign-out on the regions' sites."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from cpe_core.testing import CAPTCHA_TEST_ANSWER, id_number, login

CHAOYANG_ID = id_number("211302", "19880516", 7)
GUANGDONG_ID = id_number("440106", "19900101", 3)


def chaoyang_form(testapp, **overrides):
    form = testapp.get("/chaoyang/register").forms["register"]
    values = {
        "login": CHAOYANG_ID, "password": "Secret123", "password2": "Secret123", "name": "王小明",
        "qualification_level": "初级", "qualified_year": "2019", "employer": "朝阳市某某有限公司",
        "phone": "13904210099", "collection_region": "chaoyang", "privacy_accepted": True,
    }
    values.update(overrides)
    for key, value in values.items():
        form[key] = value
    return form


def test_chaoyang_learner_registers_with_id_number_and_lands_on_an_eligible_profile(testapp):
    page = chaoyang_form(testapp).submit().follow()
    assert "注册成功，欢迎您，王小明" in page.text
    assert "符合朝阳市2024年度会计继续教育学习条件" in page.text
    testapp.post("/chaoyang/logout", {"csrf_token": page.forms[0]["csrf_token"].value})
    home = login(testapp, "chaoyang", CHAOYANG_ID, "Secret123").follow()
    assert home.html.select_one(".usermenu summary").text.strip() == "王小明" and "退出登录" in home.text


def test_chaoyang_learner_collected_elsewhere_is_told_why_before_paying(testapp):
    page = chaoyang_form(testapp, collection_region="liaoning-other").submit().follow()
    assert "暂不能参加学习" in page.text
    assert "您的信息采集地区不是朝阳市" in page.text
    assert 'data-code="collected_elsewhere"' in page.text


def test_obligation_starts_the_year_after_qualifying(testapp):
    page = chaoyang_form(testapp, qualified_year="2024", work_start_year="").submit().follow()
    assert "应自2025年度起参加会计继续教育，2024年度无需参加" in page.text


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("login", "21130219880516182", "身份证号应为18位。"),
        ("login", "2113021988051A1820", "身份证号格式不正确：前17位应为数字，最后一位为数字或X。"),
        ("login", id_number("211302", "19880230", 1), "身份证号中的出生日期不正确。"),
        ("login", CHAOYANG_ID[:17] + ("1" if CHAOYANG_ID[17] != "1" else "2"), "身份证号校验位不正确，请核对后重新输入。"),
        ("phone", "1390421009", "手机号码应为11位中国大陆手机号码。"),
        ("phone", "23904210099", "手机号码应为11位中国大陆手机号码。"),
        ("password", "short1", "密码至少8位，且须同时包含字母和数字。"),
        ("password", "onlyletters", "密码至少8位，且须同时包含字母和数字。"),
        ("password2", "Different123", "两次输入的密码不一致。"),
        ("name", "", "请填写“姓名”。"),
        ("employer", "", "请填写“工作单位”。"),
        ("qualification_level", "", "请选择“专业技术资格”。"),
        ("qualified_year", "二〇一九", "“取得资格年份”须为整数。"),
        ("captcha", "WRONG", "验证码错误或已过期，请重新输入。"),
    ],
)
def test_chaoyang_registration_refuses_bad_input_and_keeps_what_was_typed(testapp, field, value, message):
    from cpe_core.models import User
    from cpe_core.extensions import db

    page = chaoyang_form(testapp, **{field: value}).submit(status=422)
    assert message in page.text
    assert db.session.query(User).count() == 0
    # What the learner typed is still there (passwords excepted).
    assert page.forms["register"]["employer"].value == ("" if field == "employer" else "朝阳市某某有限公司")


def test_registering_the_same_id_twice_in_a_region_is_refused(testapp):
    chaoyang_form(testapp).submit().follow()
    testapp.reset()
    page = chaoyang_form(testapp, login=CHAOYANG_ID.lower()).submit(status=422)
    assert "该身份证号已在本地区注册，请直接登录；忘记密码可通过“忘记密码”找回。" in page.text


def test_the_same_person_may_register_in_two_regions(testapp):
    chaoyang_form(testapp, login=GUANGDONG_ID).submit().follow()
    testapp.reset()
    guangdong_questions(testapp, "yes", "no")
    form = testapp.get("/guangdong/register").forms["register"]
    form["login"], form["password"], form["password2"] = GUANGDONG_ID, "Secret123", "Secret123"
    form["name"], form["phone"], form["privacy_accepted"] = "王小明", "13800138000", True
    assert "个人中心" in form.submit().follow().text


def guangdong_questions(testapp, first: str, second: str):
    form = testapp.get("/guangdong/register").forms["questions"]
    form["works_in_guangdong"] = first
    form["lives_or_studies_with_qualification"] = second
    return form.submit(expect_errors=True)


def test_guangdong_asks_the_two_questions_before_registering(testapp):
    page = testapp.get("/guangdong/register")
    assert "您是否在广东省内（不含深圳市）从事会计工作？" in page.text
    assert "register" not in page.forms
    refused = guangdong_questions(testapp, "no", "no")
    assert refused.status_int == 422
    assert "您不符合注册条件" in refused.text
    assert guangdong_questions(testapp, "no", "yes").status_int == 302
    assert "register" in testapp.get("/guangdong/register").forms


def test_cicpa_member_registers_with_member_number_and_member_type(testapp):
    page = testapp.get("/cicpa/register")
    assert "会员编号" in page.text and "非执业会员" in page.text
    form = page.forms["register"]
    form["login"], form["password"], form["password2"] = "110000123456", "Secret123", "Secret123"
    form["member_type"], form["name"] = "non_practising", "李会员"
    form["id_number"], form["phone"], form["privacy_accepted"] = id_number(sequence=9), "13800138001", True
    page = form.submit().follow()
    assert "您是非执业会员，可参加本年度继续教育。" in page.text


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("login", "11000012345", "会员编号应为12位数字（会员证书编号）。"),
        ("member_type", "", "请选择“用户类型”。"),
        ("id_number", id_number(sequence=9)[:17] + "X", "身份证号校验位不正确，请核对后重新输入。"),
    ],
)
def test_cicpa_registration_refuses_bad_input(testapp, field, value, message):
    form = testapp.get("/cicpa/register").forms["register"]
    values = {"login": "110000123456", "password": "Secret123", "password2": "Secret123",
              "member_type": "practising", "name": "李会员", "id_number": id_number(sequence=9),
              "phone": "13800138001"}
    values[field] = value
    for key, val in values.items():
        form[key] = val
    assert message in form.submit(status=422).text


def test_captcha_image_is_a_real_png(testapp):
    response = testapp.get("/chaoyang/captcha.png")
    assert response.content_type == "image/png"
    image = Image.open(io.BytesIO(response.body))
    assert image.format == "PNG" and image.size == (160, 60)
    assert response.headers["Cache-Control"] == "no-store"


def try_login(testapp, login_name: str, password: str):
    form = testapp.get("/chaoyang/login").forms["login"]
    form["login"], form["password"] = login_name, password
    return form.submit(expect_errors=True)


def test_failed_logins_are_limited_per_account(testapp, make_learner):
    make_learner("chaoyang", login=CHAOYANG_ID)
    for _ in range(5):
        assert try_login(testapp, CHAOYANG_ID, "wrong-password").status_int == 401
    locked = try_login(testapp, CHAOYANG_ID, "Passw0rd!")
    assert locked.status_int == 429
    assert "登录失败次数过多，请15分钟后再试。" in locked.text


def test_failed_logins_are_limited_per_address(app, testapp, make_learner):
    app.config["CPE_LOGIN_LIMIT_ADDRESS"] = "3 per 15 minutes"
    make_learner("chaoyang", login=CHAOYANG_ID)
    for n in range(3):
        assert try_login(testapp, id_number(sequence=100 + n), "nope").status_int == 401
    assert try_login(testapp, CHAOYANG_ID, "Passw0rd!").status_int == 429


def test_a_session_idle_for_thirty_minutes_is_signed_out_with_a_message(testapp, make_learner, clock):
    make_learner("chaoyang", login=CHAOYANG_ID, collection_region="chaoyang")
    login(testapp, "chaoyang", CHAOYANG_ID)
    clock.advance(minutes=29)
    assert testapp.get("/chaoyang/me").status_int == 200
    clock.advance(minutes=31)
    page = testapp.get("/chaoyang/me").follow()
    assert "您已超过30分钟未操作，系统已自动退出，请重新登录。" in page.text
    assert testapp.get("/chaoyang/me").status_int == 302  # signed out for good


def test_a_learner_cannot_open_another_regions_pages(testapp, make_learner):
    make_learner("chaoyang", login=CHAOYANG_ID)
    login(testapp, "chaoyang", CHAOYANG_ID)
    testapp.get("/guangdong/me", status=403)
    testapp.get("/guangdong/me/collection/personal", status=403)


def test_session_cookie_is_httponly_and_samesite(testapp, make_learner):
    make_learner("chaoyang", login=CHAOYANG_ID)
    response = login(testapp, "chaoyang", CHAOYANG_ID)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_registration_without_csrf_token_is_refused(app, testapp):
    app.config["WTF_CSRF_ENABLED"] = True
    testapp.post("/chaoyang/register", {"login": CHAOYANG_ID}, status=400)


def test_profile_choices_show_the_regions_labels_not_their_codes(testapp, make_learner, make_staff):
    member = make_learner("cicpa", login="100000000009", member_type="non_practising")
    login(testapp, "cicpa", member.login)
    facts = testapp.get("/cicpa/me").html.select_one("dl.facts").text
    assert "非执业会员" in facts and "non_practising" not in facts

    elsewhere = make_learner("chaoyang", collection_region="liaoning-other", collection_area="沈阳市")
    make_staff("chaoyang", "reviewer", login="cy-reviewer")
    login(testapp, "chaoyang", "cy-reviewer")
    facts = testapp.get(f"/chaoyang/admin/learners/{elsewhere.id}").html.select_one("dl.facts").text
    assert "辽宁省其他市 沈阳市" in facts and "liaoning-other" not in facts
