"""The Alibaba Cloud and Tencent Cloud gateways, against fake providers on 127.0.0.1 that check
each request's signature with the test's keys."""
from __future__ import annotations

import json

import pytest

from cpe_core import PluginError, create_app
from cpe_core.testing import id_number

GD_LOGIN = id_number("440106", "19900315", 12)
CY_LOGIN = id_number("211302", "19880516", 31)
GD_PHONE, CY_PHONE = "13800138000", "13904210555"


@pytest.fixture
def learners(make_learner):
    return (make_learner("guangdong", login=GD_LOGIN, id_number=GD_LOGIN, phone=GD_PHONE),
            make_learner("chaoyang", login=CY_LOGIN, id_number=CY_LOGIN, phone=CY_PHONE))


def request_code(testapp, region, login_name, phone):
    form = testapp.get(f"/{region}/password/reset").forms["reset_request"]
    form["login"], form["phone"] = login_name, phone
    return form.submit(expect_errors=True)


def confirm(page, code, password="NewSecret9"):
    form = page.forms["reset_confirm"]
    form["code"], form["password"], form["password2"] = code, password, password
    return form.submit(expect_errors=True)


def test_a_guangdong_reset_code_reaches_alibaba_cloud_with_guangdongs_signature(testapp, learners, fake_aliyun, fake_tencent):
    page = request_code(testapp, "guangdong", GD_LOGIN, GD_PHONE).follow()
    [sent] = fake_aliyun.sent
    assert sent["PhoneNumbers"] == GD_PHONE and sent["SignName"] == "广东会计继续教育"
    assert sent["TemplateCode"] == "SMS_100" and sent["TemplateParam"]["minutes"] == "10"
    assert fake_tencent.sent == [] and fake_aliyun.refused == []
    assert confirm(page, sent["TemplateParam"]["code"]).status_int == 302  # the code texted is the code


def test_a_chaoyang_reset_code_reaches_tencent_cloud_with_numbered_variables(testapp, learners, fake_aliyun, fake_tencent):
    page = request_code(testapp, "chaoyang", CY_LOGIN, CY_PHONE).follow()
    [sent] = fake_tencent.sent
    assert sent["PhoneNumberSet"] == [f"+86{CY_PHONE}"] and sent["SmsSdkAppId"] == "1400000001"
    assert sent["SignName"] == "朝阳会计在线" and sent["TemplateId"] == "2001"
    code, minutes = sent["TemplateParamSet"]
    assert len(code) == 6 and minutes == "10" and fake_aliyun.sent == []
    assert confirm(page, code).status_int == 302


@pytest.fixture
def sms_settings(sms_settings, request):
    """``@pytest.mark.parametrize("tamper", ...)`` changes one setting before the app starts."""
    tamper = getattr(request, "param", None)
    return {**sms_settings, **(tamper or {})}


@pytest.mark.parametrize("sms_settings, region, login_name, phone", [
    ({"CPE_ALIYUN_SMS_ACCESS_KEY_SECRET": "not-the-secret"}, "guangdong", GD_LOGIN, GD_PHONE),
    ({"CPE_TENCENT_SMS_SECRET_KEY": "not-the-secret"}, "chaoyang", CY_LOGIN, CY_PHONE),
], indirect=["sms_settings"], ids=["aliyun", "tencent"])
def test_a_request_signed_with_the_wrong_secret_is_refused_and_the_learner_told(
        testapp, learners, fake_aliyun, fake_tencent, region, login_name, phone):
    from cpe_core.extensions import db
    from cpe_core.models import SmsCode, SmsQuota

    page = request_code(testapp, region, login_name, phone)
    assert page.status_int == 422 and "短信发送失败，请稍后再试。" in page.text
    assert "not-the-secret" not in page.text  # the error page names no key
    assert (fake_aliyun.refused + fake_tencent.refused) in (["SignatureDoesNotMatch"], ["AuthFailure.SignatureFailure"])
    assert fake_aliyun.sent == fake_tencent.sent == []
    # Not sent: no code waits, and the day's slot was given back.
    assert db.session.query(SmsCode).count() == 0 and db.session.query(SmsQuota).one().sent == 0


def test_a_replayed_request_is_refused_by_the_fake_provider(fake_aliyun, aliyun_keys):
    """The fake checks what the real one checks: the same signed request twice is refused."""
    import requests

    from cpe_sms.gateways import AliyunGateway
    from hookspecs import SmsAccount, SmsMessage

    gateway = AliyunGateway(*aliyun_keys, endpoint=fake_aliyun.url)
    captured = []
    original = requests.Session.send

    def keep(session, prepared, **kwargs):
        captured.append(prepared.copy())
        return original(session, prepared, **kwargs)

    requests.Session.send = keep
    try:
        assert gateway.send(GD_PHONE, SmsMessage("login", {"code": "1"}, "x"), SmsAccount("签名", {"login": "SMS_1"}))
    finally:
        requests.Session.send = original
    again = requests.Session().send(captured[0])
    assert again.status_code == 400 and again.json()["Code"] == "SignatureNonceUsed"


def test_a_provider_refusal_counts_as_not_sent(testapp, learners, fake_aliyun):
    fake_aliyun.refuse_next.append(("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控"))
    page = request_code(testapp, "guangdong", GD_LOGIN, GD_PHONE)
    assert page.status_int == 422 and "短信发送失败，请稍后再试。" in page.text


