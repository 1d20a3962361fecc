"""A second payment of an order already paid (two phones, two gateways) is refunded
automatically through its provider: exactly one payment kept, once, audited, shown."""
from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Enrolment, Payment, Refund
from cpe_core.payments.sandbox import SandboxProvider
from cpe_core.testing import login
from hookspecs import PaymentProviderError, hookimpl
from test_orders import count, gateway, place_order, the_order  # noqa: F401


class SecondSandbox(SandboxProvider):
    """A second sandbox gateway, standing in for Alipay beside WeChat Pay."""

    code = "sandbox_b"
    name = "模拟支付宝（沙箱）"


class SecondSandboxPlugin:
    @hookimpl
    def cpe_payment_providers(self, settings):
        return [SecondSandbox(str(settings["SECRET_KEY"]))]


@pytest.fixture
def extra_plugins():
    return [("second-sandbox", SecondSandboxPlugin())]


@pytest.fixture
def learner(make_learner):
    return make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)


def provider(app, code):
    return app.extensions["cpe"].payment_providers()[code]


@pytest.fixture
def two_payments(app, testapp, learner):
    """One Chaoyang order paid on two phones: first through ``sandbox`` (phone A), then, the
    learner having switched to ``sandbox_b`` on phone B, through that one too. Returns the two
    merchant refs (A, B); no notification was delivered yet."""
    login(testapp, "chaoyang", learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    order_page = res.follow()
    refs = []
    for code in ("sandbox", "sandbox_b"):
        form = order_page.forms["pay"]
        form["provider"] = code
        location = form.submit().location
        refs.append(location.rsplit("/", 1)[1])
    assert [p.status for p in db.session.scalars(select(Payment).order_by(Payment.id))] == ["failed", "pending"]
    db.session.rollback()
    provider(app, "sandbox").pay(refs[0])
    provider(app, "sandbox_b").pay(refs[1])
    return refs


def notify(app, gateway, code, ref):
    body, headers = provider(app, code).notification(ref)
    return gateway.post(f"/payments/notify/{code}", body, headers=headers).text


def statuses() -> dict[str, str]:
    db.session.rollback()
    found = {p.provider: p.status for p in db.session.scalars(select(Payment))}
    db.session.rollback()
    return found


def test_the_second_payment_is_refunded_through_its_provider_and_shown_to_the_learner(app, testapp, gateway, learner, two_payments, caplog):
    a, b = two_payments
    assert notify(app, gateway, "sandbox", a) == "success"
    with caplog.at_level(logging.ERROR, logger="cpe.payments"):
        assert notify(app, gateway, "sandbox_b", b) == "success"
    assert "does not pay it" in caplog.text
    assert the_order(learner).status == "paid"
    assert statuses() == {"sandbox": "succeeded", "sandbox_b": "refunded"}
    assert provider(app, "sandbox").payments[a].refunded_fen == 0
    assert provider(app, "sandbox_b").payments[b].refunded_fen == 9000
    refund = db.session.scalar(select(Refund))
    assert (refund.kind, refund.status, refund.amount_fen) == ("duplicate", "refunded", 9000)
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action.like("payment.%"))) == "payment.duplicate_refund"
    db.session.rollback()
    assert count(Enrolment, Enrolment.status == "paid") == 1

    overview = testapp.get("/chaoyang/orders/")
    assert "重复支付退款：¥90.00 已退款" in overview.text
    assert "模拟支付宝（沙箱）：已退款" in overview.text and "模拟支付（沙箱）：支付成功" in overview.text
    number = the_order(learner).number
    assert "重复支付退款：¥90.00 已退款" in testapp.get(f"/chaoyang/orders/{number}").text
    refunds = testapp.get("/api/v1/orders").json["orders"][0]["refunds"]
    assert refunds == [{"kind": "duplicate", "amount_fen": 9000, "status": "refunded"}]

    # the same notifications again, and the return page, change nothing more
    assert notify(app, gateway, "sandbox_b", b) == "success"
    assert notify(app, gateway, "sandbox", a) == "success"
    testapp.get(f"/chaoyang/orders/{number}/return")
    assert provider(app, "sandbox_b").payments[b].refunds == [f"D{db.session.scalar(select(Refund.payment_id))}"]
    assert count(Refund) == 1 and statuses() == {"sandbox": "succeeded", "sandbox_b": "refunded"}

    # the learner may still ask for the kept payment back: staff refund the right one
    form = testapp.get(f"/chaoyang/orders/{number}").forms["refund"]
    form["reason"] = "不再需要"
    assert "退款申请已提交" in form.submit().follow().text


def test_whichever_notification_arrives_first_is_kept(app, gateway, learner, two_payments):
    a, b = two_payments
    notify(app, gateway, "sandbox_b", b)
    notify(app, gateway, "sandbox", a)
    assert statuses() == {"sandbox": "refunded", "sandbox_b": "succeeded"}
    assert provider(app, "sandbox").payments[a].refunded_fen == 9000
    assert provider(app, "sandbox_b").payments[b].refunded_fen == 0


def test_a_failing_refund_is_logged_audited_and_retried_until_it_succeeds(app, gateway, learner, two_payments, monkeypatch):
    a, b = two_payments
    second = provider(app, "sandbox_b")
    real_refund = second.refund

    def refuse(*_args):
        raise PaymentProviderError("网络超时。")

    monkeypatch.setattr(second, "refund", refuse)
    notify(app, gateway, "sandbox", a)
    notify(app, gateway, "sandbox_b", b)
    assert statuses() == {"sandbox": "succeeded", "sandbox_b": "succeeded"}
    assert db.session.scalar(select(Refund.status)) == "failed"
    assert db.session.scalar(select(AuditEntry.action)) == "payment.duplicate_refund_failed"
    db.session.rollback()

    monkeypatch.setattr(second, "refund", real_refund)
    result = app.test_cli_runner().invoke(args=["orders", "refund-duplicates"])
    assert "refunded 1 duplicate payment(s)" in result.output
    assert statuses() == {"sandbox": "succeeded", "sandbox_b": "refunded"}
    assert second.payments[b].refunded_fen == 9000
    again = app.test_cli_runner().invoke(args=["orders", "refund-duplicates"])
    assert "refunded 0 duplicate payment(s)" in again.output and second.payments[b].refunded_fen == 9000


@pytest.mark.postgres_only
def test_concurrent_notifications_of_two_payments_keep_one_and_refund_the_other(app, learner, two_payments):
    if not app.config["CPE_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("row locks under concurrent writers are what is tested: PostgreSQL only (SQLite serialises writers)")
    from cpe_core.services import orders

    a, b = two_payments
    notes = [("sandbox", a), ("sandbox_b", b)]
    bodies = {code: provider(app, code).notification(ref) for code, ref in notes}
    user_id = learner.id
    db.session.remove()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def run(code):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                body, headers = bodies[code]
                outcomes.append(orders.handle_notification(code, headers, body).reason)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(notes[i % 2][0],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(outcomes) == 8 and outcomes.count("paid") == 1
    assert the_order(user_id).status == "paid"
    kept = sorted(statuses().values())
    assert kept == ["refunded", "succeeded"]
    refunded = [provider(app, code).payments[ref].refunded_fen for code, ref in notes]
    assert sorted(refunded) == [0, 9000]
    assert count(Refund) == 1 and count(Enrolment, Enrolment.status == "paid") == 1
