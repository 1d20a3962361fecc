"""A hook about region X reaches only X's plugin and the region-agnostic ones."""
from __future__ import annotations

import pytest

from cpe_core.regions import RuleError, rules_for
from hookspecs import Cart, LearnerFacts, SmsMessage, hookimpl


@pytest.fixture
def extra_plugins(recorder):
    return [("testland", recorder)]


def cart(region: str, mode: str) -> Cart:
    return Cart(region=region, year=2024, mode=mode, learner=LearnerFacts(learner_id=1, region=region))


def test_chaoyang_price_never_answers_for_guangdong(app):
    # "annual" is Chaoyang's mode; asked in Guangdong it must be unknown, not priced at ¥90.
    assert rules_for("chaoyang").quote(cart("chaoyang", "annual")).total_fen == 9000
    with pytest.raises(RuleError) as error:
        rules_for("guangdong").quote(cart("guangdong", "annual"))
    assert error.value.code == "unknown_purchase_mode"


def test_a_region_plugin_is_never_asked_about_another_region(app, recorder):
    rules_for("chaoyang").quote(cart("chaoyang", "annual"))
    rules_for("chaoyang").requirements(2024)
    rules_for("cicpa").requirements(2024)
    assert recorder.calls == []
    rules_for("testland").quote(cart("testland", "any"))
    assert recorder.calls == ["quote:testland"]


def test_regions_without_an_answer_fall_back_to_named_defaults(app):
    # CICPA sells nothing and holds no exam: the core turns None into "free" and "no exam".
    cicpa = rules_for("cicpa")
    assert cicpa.purchase_modes(LearnerFacts(learner_id=1, region="cicpa"), 2024) == []
    assert cicpa.exam_policy(2024) is None
    with pytest.raises(RuleError) as error:
        rules_for("testland").offset_type(2024, "paper")
    assert error.value.code == "unknown_offset_type"


class SmsGateway:
    """A region-agnostic plugin: no cpe_regions, so it serves every region."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    @hookimpl
    def cpe_send_sms(self, region, phone, message):
        self.sent.append((region, phone))
        return True


@pytest.mark.parametrize("region", ["chaoyang", "guangdong", "cicpa"])
def test_region_agnostic_plugins_serve_every_region(cpe_test_config, region):
    from cpe_core import create_app

    gateway = SmsGateway()
    app = create_app(cpe_test_config, plugins=[("gateway", gateway)])
    with app.app_context():
        assert rules_for(region).send_sms("13800000000", SmsMessage("login", {"code": "123456"}, "验证码 123456"))
    assert gateway.sent == [(region, "13800000000")]


def test_the_builtin_log_gateway_logs_the_text_outside_production(app, caplog):
    caplog.set_level("INFO", logger="cpe.sms")
    assert rules_for("chaoyang").send_sms("13800000000", SmsMessage("login", {"code": "654321"}, "验证码 654321"))
    assert "13800000000" in caplog.text and "654321" in caplog.text


class Silent:
    """Implements cpe_regions but declares no region: it must never be asked about any."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def cpe_regions(self):
        return []

    @hookimpl
    def cpe_year_requirements(self, region, year):
        self.calls += 1
        return None


def test_region_plugin_that_declares_no_region_is_never_called(cpe_test_config):
    from cpe_core import create_app

    silent = Silent()
    app = create_app(cpe_test_config, plugins=[("silent", silent)])
    with app.app_context():
        assert rules_for("chaoyang").requirements(2024).total == 90
    assert silent.calls == 0
