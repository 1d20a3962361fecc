"""Reconciliation (对账) against the bills of the fake WeChat Pay and Alipay servers: a planted
payment the bill lacks, one the bill has and we do not, and a differing amount are each
reported by ``cpe reconcile``, stored, shown to the region's admin; a day that agrees is
``ok``; the daily beat job reconciles yesterday."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.jobs import enqueue
from cpe_core.models import Payment, ReconciliationRun
from cpe_core.testing import DEFAULT_NOW, login

DAY = DEFAULT_NOW.date()  # the test clock's day (Asia/Shanghai): payments settle on it


@pytest.fixture
def cpe_plugins() -> str:
    return "chaoyang,wechatpay,alipay"


@pytest.fixture
def cpe_test_config(fake_providers_config):
    return fake_providers_config


@pytest.fixture
def gateway(app):
    from webtest import TestApp

    return TestApp(app)


def buy(testapp, gateway, make_learner, provider: str, fake, n: int) -> str:
    """A Chaoyang learner pays ¥90 through ``provider``; its merchant ref."""
    learner = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)
    login(testapp, "chaoyang", learner.login)
    page = testapp.get("/chaoyang/orders/new?year=2024").forms["order-annual"].submit().follow()
    form = page.forms["pay"]
    form["provider"] = provider
    res = form.submit()
    ref = db.session.scalar(select(Payment.provider_ref).order_by(Payment.id.desc()))
    db.session.rollback()
    if provider == "alipay":
        import requests

        requests.get(res.location, timeout=10)  # the browser opens the cashier
        fake.pay(ref, on=DAY)
        gateway.post("/payments/notify/alipay", fake.notification(ref),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        fake.pay(ref, on=DAY)
        body, headers = fake.notification(ref)
        gateway.post("/payments/notify/wechatpay", body, headers={**headers, "Content-Type": "application/json"})
    testapp.reset()  # the next learner signs in afresh
    return ref


def test_planted_mismatches_are_reported_stored_and_shown_to_the_regions_admin(
        app, testapp, gateway, make_learner, make_staff, wechat, alipay):
    kept = buy(testapp, gateway, make_learner, "wechatpay", wechat, 1)
    lost = buy(testapp, gateway, make_learner, "wechatpay", wechat, 2)
    wrong = buy(testapp, gateway, make_learner, "alipay", alipay, 3)
    wechat.left_out_of_bill.add(lost)  # we settled it; the bill does not have it
    wechat.extra_bill_lines[DAY] = [wechat.bill_line("20240615UNKNOWN1", 500)]  # the bill has it; we do not
    alipay.trades[wrong].amount_fen = 8000  # the bill says ¥80.00

    result = app.test_cli_runner().invoke(args=["reconcile", "--date", DAY.isoformat()])
    assert result.exit_code == 1, result.output
    assert f"{DAY} wechatpay: differences, 2 bill line(s)" in result.output
    assert f"payment {lost}: missing_there (ours 9000 fen succeeded, theirs None fen -) [chaoyang]" in result.output
    assert "payment 20240615UNKNOWN1: missing_here (ours None fen -, theirs 500 fen paid)" in result.output
    assert f"payment {wrong}: amount (ours 9000 fen succeeded, theirs 8000 fen paid) [chaoyang]" in result.output
    assert kept not in result.output
    runs = {run.provider: run.status for run in db.session.scalars(select(ReconciliationRun))}
    assert runs == {"alipay": "differences", "wechatpay": "differences"}
    db.session.rollback()

    admin = make_staff("chaoyang", "admin")
    login(testapp, "chaoyang", admin.login)
    page = testapp.get("/chaoyang/admin/reconciliation")
    rows = page.html.select("#reconciliation .difference")
    texts = [row.text for row in rows]
    assert f"{lost}：本系统有、支付平台无（本系统 ¥90.00，支付平台 —）" in texts
    assert f"{wrong}：金额不符（本系统 ¥90.00，支付平台 ¥80.00）" in texts
    assert "20240615UNKNOWN1：支付平台有、本系统无（本系统 —，支付平台 ¥5.00）" in texts
    assert "支付对账" in page.text


def test_a_day_whose_bills_agree_is_ok_with_refunds_counted(app, testapp, gateway, make_learner, make_staff, wechat, alipay):
    from cpe_core.services import refunds
    from cpe_core.models import Order, User

    ref = buy(testapp, gateway, make_learner, "wechatpay", wechat, 1)
    buy(testapp, gateway, make_learner, "alipay", alipay, 2)
    order = db.session.scalar(select(Order).join(Payment).where(Payment.provider_ref == ref))
    learner = db.session.get(User, order.user_id)
    refund = refunds.request_refund(learner, order.number, "不再需要")
    refunds.approve(make_staff("chaoyang", "admin"), "chaoyang", refund.id)
    assert wechat.trades[ref].refunds  # refunded at WeChat Pay, and on its bill the same day

    result = app.test_cli_runner().invoke(args=["reconcile", "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"{DAY} wechatpay: ok, 2 bill line(s)" in result.output and f"{DAY} alipay: ok, 1 bill line(s)" in result.output


def test_the_daily_job_reconciles_yesterday_once(app, testapp, gateway, make_learner, wechat, alipay, clock):
    buy(testapp, gateway, make_learner, "wechatpay", wechat, 1)
    clock.advance(days=1)
    enqueue("cpe.periodic.reconcile")  # inline: no broker
    runs = list(db.session.scalars(select(ReconciliationRun).order_by(ReconciliationRun.provider)))
    assert [(r.day, r.provider, r.status) for r in runs] == [(DAY, "alipay", "ok"), (DAY, "wechatpay", "ok")]
    finished = [r.finished_at for r in runs]
    db.session.rollback()
    enqueue("cpe.periodic.reconcile")  # already done: not fetched again
    assert [r.finished_at for r in db.session.scalars(select(ReconciliationRun).order_by(ReconciliationRun.provider))] == finished
    assert sum(1 for call in wechat.calls if call[1] == "/v3/bill/tradebill") == 1
