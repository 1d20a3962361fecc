"""In real headless Chromium: a Guangdong learner pays the ¥90 professional package through each
fake provider, with real server-to-server notifications to the live server: WeChat Pay's QR
code on a computer (the phone scans it), then on a phone WeChat Pay's H5 page and Alipay's WAP
cashier, each bringing the learner back to the paid order."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Order, Payment
from cpe_core.testing import PHONE

pytestmark = pytest.mark.browser
PHONE_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
               "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture
def cpe_plugins() -> str:
    return "guangdong,wechatpay,alipay"


@pytest.fixture
def cpe_test_config(fake_providers_config):
    return fake_providers_config


@pytest.fixture
def learner_login(make_learner) -> str:
    learner = make_learner("guangdong", collection_region="guangdong", collection_area="广州市",
                           qualification_level="初级", qualified_year=2020, employer="广州某公司",
                           collection_status="approved")
    login = learner.login
    db.session.remove()  # the live server writes; hold no read open
    return login


def order_professional(page, live_server: str, login: str) -> None:
    from playwright.sync_api import expect

    page.goto("/guangdong/login")
    page.get_by_label("密码").fill("Passw0rd!")
    page.locator("input[name=login]").fill(login)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server}/guangdong/")
    page.goto("/guangdong/orders/new?year=2024")
    page.locator("#order-professional button").click()
    expect(page.locator("#order-status")).to_have_text("待支付")


def the_ref() -> str:
    ref = db.session.scalar(select(Payment.provider_ref).order_by(Payment.id.desc()))
    db.session.remove()
    return ref


def order_status() -> str:
    status = db.session.scalar(select(Order.status))
    db.session.remove()
    return status


def test_on_a_computer_the_learner_scans_wechat_pays_qr_code_and_returns_to_the_paid_order(
        page, live_server, learner_login, wechat, artifact_dir):
    from playwright.sync_api import expect

    order_professional(page, live_server, learner_login)
    page.get_by_label("微信支付").check()
    page.locator("#pay-button").click()
    expect(page.locator("h1")).to_contain_text("扫码支付")
    expect(page.locator("#qr-code")).to_be_visible()
    page.screenshot(path=str(artifact_dir / "guangdong-wechatpay-qr.png"), full_page=True)

    ref = the_ref()
    if shutil.which("zbarimg"):  # the image a phone would scan carries WeChat Pay's code_url
        page.locator("#qr-code").screenshot(path=str(artifact_dir / "guangdong-wechatpay-qr-code.png"))
        scanned = subprocess.run(["zbarimg", "-q", "--raw", str(artifact_dir / "guangdong-wechatpay-qr-code.png")],
                                 capture_output=True, text=True, check=True).stdout.strip()
        assert scanned == f"weixin://wxpay/bizpayurl?pr={ref}"
    wechat.pay(ref)  # the learner's phone scanned and paid
    assert wechat.notify(ref).status_code == 200  # WeChat Pay's server calls the live server back
    page.get_by_role("link", name="我已完成支付").click()
    expect(page.locator("#order-status")).to_have_text("已支付")
    assert order_status() == "paid"


@pytest.mark.parametrize("provider, name, product", [("wechatpay", "微信支付", "H5"), ("alipay", "支付宝", "WAP")])
def test_on_a_phone_the_learner_pays_on_the_providers_page_and_comes_back_paid(
        browser, live_server, learner_login, wechat, alipay, artifact_dir, provider, name, product):
    from playwright.sync_api import expect

    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True,
                                  user_agent=PHONE_AGENT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        order_professional(page, live_server, learner_login)
        page.get_by_label(name).check()
        page.locator("#pay-button").click()
        fake = wechat if provider == "wechatpay" else alipay
        expect(page).to_have_url(re.compile("^" + re.escape(fake.url)))
        expect(page.locator("h1")).to_contain_text("¥90.00")
        assert (fake.trades[the_ref()].kind if provider == "wechatpay" else fake.trades[the_ref()].product) == product
        page.screenshot(path=str(artifact_dir / f"guangdong-{provider}-phone.png"), full_page=True)
        page.locator("#confirm").click()  # pays; the provider notifies the live server, then sends the phone back
        expect(page.locator("#order-status")).to_have_text("已支付")
        assert order_status() == "paid"
    finally:
        context.close()
