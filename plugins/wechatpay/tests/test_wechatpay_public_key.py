"""A merchant that verifies with WeChat Pay's public key (微信支付公钥, what new merchants get)
instead of platform certificates: answers and notifications carry the key's id and verify."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import Order, Payment
from cpe_core.testing import login
from cpe_wechatpay.fake import FakeWeChatPay, Merchant


@pytest.fixture
def fake():
    with FakeWeChatPay(Merchant()) as server:
        yield server


@pytest.fixture
def cpe_test_config(cpe_test_config, fake, tmp_path):
    settings = fake.settings(tmp_path / "wechatpay", public_key=True)
    assert "CPE_WECHATPAY_PLATFORM_CERT_DIR" not in settings
    return {**cpe_test_config, **settings, "CPE_PAYMENT_SANDBOX": False}


def test_a_public_key_merchant_is_paid_without_any_platform_certificate(testapp, fake, make_learner):
    learner = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)
    login(testapp, "chaoyang", learner.login)
    page = testapp.get("/chaoyang/orders/new?year=2024").forms["order-annual"].submit().follow()
    assert page.forms["pay"].submit().html.select_one("#qr-code")  # the answer, signed by the key, verified
    ref = db.session.scalar(select(Payment.provider_ref))
    db.session.rollback()
    fake.pay(ref)
    body, headers = fake.notification(ref)
    assert headers["Wechatpay-Serial"] == fake.public_key_id
    res = testapp.post("/payments/notify/wechatpay", body, headers={**headers, "Content-Type": "application/json"})
    assert json.loads(res.text)["code"] == "SUCCESS"
    assert db.session.scalar(select(Order.status)) == "paid"
    db.session.rollback()
    assert ("GET", "/v3/certificates") not in fake.calls
