"""In production no log line of a send holds the code, a key or the whole phone number, and
``cpe plugins`` shows no key."""
from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from cpe_core import create_app
from cpe_core.testing import id_number

GD_LOGIN = id_number("440106", "19900315", 12)
GD_PHONE = "13800138000"


@pytest.fixture
def production(cpe_database_url, sms_settings, tmp_path, monkeypatch):
    monkeypatch.delenv("CPE_SMS_LOG_IN_PRODUCTION", raising=False)

    def build(**overrides):
        return create_app({"CPE_ENV": "production", "SECRET_KEY": "p" * 40, "CPE_PLUGINS": "chaoyang,guangdong,sms",
                           "CPE_DATABASE_URL": cpe_database_url, **sms_settings, **overrides},
                          instance_path=str(tmp_path))
    return build


def test_no_log_line_of_a_production_send_holds_the_code_a_key_or_the_phone(
        make_learner, production, fake_aliyun, aliyun_keys, tencent_keys, caplog):
    from cpe_core.regions import rules_for
    from cpe_core.services import password_reset
    from cpe_core.services.identity import InvalidInput

    make_learner("guangdong", login=GD_LOGIN, id_number=GD_LOGIN, phone=GD_PHONE)
    caplog.set_level(logging.DEBUG)  # every logger, the SDKs' and urllib3's included
    good, wrong_key = production(), production(CPE_ALIYUN_SMS_ACCESS_KEY_SECRET="wrong-" + aliyun_keys[1])
    with good.app_context():
        password_reset.send_reset_code(rules_for("guangdong"), GD_LOGIN, GD_PHONE)
        fake_aliyun.refuse_next.append(("isv.BUSINESS_LIMIT_CONTROL", "流控"))
        with pytest.raises(InvalidInput):
            password_reset.send_reset_code(rules_for("guangdong"), GD_LOGIN, GD_PHONE)
    with wrong_key.app_context(), pytest.raises(InvalidInput):
        password_reset.send_reset_code(rules_for("guangdong"), GD_LOGIN, GD_PHONE)
    code = fake_aliyun.sent[0]["TemplateParam"]["code"]
    assert fake_aliyun.refused == ["SignatureDoesNotMatch"]
    lines = [record.getMessage() + (caplog.text if record.exc_info else "") for record in caplog.records]
    assert any("SMS (password_reset) for guangdong" in line for line in lines)  # the failures were logged
    for secret in (code, aliyun_keys[1], tencent_keys[1], "p" * 40, GD_PHONE):
        assert not [line for line in lines if secret in line], secret


def test_the_log_gateway_allowed_in_production_writes_no_text(make_learner, production, caplog):
    from cpe_core.regions import rules_for
    from cpe_core.services import password_reset

    make_learner("guangdong", login=GD_LOGIN, id_number=GD_LOGIN, phone=GD_PHONE)
    app = production(CPE_SMS_REGIONS={}, CPE_SMS_LOG_IN_PRODUCTION=True)
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        password_reset.send_reset_code(rules_for("guangdong"), GD_LOGIN, GD_PHONE)
    assert "text is withheld" in caplog.text and "*******8000" in caplog.text
    assert "验证码" not in caplog.text and GD_PHONE not in caplog.text


def test_cpe_plugins_lists_the_gateway_plugin_and_no_key(production, aliyun_keys, tencent_keys, monkeypatch, tmp_path):
    from cpe_core.cli.commands import plugins_command

    app = production()
    monkeypatch.setenv("CPE_TENCENT_SMS_SECRET_KEY", tencent_keys[1])
    with app.app_context():
        done = CliRunner().invoke(plugins_command, ["--json"], obj=None)
    listed = {entry["name"]: entry for entry in json.loads(done.output)}
    assert listed["sms"]["hooks"] == ["cpe_sms_gateways"]
    assert aliyun_keys[1] not in done.output and tencent_keys[1] not in done.output
    with app.app_context():
        text = CliRunner().invoke(plugins_command, [], obj=None).output
    assert "  guangdong: aliyun (阿里云短信), signature 【广东会计继续教育】" in text
    assert "  chaoyang: tencent (腾讯云短信), signature 【朝阳会计在线】" in text
    assert aliyun_keys[1] not in text and tencent_keys[1] not in text
