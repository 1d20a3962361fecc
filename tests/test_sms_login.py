"""Sign-in with an SMS code (手机验证码登录), on the site and through the API, for a region whose
``cpe_sms_policy`` offers it (chaoyang here, through the test plugin ``SmsLoginOn``)."""
from __future__ import annotations

import pytest

from cpe_core.testing import api_captcha, id_number

LEARNER_ID = id_number("211302", "19880516", 71)
PHONE = "13904210777"
BAD_CODE = "短信验证码错误或已过期，请重新获取。"


@pytest.fixture
def extra_plugins(outbox, sms_login_on):
    return [("test-sms", outbox), ("sms-login", sms_login_on)]


@pytest.fixture
def learner(make_learner):
    return make_learner("chaoyang", login=LEARNER_ID, id_number=LEARNER_ID, name="钱学员", phone=PHONE)


def site_send(testapp, phone=PHONE):
    form = testapp.get("/chaoyang/login/sms").forms["sms_login"]
    form["phone"] = phone
    return form.submit("action", value="send", expect_errors=True)


def site_sign_in(page, code, phone=PHONE):
    form = page.forms["sms_login"]
    form["phone"], form["code"] = phone, code
    return form.submit("action", value="login", expect_errors=True)


def api_send(testapp, phone=PHONE, region="chaoyang"):
    return testapp.post_json(f"/api/v1/regions/{region}/login/sms-code", {"phone": phone, **api_captcha(testapp)},
                             expect_errors=True)


def api_sign_in(testapp, code, phone=PHONE, region="chaoyang"):
    return testapp.post_json(f"/api/v1/regions/{region}/login/sms", {"phone": phone, "code": code},
                             expect_errors=True)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_learner_signs_in_on_the_site_with_a_texted_code(testapp, learner, outbox):
    from cpe_core.extensions import db
    from cpe_core.models import SmsCode

    tab = testapp.get("/chaoyang/login").html.select_one("#login-tabs a[href='/chaoyang/login/sms']")
    assert tab.text == "验证码登录"
    page = site_send(testapp)
    assert page.status_int == 200 and "验证码已发送，请查收短信。" in page.text
    region, phone, message = outbox.sent[-1]
    assert (region, phone) == ("chaoyang", PHONE) and "您正在登录" in message
    stored = db.session.query(SmsCode).one()
    assert stored.purpose == "login" and outbox.last_code() not in stored.code_hash
    signed_in = site_sign_in(page, outbox.last_code())
    assert signed_in.status_int == 302
    assert "钱学员" in testapp.get("/chaoyang/me").text


def test_the_api_signs_in_with_a_code_and_its_token_replaces_the_older_session(testapp, learner, outbox):
    older = testapp.post_json("/api/v1/regions/chaoyang/login",
                              {"login": LEARNER_ID, "password": "Passw0rd!", **api_captcha(testapp)}).json["token"]
    sent = api_send(testapp)
    assert sent.status_int == 200 and sent.json == {"sent": True, "expires_in": 600}
    answer = api_sign_in(testapp, outbox.last_code())
    assert answer.status_int == 200 and answer.json["learner"]["login"] == LEARNER_ID
    me = testapp.get("/api/v1/me", headers={"Authorization": f"Bearer {answer.json['token']}"})
    assert me.json["login"] == LEARNER_ID
    replaced = testapp.get("/api/v1/me", headers={"Authorization": f"Bearer {older}"}, expect_errors=True)
    assert replaced.status_int == 401 and replaced.json["error"]["code"] == "session_replaced"


def test_wrong_codes_count_with_wrong_passwords_and_lock_the_account_out(testapp, learner, outbox):
    api_send(testapp)
    code = outbox.last_code()
    for _ in range(5):
        refused = api_sign_in(testapp, wrong(code))
        assert refused.status_int == 401 and refused.json["error"] == {"code": "bad_sms_code", "message": BAD_CODE}
    locked = api_sign_in(testapp, code)
    assert locked.status_int == 429 and locked.json["error"]["code"] == "too_many_attempts"
    # The same counter as passwords: the right password is refused too.
    form = testapp.get("/chaoyang/login").forms["login"]
    form["login"], form["password"] = LEARNER_ID, "Passw0rd!"
    assert "登录失败次数过多，请15分钟后再试。" in form.submit(status=429).text


