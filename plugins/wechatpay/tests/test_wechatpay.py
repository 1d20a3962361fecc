"""WeChat Pay against a fake WeChat Pay server on 127.0.0.1 (cpe_wechatpay.fake), with keys the
test generates: a learner pays a Chaoyang order by QR code, on a phone and in the mini-program;
forged, replayed, stale and wrong-amount notifications change nothing; the return page asks
when no notification came; refunds and closes reach the server; keys stay secret."""
from __future__ import annotations

import base64
import json
import logging
import threading
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import func, select

from cpe_core.extensions import db
from cpe_core.models import Enrolment, Order, Payment
from cpe_core.testing import login
from cpe_wechatpay.fake import FakeWeChatPay, Merchant, new_key

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


@pytest.fixture
def merchant():
    return Merchant()


@pytest.fixture
def fake(merchant):
    with FakeWeChatPay(merchant) as server:
        yield server


@pytest.fixture
def cpe_test_config(cpe_test_config, fake, tmp_path):
    return {**cpe_test_config, **fake.settings(tmp_path / "wechatpay"), "CPE_PAYMENT_SANDBOX": False}


@pytest.fixture
def gateway(app):
    """WeChat Pay's servers calling back: a client without the learner's cookies."""
    from webtest import TestApp

    return TestApp(app)


@pytest.fixture
def learner(make_learner):
    return make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)


def order_page(testapp, learner):
    login(testapp, "chaoyang", learner.login)
    res = testapp.get("/chaoyang/orders/new?year=2024")
    return res.forms["order-annual"].submit().follow()


def pay_with_wechat(testapp, learner, **headers):
    form = order_page(testapp, learner).forms["pay"]
    assert [value for value, *_ in form["provider"].options] == ["wechatpay"]  # the sandbox is off
    form["provider"] = "wechatpay"
    return form.submit(headers=headers)


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


def post(gateway, body, headers, status=200):
    return gateway.post("/payments/notify/wechatpay", body, headers={**headers, "Content-Type": "application/json"},
                        status=status)


def test_a_desktop_learner_scans_the_native_qr_code_and_the_signed_notification_pays_once(testapp, gateway, fake, learner):
    page = pay_with_wechat(testapp, learner)
    ref = the_ref()
    assert page.html.select_one("#qr-code")["src"].startswith("data:image/svg+xml")
    assert page.html.select_one("#qr-payload").text == f"weixin://wxpay/bizpayurl?pr={ref}"
    assert fake.trades[ref].kind == "NATIVE" and fake.trades[ref].amount_fen == 9000
    # WeChat Pay closes it by itself when the order expires (CPE_ORDER_TTL_MINUTES after the test clock's 10:00)
    assert fake.trades[ref].time_expire == "2024-06-15T10:30:00+08:00"
    assert state(learner) == "pending"

    fake.pay(ref)
    body, headers = fake.notification(ref)
    assert json.loads(post(gateway, body, headers).text) == {"code": "SUCCESS", "message": "成功"}
    assert state(learner) == "paid" and paid_enrolments() == 1


def test_a_phone_is_sent_to_the_h5_page_which_brings_it_back_to_the_return_page(testapp, fake, learner):
    res = pay_with_wechat(testapp, learner, **{"User-Agent": PHONE})
    ref = the_ref()
    assert res.location.startswith(f"{fake.url}/h5/{ref}?")
    assert "redirect_url=http%3A%2F%2Flocalhost%2Fchaoyang%2Forders%2F" in res.location
    assert fake.trades[ref].kind == "H5"
    assert fake.trades[ref].scene_info == {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}}


@pytest.mark.parametrize("forgery", ["another key", "stale timestamp", "another apiv3 key"])
def test_a_forged_or_stale_notification_is_refused_and_changes_nothing(testapp, gateway, fake, learner, forgery, caplog):
    pay_with_wechat(testapp, learner)
    ref = the_ref()
    fake.pay(ref)
    forge = {"another key": {"signing_key": new_key()}, "stale timestamp": {"timestamp": int(time.time()) - 3600},
             "another apiv3 key": {"apiv3_key": "0" * 32}}[forgery]
    body, headers = fake.notification(ref, **forge)
    with caplog.at_level(logging.WARNING, logger="cpe.payments"):
        assert post(gateway, body, headers, status=400).text == "fail"
    assert "rejected wechatpay notification" in caplog.text
    assert state(learner) == "pending"


def test_a_rotated_platform_certificate_is_fetched_from_the_configured_server_and_kept(
        testapp, gateway, fake, learner, tmp_path):
    pay_with_wechat(testapp, learner)
    ref = the_ref()
    fake.pay(ref)
    serial = fake.rotate_platform_certificate()
    body, headers = fake.notification(ref)  # signed with the certificate the merchant does not know yet
    assert json.loads(post(gateway, body, headers).text)["code"] == "SUCCESS"
    assert ("GET", "/v3/certificates") in fake.calls  # asked the configured base URL, not WeChat Pay's
    assert (tmp_path / "wechatpay" / "platform" / f"{serial}.pem").read_text() == fake.platform_cert_pem
    assert state(learner) == "paid"


