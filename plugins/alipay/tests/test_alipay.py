"""Alipay against a fake Alipay gateway on 127.0.0.1 (cpe_alipay.fake), with keys the test
generates: a learner pays a Chaoyang order through page pay and WAP pay; forged, replayed and
wrong-amount notifications change nothing; the return page asks when no notification came;
refunds and closes reach the gateway; concurrent notifications pay once."""
from __future__ import annotations

import logging
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from cpe_core.extensions import db
from cpe_core.models import Enrolment, Order, Payment
from cpe_core.testing import login
from cpe_alipay.fake import App, FakeAlipay, new_key

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.fixture
def fake():
    with FakeAlipay(App()) as server:
        yield server


@pytest.fixture
def cpe_test_config(cpe_test_config, fake, tmp_path):
    return {**cpe_test_config, **fake.settings(tmp_path / "alipay"), "CPE_PAYMENT_SANDBOX": False}


@pytest.fixture
def gateway(app):
    from webtest import TestApp

    return TestApp(app)


@pytest.fixture
def learner(make_learner):
    return make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)


def pay_with_alipay(testapp, learner, **headers):
    login(testapp, "chaoyang", learner.login)
    page = testapp.get("/chaoyang/orders/new?year=2024").forms["order-annual"].submit().follow()
    form = page.forms["pay"]
    assert [value for value, *_ in form["provider"].options] == ["alipay"]
    form["provider"] = "alipay"
    return form.submit(headers=headers)


def open_cashier(res) -> str:
    """The browser follows the redirect to Alipay's cashier: the trade opens there."""
    answer = requests.get(res.location, timeout=10)
    assert answer.status_code == 200 and "支付宝" in answer.text
    return parse_qs(urlsplit(res.location).query)


def the_ref() -> str:
    db.session.rollback()
    ref = db.session.scalar(select(Payment.provider_ref).order_by(Payment.id.desc()))
    db.session.rollback()
    return ref


def state(learner) -> str:
    user_id = learner if isinstance(learner, int) else learner.id
    db.session.rollback()
    status = db.session.scalar(select(Order.status).where(Order.user_id == user_id))
    db.session.rollback()
    return status


def paid_enrolments() -> int:
    db.session.rollback()
    value = db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.status == "paid"))
    db.session.rollback()
    return value


def number() -> str:
    value = db.session.scalar(select(Order.number))
    db.session.rollback()
    return value


def post(gateway, body, status=200):
    return gateway.post("/payments/notify/alipay", body, headers=FORM, status=status)


def test_a_desktop_learner_pays_on_the_page_pay_cashier_and_the_notification_pays_once(testapp, gateway, fake, learner):
    res = pay_with_alipay(testapp, learner)
    assert res.location.startswith(fake.gateway + "?")
    sent = open_cashier(res)
    assert sent["method"] == ["alipay.trade.page.pay"] and '"total_amount":"90.00"' in sent["biz_content"][0]
    assert '"time_expire":"2024-06-15 10:30:00"' in sent["biz_content"][0]  # Alipay closes it when the order expires
    ref = the_ref()
    assert fake.trades[ref].product == "PAGE" and fake.trades[ref].amount_fen == 9000
    fake.pay(ref)
    assert post(gateway, fake.notification(ref)).text == "success"
    assert state(learner) == "paid" and paid_enrolments() == 1


def test_a_phone_is_sent_to_wap_pay(testapp, fake, learner):
    res = pay_with_alipay(testapp, learner, **{"User-Agent": PHONE})
    assert open_cashier(res)["method"] == ["alipay.trade.wap.pay"]
    assert fake.trades[the_ref()].product == "WAP"


@pytest.mark.parametrize("forgery", [{"signing_key": "other"}, {"app_id": "2021000199999999"}], ids=["another key", "another app"])
def test_a_forged_notification_is_refused_and_changes_nothing(testapp, gateway, fake, learner, forgery, caplog):
    open_cashier(pay_with_alipay(testapp, learner))
    ref = the_ref()
    fake.pay(ref)
    forge = {"signing_key": new_key()} if "signing_key" in forgery else forgery
    with caplog.at_level(logging.WARNING, logger="cpe.payments"):
        assert post(gateway, fake.notification(ref, **forge), status=400).text == "fail"
    assert "rejected alipay notification" in caplog.text
    assert state(learner) == "pending"