def test_five_wrong_tries_burn_the_code(app, testapp, learner, outbox):
    app.config["CPE_LOGIN_LIMIT_ACCOUNT"] = "100 per minute"
    page = site_send(testapp)
    code = outbox.last_code()
    for _ in range(5):
        refused = site_sign_in(page, wrong(code))
        assert refused.status_int == 401 and BAD_CODE in refused.text
    assert api_sign_in(testapp, code).json["error"]["code"] == "bad_sms_code"


def test_an_expired_code_is_refused(testapp, learner, outbox, clock):
    api_send(testapp)
    clock.advance(minutes=11)
    assert api_sign_in(testapp, outbox.last_code()).json["error"]["code"] == "bad_sms_code"


def test_a_used_code_is_refused(testapp, learner, outbox):
    api_send(testapp)
    code = outbox.last_code()
    assert api_sign_in(testapp, code).status_int == 200
    again = api_sign_in(testapp, code)
    assert again.status_int == 401 and again.json["error"]["code"] == "bad_sms_code"


def test_the_sixth_code_of_a_shanghai_day_is_refused(testapp, learner, outbox, clock):
    from cpe_core.regions import rules_for
    from cpe_core.services import password_reset

    password_reset.send_reset_code(rules_for("chaoyang"), LEARNER_ID, PHONE)  # reset codes count too
    for _ in range(4):
        assert api_send(testapp).status_int == 200
    refused = api_send(testapp)
    assert refused.status_int == 422 and refused.json["error"]["code"] == "sms_daily_limit"
    page = site_send(testapp)
    assert page.status_int == 422 and "该手机号今日获取验证码次数已达上限（5次），请明天再试。" in page.text
    assert len(outbox.sent) == 5
    clock.advance(hours=14)  # midnight in Shanghai
    assert api_send(testapp).status_int == 200


@pytest.mark.parametrize("region_limit, limit", [(None, 2), (3, 3)], ids=["deployment-setting", "region-override"])
def test_the_daily_limit_is_a_setting_a_region_may_override(app, testapp, learner, outbox, sms_login_on,
                                                            region_limit, limit):
    app.config["CPE_SMS_DAILY_LIMIT"] = 2
    sms_login_on.daily_limit = region_limit
    for _ in range(limit):
        assert api_send(testapp).status_int == 200
    refused = api_send(testapp)
    assert refused.json["error"]["message"] == f"该手机号今日获取验证码次数已达上限（{limit}次），请明天再试。"
    assert testapp.get("/api/v1/regions/chaoyang/registration-form").json["sms_daily_limit"] == limit
    assert f"每个手机号每天最多获取{limit}次" in testapp.get("/chaoyang/password/reset").text


def test_a_phone_of_no_learner_gets_no_code(testapp, learner, outbox):
    refused = api_send(testapp, phone="13904210778")
    assert refused.status_int == 422 and refused.json["error"]["code"] == "phone_not_registered"
    assert outbox.sent == []
    assert api_sign_in(testapp, "123456", phone="13904210778").json["error"]["code"] == "bad_sms_code"


def test_a_region_without_code_sign_in_shows_no_tab_and_the_api_says_so(testapp, outbox):
    assert testapp.get("/guangdong/login").html.select("#login-tabs") == []
    assert testapp.get("/guangdong/login/sms", expect_errors=True).status_int == 404
    for answer in (api_send(testapp, region="guangdong"), api_sign_in(testapp, "123456", region="guangdong")):
        assert answer.status_int == 404 and answer.json["error"]["code"] == "sms_login_not_offered"
    assert testapp.get("/api/v1/regions/guangdong/registration-form").json["sms_login"] is False
    assert testapp.get("/api/v1/regions/chaoyang/registration-form").json["sms_login"] is True
    assert outbox.sent == []