def test_a_notification_with_another_amount_is_refused(testapp, gateway, fake, learner):
    pay_with_wechat(testapp, learner)
    ref = the_ref()
    fake.pay(ref)
    body, headers = fake.notification(ref, amount_fen=1)
    post(gateway, body, headers, status=400)
    assert state(learner) == "pending"


def test_a_replayed_notification_is_acknowledged_without_paying_twice(testapp, gateway, fake, learner):
    pay_with_wechat(testapp, learner)
    ref = the_ref()
    fake.pay(ref)
    body, headers = fake.notification(ref)
    post(gateway, body, headers)
    assert json.loads(post(gateway, body, headers).text)["code"] == "SUCCESS"
    assert state(learner) == "paid" and paid_enrolments() == 1


def test_the_notification_may_arrive_before_the_learner_returns(testapp, gateway, fake, learner):
    pay_with_wechat(testapp, learner)
    ref = the_ref()
    fake.pay(ref)
    post(gateway, *fake.notification(ref))
    calls = len(fake.calls)
    number = db.session.scalar(select(Order.number))
    db.session.rollback()
    assert "支付成功，课程已开通" in testapp.get(f"/chaoyang/orders/{number}/return").follow().text
    assert len(fake.calls) == calls  # already paid: WeChat Pay is not asked again


def test_without_a_notification_the_return_page_confirms_by_query(testapp, fake, learner):
    pay_with_wechat(testapp, learner)
    ref = the_ref()
    number = db.session.scalar(select(Order.number))
    db.session.rollback()
    assert "尚未收到支付结果" in testapp.get(f"/chaoyang/orders/{number}/return").follow().text
    fake.pay(ref)  # paid, but the notification is lost
    assert "支付成功，课程已开通" in testapp.get(f"/chaoyang/orders/{number}/return").follow().text
    assert ("GET", f"/v3/pay/transactions/out-trade-no/{ref}") in fake.calls
    assert state(learner) == "paid"


def test_staff_approve_a_refund_which_wechat_pay_carries_out_once(app, testapp, gateway, fake, learner, make_staff):
    from cpe_core.services import refunds

    pay_with_wechat(testapp, learner)
    ref = the_ref()
    fake.pay(ref)
    post(gateway, *fake.notification(ref))
    number = db.session.scalar(select(Order.number))
    refund = refunds.request_refund(learner, number, "不再需要")
    done = refunds.approve(make_staff("chaoyang", "admin"), "chaoyang", refund.id)
    assert done.status == "refunded"
    assert fake.trades[ref].refunds == {f"R{refund.id}": 9000} and fake.trades[ref].state == "REFUND"
    # WeChat Pay's refund notification is acknowledged and changes nothing
    assert json.loads(post(gateway, *fake.notification(ref, event="REFUND.SUCCESS")).text)["code"] == "SUCCESS"
    assert state(learner) == "refunded"


def test_a_cancelled_order_is_closed_at_wechat_pay_and_can_no_longer_be_paid(testapp, fake, learner):
    pay_with_wechat(testapp, learner)
    ref = the_ref()
    number = db.session.scalar(select(Order.number))
    db.session.rollback()
    form = testapp.get(f"/chaoyang/orders/{number}").forms["cancel"]
    form.submit()
    assert state(learner) == "cancelled"
    assert fake.trades[ref].state == "CLOSED"
    with pytest.raises(ValueError, match="ORDER_CLOSED"):
        fake.pay(ref)


def test_the_mini_program_gets_signed_jsapi_arguments(testapp, fake, merchant, learner):
    login(testapp, "chaoyang", learner.login)  # the API also takes the site's session
    order = testapp.post_json("/api/v1/orders", {"year": 2024, "mode": "annual"}, status=201).json
    answer = testapp.post_json(f"/api/v1/orders/{order['number']}/payments",
                               {"provider": "wechatpay", "client": "mini_program", "openid": "oUpF8uMuAJO"},
                               status=201).json
    params = answer["params"]
    assert answer["kind"] == "jsapi" and params["package"].startswith("prepay_id=wx")
    message = f"{merchant.appid}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    merchant.key.public_key().verify(base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(),
                                     hashes.SHA256())


@pytest.mark.postgres_only
def test_concurrent_notifications_pay_the_order_exactly_once(app, testapp, fake, learner):
    if not app.config["CPE_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("row locks under concurrent writers are what is tested: PostgreSQL only")
    from cpe_core.services import orders

    pay_with_wechat(testapp, learner)
    ref = the_ref()
    fake.pay(ref)
    notes = [fake.notification(ref) for _ in range(8)]  # eight deliveries, each signed afresh
    user_id = learner.id
    db.session.remove()
    barrier = threading.Barrier(8)
    outcomes, errors = [], []

    def deliver(body, headers):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                outcomes.append(orders.handle_notification("wechatpay", headers, body).reason)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver, args=note) for note in notes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and sorted(outcomes) == ["duplicate"] * 7 + ["paid"]
    assert state(user_id) == "paid" and paid_enrolments() == 1
