"""Fixtures come from the ``cpe`` pytest plugin (:mod:`cpe_core.testing`)."""
from __future__ import annotations

import pytest

from hookspecs import hookimpl


class Recorder:
    """A throwaway region plugin for routing tests: serves ``testland`` and answers every
    pricing question with 1 fen, recording each call."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    def cpe_regions(self):
        from hookspecs import Branding, Contact, RegionInfo

        return [
            RegionInfo(
                code="testland",
                name="测试地区继续教育",
                authority="测试财政局",
                branding=Branding("#123456", "#654321", "<svg xmlns='http://www.w3.org/2000/svg'/>"),
                contact=Contact(phone="010-00000000"),
            )
        ]

    @hookimpl
    def cpe_quote(self, cart):
        from hookspecs import Quote, QuoteLine

        self.calls.append(f"quote:{cart.region}")
        return Quote(cart.mode, (QuoteLine("any", "测试", 1, 1),))

    @hookimpl
    def cpe_year_requirements(self, region, year):
        import datetime as dt

        from hookspecs import Requirements

        self.calls.append(f"requirements:{region}")
        return Requirements(region, year, dt.date(year, 1, 1), dt.date(year, 12, 31), total=1)


@pytest.fixture
def cpe_plugins() -> str:
    """The in-tree regions only, so an extra plugin installed in the venv changes no test."""
    return "chaoyang,guangdong,cicpa"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


class SmsOutbox:
    """A region-agnostic SMS gateway that keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        #: how many of the next texts to refuse (the gateway said no)
        self.refuse = 0

    @hookimpl
    def cpe_send_sms(self, region, phone, message):
        if self.refuse:
            self.refuse -= 1
            return False
        self.sent.append((region, phone, message))
        return True

    def last_code(self) -> str:
        import re

        return re.search(r"验证码(\d{6})", self.sent[-1][2]).group(1)


class SmsLoginOn:
    """A region-agnostic plugin offering sign-in by SMS code (手机验证码登录) in ``chaoyang``
    only: no in-tree region's seed asks for it yet. ``daily_limit`` is chaoyang's own limit."""

    daily_limit: int | None = None

    @hookimpl
    def cpe_sms_policy(self, region):
        from hookspecs import SmsPolicy

        return SmsPolicy(login=True, daily_limit=self.daily_limit) if region == "chaoyang" else None


@pytest.fixture
def sms_login_on() -> SmsLoginOn:
    """Register it with ``extra_plugins`` to let chaoyang's learners sign in with a code."""
    return SmsLoginOn()


@pytest.fixture
def outbox() -> SmsOutbox:
    """Register it with ``extra_plugins`` to read the codes a test's learners are sent."""
    return SmsOutbox()


@pytest.fixture
def wechat():
    """A fake WeChat Pay server on loopback with a merchant account of the test's own keys."""
    from cpe_wechatpay.fake import FakeWeChatPay, Merchant

    with FakeWeChatPay(Merchant()) as server:
        yield server


@pytest.fixture
def alipay():
    """A fake Alipay gateway on loopback with an app of the test's own keys."""
    from cpe_alipay.fake import App, FakeAlipay

    with FakeAlipay(App()) as server:
        yield server


@pytest.fixture
def fake_providers_config(cpe_test_config, wechat, alipay, tmp_path) -> dict:
    """The test config with both fakes' merchant settings and no sandbox: return it from a
    module's ``cpe_test_config`` to pay through WeChat Pay and Alipay only."""
    return {**cpe_test_config, **wechat.settings(tmp_path / "wechat"), **alipay.settings(tmp_path / "alipay"),
            "CPE_PAYMENT_SANDBOX": False}
