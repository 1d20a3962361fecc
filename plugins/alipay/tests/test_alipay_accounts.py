"""Alipay apps and their keys: a region's own app takes its payments; an app without its keys
is not offered and names what it lacks; an unreachable gateway leaves the order payable with a
plain message; no key reaches a log or a page."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from cpe_alipay import accounts, hooks
from cpe_alipay.fake import App, FakeAlipay
from cpe_core.extensions import db
from cpe_core.models import Payment
from cpe_core.regions import rules_for
from cpe_core.testing import login


@pytest.fixture
def fake():
    with FakeAlipay(App()) as server:
        yield server


@pytest.fixture
def cpe_test_config(cpe_test_config, fake, tmp_path):
    settings = fake.settings(tmp_path / "alipay")
    gone = fake.settings(tmp_path / "guangdong", prefix="CPE_ALIPAY_GUANGDONG_")
    gone["CPE_ALIPAY_GUANGDONG_GATEWAY"] = "http://127.0.0.1:9/gateway.do"  # nothing listens there
    return {**cpe_test_config, **settings, **gone, "CPE_PAYMENT_SANDBOX": False}


def test_each_region_pays_into_its_app_and_an_unreachable_gateway_leaves_the_order_payable(
        app, testapp, make_learner, fake, tmp_path, caplog):
    assert [p.code for p in rules_for("guangdong").payment_providers()] == ["alipay_guangdong"]
    assert [p.code for p in rules_for("chaoyang").payment_providers()] == ["alipay"]
    learner = make_learner("guangdong", collection_region="guangdong", collection_area="广州市", qualification_level="初级",
                           qualified_year=2020, employer="广州某公司", collection_status="approved")
    login(testapp, "guangdong", learner.login)
    page = testapp.get("/guangdong/orders/new?year=2024").forms["order-professional"].submit().follow()
    number = page.request.path.rsplit("/", 1)[1]
    res = page.forms["pay"].submit()  # a redirect to the cashier: nothing asked of the gateway yet
    with caplog.at_level(logging.DEBUG):
        returned = testapp.get(f"/guangdong/orders/{number}/return").follow()  # asks the unreachable gateway
    assert res.location.startswith("http://127.0.0.1:9/gateway.do?")
    assert "尚未收到支付结果" in returned.text and "待支付" in returned.text
    assert "Alipay query failed: URLError" in caplog.text
    key = (tmp_path / "guangdong" / "app_private_key.pem").read_text().splitlines()[1]
    provider = app.extensions["cpe"].payment_providers()["alipay_guangdong"]
    for text in (caplog.text, returned.text, repr(provider), repr(provider.account)):
        assert key not in text
    db.session.rollback()
    assert db.session.scalar(select(Payment.status)) == "pending"
    db.session.rollback()


def test_an_app_without_its_keys_is_not_offered_and_names_what_it_lacks(tmp_path):
    settings = {"CPE_ALIPAY_APP_ID": "2021000100000009", "CPE_ALIPAY_PRIVATE_KEY_FILE": str(tmp_path / "absent.pem")}
    assert hooks.cpe_payment_providers(settings) == []
    assert accounts.missing(settings) == [
        "alipay: CPE_ALIPAY_PRIVATE_KEY（或 CPE_ALIPAY_PRIVATE_KEY_FILE）",  # the file cannot be read
        "alipay: CPE_ALIPAY_PUBLIC_KEY（或 CPE_ALIPAY_PUBLIC_KEY_FILE）",
    ]
    assert hooks.cpe_payment_missing_settings({}) == []  # not configured at all: simply not offered