@pytest.mark.parametrize("sms_settings", [{"CPE_SMS_REGIONS": {"guangdong": {
    "gateway": "aliyun", "sign_name": "广东会计继续教育", "templates": {"login": "SMS_101"}}}}], indirect=True)
def test_a_region_without_a_template_for_the_purpose_sends_nothing(testapp, learners, fake_aliyun):
    assert request_code(testapp, "guangdong", GD_LOGIN, GD_PHONE).status_int == 422
    assert fake_aliyun.sent == []


def production_config(tmp_path, **settings):
    return {"CPE_ENV": "production", "SECRET_KEY": "k" * 32, "CPE_PLUGINS": "guangdong,sms",
            "CPE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", **settings}


@pytest.fixture
def no_sms_environment(monkeypatch):
    # The app's own settings (database, plugins, environment) come from the test's config, which wins.
    for name in ("CPE_ALIYUN_SMS_ACCESS_KEY_ID", "CPE_ALIYUN_SMS_ACCESS_KEY_SECRET", "CPE_SMS_LOG_IN_PRODUCTION",
                 "CPE_ALIYUN_SMS_ACCESS_KEY_SECRET_FILE", "CPE_SMS_REGIONS"):
        monkeypatch.delenv(name, raising=False)


def test_production_start_up_names_the_keys_a_region_lacks(tmp_path, no_sms_environment):
    regions = {"guangdong": {"gateway": "aliyun", "sign_name": "广东", "templates": {"password_reset": "SMS_1"}}}
    with pytest.raises(PluginError) as refused:
        create_app(production_config(tmp_path, CPE_SMS_REGIONS=regions), instance_path=str(tmp_path))
    message = str(refused.value)
    assert "region 'guangdong'" in message
    assert "CPE_ALIYUN_SMS_ACCESS_KEY_ID" in message and "CPE_ALIYUN_SMS_ACCESS_KEY_SECRET" in message


def test_production_without_a_gateway_refuses_the_log_unless_allowed(tmp_path, no_sms_environment):
    with pytest.raises(PluginError, match="CPE_SMS_LOG_IN_PRODUCTION=1"):
        create_app(production_config(tmp_path), instance_path=str(tmp_path))
    create_app(production_config(tmp_path, CPE_SMS_LOG_IN_PRODUCTION=True), instance_path=str(tmp_path))


def test_a_gateway_no_plugin_offers_is_named_at_start_up(tmp_path, no_sms_environment, cpe_test_config):
    config = {**cpe_test_config, "CPE_SMS_REGIONS": {"guangdong": {"gateway": "aliyn"}}}
    with pytest.raises(PluginError, match="gateway 'aliyn', which no enabled plugin offers"):
        create_app(config)


def test_keys_may_come_from_the_environment_or_a_file(tmp_path, monkeypatch, no_sms_environment, cpe_test_config,
                                                     aliyun_keys, fake_aliyun):
    from cpe_core.regions import rules_for
    from hookspecs import SmsMessage

    secret_file = tmp_path / "aliyun-secret"
    secret_file.write_text(aliyun_keys[1] + "\n")
    monkeypatch.setenv("CPE_ALIYUN_SMS_ACCESS_KEY_ID", aliyun_keys[0])
    monkeypatch.setenv("CPE_ALIYUN_SMS_ACCESS_KEY_SECRET_FILE", str(secret_file))
    monkeypatch.setenv("CPE_SMS_REGIONS", json.dumps(
        {"guangdong": {"gateway": "aliyun", "sign_name": "广东", "templates": {"login": "SMS_9"}}}))
    config = {key: value for key, value in cpe_test_config.items()
              if not key.startswith(("CPE_ALIYUN", "CPE_SMS_REGIONS"))}
    app = create_app({**config, "CPE_ALIYUN_SMS_ENDPOINT": fake_aliyun.url})
    with app.app_context():
        assert rules_for("guangdong").send_sms(GD_PHONE, SmsMessage("login", {"code": "246810"}, "…"))
    assert fake_aliyun.sent[0]["TemplateParam"] == {"code": "246810"} and fake_aliyun.refused == []
    assert aliyun_keys[1] not in repr(app.extensions["cpe"].sms_routes())


def test_an_invoice_link_reaches_alibaba_cloud_and_opens_the_pdf(testapp, learners, fake_aliyun, clock):
    """The invoice template gets the number and the link; the link opens the PDF signed out."""
    from cpe_core import clock as clocks
    from cpe_core.extensions import db
    from cpe_core.models import Invoice, Order
    from cpe_core.services import invoices

    learner = learners[0]
    paid = clocks.to_utc_naive(clocks.now())
    order = Order(number="20240615000000000001", user_id=learner.id, region="guangdong", year=2024,
                  mode="professional", total_fen=9000, status="paid", paid_at=paid)
    db.session.add(order)
    db.session.flush()
    invoice = Invoice(order_id=order.id, title="张三", email="", status="issued", number="2024061500000001",
                      issued_at=paid, delivery="sms", phone=GD_PHONE)
    db.session.add(invoice)
    db.session.commit()
    assert invoices.send(invoice, order) is None
    [sent] = fake_aliyun.sent
    assert sent["TemplateCode"] == "SMS_102" and sent["PhoneNumbers"] == GD_PHONE
    assert sent["TemplateParam"]["number"] == "2024061500000001"
    link = sent["TemplateParam"]["link"]
    assert link.startswith("http://localhost/guangdong/i/")
    assert testapp.get(link.removeprefix("http://localhost")).content_type == "application/pdf"