def test_a_notification_with_another_amount_is_refused(testapp, gateway, fake, learner):
    open_cashier(pay_with_alipay(testapp, learner))
    ref = the_ref()
    fake.pay(ref)
    post(gateway, fake.notification(ref, amount_fen=100), status=400)
    assert state(learner) == "pending"


def test_a_replayed_notification_is_acknowledged_without_paying_twice(testapp, gateway, fake, learner):
    open_cashier(pay_with_alipay(testapp, learner))
    ref = the_ref()
    fake.pay(ref)
    body = fake.notification(ref)
    post(gateway, body)
    assert post(gateway, body).text == "success"
    assert state(learner) == "paid" and paid_enrolments() == 1


def test_the_notification_may_arrive_before_the_learner_returns(testapp, gateway, fake, learner):
    open_cashier(pay_with_alipay(testapp, learner))
    ref = the_ref()
    fake.pay(ref)
    post(gateway, fake.notification(ref))
    calls = len(fake.calls)
    assert "支付成功，课程已开通" in testapp.get(f"/chaoyang/orders/{number()}/return").follow().text
    assert len(fake.calls) == calls


def test_without_a_notification_the_return_page_confirms_by_query(testapp, fake, learner):
    res = pay_with_alipay(testapp, learner)
    ref = the_ref()
    # the learner never reached the cashier: Alipay knows no such trade yet
    assert "尚未收到支付结果" in testapp.get(f"/chaoyang/orders/{number()}/return").follow().text
    open_cashier(res)
    fake.pay(ref)
    assert "支付成功，课程已开通" in testapp.get(f"/chaoyang/orders/{number()}/return").follow().text
    assert fake.calls.count("alipay.trade.query") == 2
    assert state(learner) == "paid"


def test_staff_approve_a_refund_which_alipay_carries_out_once(app, testapp, gateway, fake, learner, make_staff):
    from cpe_core.services import refunds

    open_cashier(pay_with_alipay(testapp, learner))
    ref = the_ref()
    fake.pay(ref)
    post(gateway, fake.notification(ref))
    refund = refunds.request_refund(learner, number(), "不再需要")
    assert refunds.approve(make_staff("chaoyang", "admin"), "chaoyang", refund.id).status == "refunded"
    assert fake.trades[ref].refunds == {f"R{refund.id}": 9000}
    # Alipay's notification of the refund is acknowledged and changes nothing
    assert post(gateway, fake.notification(ref, refund_ref=f"R{refund.id}")).text == "success"
    assert state(learner) == "refunded"


def test_a_cancelled_order_is_closed_at_alipay_and_can_no_longer_be_paid(testapp, fake, learner):
    open_cashier(pay_with_alipay(testapp, learner))
    ref = the_ref()
    testapp.get(f"/chaoyang/orders/{number()}").forms["cancel"].submit()
    assert state(learner) == "cancelled"
    assert fake.trades[ref].state == "TRADE_CLOSED" and "alipay.trade.close" in fake.calls
    with pytest.raises(ValueError, match="TRADE_CLOSED"):
        fake.pay(ref)


@pytest.mark.postgres_only
def test_concurrent_notifications_pay_the_order_exactly_once(app, testapp, fake, learner):
    if not app.config["CPE_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("row locks under concurrent writers are what is tested: PostgreSQL only")
    from cpe_core.services import orders

    open_cashier(pay_with_alipay(testapp, learner))
    ref = the_ref()
    fake.pay(ref)
    bodies = [fake.notification(ref) for _ in range(8)]
    user_id = learner.id
    db.session.remove()
    barrier = threading.Barrier(8)
    outcomes, errors = [], []

    def deliver(body):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                outcomes.append(orders.handle_notification("alipay", FORM, body).reason)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and sorted(outcomes) == ["duplicate"] * 7 + ["paid"]
    assert state(user_id) == "paid" and paid_enrolments() == 1
