"""Orders priced by the region's hook, paid through the sandbox provider, exactly once."""
from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cpe_core.extensions import db
from cpe_core.models import CreditRecord, Enrolment, Order, Payment, StudyPlanItem
from cpe_core.payments.sandbox import SIGNATURE_HEADER, sign
from cpe_core.testing import login
from hookspecs import PaymentProviderError, hookimpl


@pytest.fixture
def chaoyang_learner(make_learner):
    return make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)


@pytest.fixture
def guangdong_learner(make_learner):
    return make_learner(
        "guangdong", collection_region="guangdong", collection_area="广州市", qualification_level="初级",
        qualified_year=2020, employer="广州某公司", collection_status="approved",
    )


@pytest.fixture
def gateway(app):
    """The provider's servers: a client without the learner's cookies."""
    from webtest import TestApp

    return TestApp(app)


def sandbox(app):
    return app.extensions["cpe"].payment_providers()["sandbox"]


def place_order(testapp, region: str, mode: str):
    res = testapp.get(f"/{region}/orders/new?year=2024")
    return res, res.forms[f"order-{mode}"].submit()


def start_paying(testapp, order_page):
    form = order_page.forms["pay"]
    form["provider"] = "sandbox"
    return form.submit()


def buy_through_sandbox(app, testapp, gateway, learner, region: str, mode: str) -> Order:
    """Sign ``learner`` in, order ``mode`` and pay it through the sandbox's signed notification."""
    login(testapp, region, learner.login)
    _offers, res = place_order(testapp, region, mode)
    start_paying(testapp, res.follow())
    ref = db.session.scalar(select(Payment.provider_ref))
    db.session.rollback()
    sandbox(app).pay(ref)
    body, headers = sandbox(app).notification(ref)
    gateway.post("/payments/notify/sandbox", body, headers=headers)
    return the_order(learner)


def the_order(learner) -> Order:
    """The learner's order, read and detached: no read transaction stays open (on SQLite it
    would block the app's next write)."""
    user_id = learner if isinstance(learner, int) else learner.id
    db.session.rollback()
    order = db.session.scalar(select(Order).options(selectinload(Order.lines)).where(Order.user_id == user_id))
    db.session.expunge(order)
    db.session.rollback()
    return order


def count(model, *where) -> int:
    db.session.rollback()
    value = db.session.scalar(select(func.count()).select_from(model).where(*where))
    db.session.rollback()
    return value


def offset(learner, credits: int = 30):
    db.session.add(CreditRecord(user_id=learner.id, region="chaoyang", year=2024, kind="professional",
                                credits=credits, source="offset", source_id=1))
    db.session.commit()


def test_chaoyang_annual_purchase_shows_every_line_then_pays_through_the_sandbox(app, testapp, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    offers, res = place_order(testapp, "chaoyang", "annual")
    assert "¥90.00" in offers.text and "年度购买" in offers.text
    assert "学分购买仅适用于有部分学分抵免的学员" in offers.text  # the other mode, with its reason
    assert "order-credit" not in offers.forms
    order_page = res.follow()
    order = the_order(chaoyang_learner)
    assert (order.total_fen, order.status, order.mode) == (9000, "pending", "annual")
    assert [(l.quantity, l.unit_price_fen, l.amount_fen) for l in order.lines] == [(90, 100, 9000)]
    assert "待支付" in order_page.text and "¥90.00" in order_page.text

    gateway = start_paying(testapp, order_page)
    assert gateway.location.startswith("/sandbox-pay/")
    pay_page = gateway.follow()
    assert "¥90.00" in pay_page.text
    form = pay_page.forms["sandbox_pay"]
    form["notify"] = "0"  # the notification is lost: the return page must query the provider
    back = form.submit()
    assert "/chaoyang/orders/" in back.location and back.location.endswith("/return")
    shown = back.follow().follow()
    assert "支付成功，课程已开通" in shown.text and "已支付" in shown.text
    order = the_order(chaoyang_learner)
    assert order.status == "paid" and order.paid_at is not None
    assert db.session.scalar(select(Enrolment.status).where(Enrolment.user_id == chaoyang_learner.id)) == "paid"
    (payment,) = db.session.scalars(select(Payment)).all()
    assert (payment.status, payment.amount_fen, payment.open_key) == ("succeeded", 9000, None)
    db.session.rollback()
    overview = testapp.get("/chaoyang/orders/")
    assert "已支付" in overview.text and "模拟支付（沙箱）：支付成功" in overview.text


def test_chaoyang_credit_purchase_prices_the_plan_and_locks_the_courses(gateway, app, testapp, chaoyang_learner, make_course):
    offset(chaoyang_learner, 30)
    first = make_course("chaoyang", 2024, "professional", 20)
    second = make_course("chaoyang", 2024, "public", 12)
    for course in (first, second):
        db.session.add(StudyPlanItem(user_id=chaoyang_learner.id, course_id=course.id, year=2024))
    db.session.commit()
    login(testapp, "chaoyang", chaoyang_learner.login)
    offers, res = place_order(testapp, "chaoyang", "credit")
    assert "年度购买仅适用于没有学分抵免的学员" in offers.text
    assert "¥32.00" in offers.text and "不能删除或更换" in offers.text
    order = the_order(chaoyang_learner)
    assert order.total_fen == 3200 and order.locks_courses
    assert sorted(l.amount_fen for l in order.lines) == [1200, 2000]
    provider = sandbox(app)
    start_paying(testapp, res.follow())
    ref = db.session.scalar(select(Payment.provider_ref))
    db.session.rollback()
    provider.pay(ref)
    body, headers = provider.notification(ref)
    assert gateway.post("/payments/notify/sandbox", body, headers=headers).text == "success"
    db.session.expire_all()
    assert all(db.session.scalars(select(StudyPlanItem.locked)))


def test_annual_purchase_is_refused_to_a_learner_with_offsets_even_if_posted(app, testapp, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    offers = testapp.get("/chaoyang/orders/new?year=2024")
    form = offers.forms["order-annual"]
    offset(chaoyang_learner)  # approved while the page was open
    res = form.submit().follow()
    assert "年度购买仅适用于没有学分抵免的学员" in res.text
    assert count(Order) == 0


def test_guangdong_free_public_order_completes_without_payment_and_professional_costs_90(app, testapp, guangdong_learner):
    login(testapp, "guangdong", guangdong_learner.login)
    _offers, res = place_order(testapp, "guangdong", "public")
    page = res.follow()
    assert "已支付" in page.text and "pay" not in page.forms
    assert count(Payment) == 0
    _offers, res = place_order(testapp, "guangdong", "professional")
    page = res.follow()
    assert "¥90.00" in page.text and "pay" in page.forms
    statuses = dict(db.session.execute(select(Order.mode, Order.status)).all())
    assert statuses == {"public": "paid", "professional": "pending"}


def test_a_region_without_purchase_modes_says_study_is_free(app, testapp, make_learner):
    learner = make_learner("cicpa", login="M0001", member_type="non_practising")
    login(testapp, "cicpa", learner.login)
    assert "本地区学习免费，无需缴费" in testapp.get("/cicpa/orders/new", status=404).text


def test_the_first_payment_option_is_chosen_already_so_paying_needs_no_extra_click(app, testapp, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    page = res.follow()
    radios = page.html.select('form#pay input[name="provider"]')
    assert radios and [radio.has_attr("checked") for radio in radios] == [True] + [False] * (len(radios) - 1)
    paying = page.forms["pay"].submit()  # as the browser sends it, nothing touched
    assert paying.status_int == 302 and count(Payment) == 1


def test_buying_the_same_year_twice_is_refused_and_an_open_order_is_reused(app, testapp, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    place_order(testapp, "chaoyang", "annual")
    place_order(testapp, "chaoyang", "annual")
    assert count(Order) == 1
    order = the_order(chaoyang_learner)
    payment = Payment(order_id=order.id, provider="sandbox", provider_ref="x1", amount_fen=9000)
    db.session.add(payment)
    db.session.commit()
    from cpe_core.services.orders import settle

    settle(payment.id)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    assert "您已购买2024年度年度购买，无需重复购买" in res.follow().text


# --- notifications ---------------------------------------------------------------------------


@pytest.fixture
def open_payment(app, testapp, chaoyang_learner):
    """A Chaoyang annual order with an open sandbox payment the learner has paid on the phone."""
    login(testapp, "chaoyang", chaoyang_learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    start_paying(testapp, res.follow())
    ref = db.session.scalar(select(Payment.provider_ref))
    sandbox(app).pay(ref)
    db.session.rollback()
    return ref


def _tampered(app, ref, case):
    provider = sandbox(app)
    if case == "bad_signature":
        body, headers = provider.notification(ref)
        headers[SIGNATURE_HEADER] = sign("not-the-secret", body)
    elif case == "wrong_amount":
        body, headers = provider.notification(ref, amount_fen=1)
    elif case == "unknown_order":
        body = json.dumps({"merchant_ref": "NO-SUCH", "amount_fen": 9000, "status": "paid"}).encode()
        headers = {SIGNATURE_HEADER: sign(provider.secret, body)}
    elif case == "altered_body":
        body, headers = provider.notification(ref)
        body = body.replace(b'"paid"', b'"paid" ')
    else:  # unsigned
        body, headers = provider.notification(ref)
        headers.pop(SIGNATURE_HEADER)
    return body, headers


@pytest.mark.parametrize(
    "case, logged",
    [
        ("bad_signature", "bad signature"),
        ("unsigned", "bad signature"),
        ("altered_body", "bad signature"),
        ("wrong_amount", "amount 1 fen, expected 9000 fen"),
        ("unknown_order", "unknown payment 'NO-SUCH'"),
    ],
)
def test_a_doubtful_notification_changes_nothing_and_is_logged(gateway, app, testapp, open_payment, chaoyang_learner, caplog, case, logged):
    body, headers = _tampered(app, open_payment, case)
    with caplog.at_level(logging.WARNING, logger="cpe.payments"):
        res = gateway.post("/payments/notify/sandbox", body, headers=headers, status=400)
    assert res.text == "fail"
    assert logged in caplog.text
    assert the_order(chaoyang_learner).status == "pending"
    assert db.session.scalar(select(Payment.status)) == "pending"
    assert count(Enrolment, Enrolment.status == "paid") == 0


def test_a_notification_for_an_unknown_provider_is_refused(gateway, testapp, open_payment):
    gateway.post("/payments/notify/nopay", b"{}", status=400)


def test_the_same_notification_twice_pays_and_enrols_once(gateway, app, testapp, open_payment, chaoyang_learner, caplog):
    body, headers = sandbox(app).notification(open_payment)
    with caplog.at_level(logging.INFO, logger="cpe.payments"):
        for _ in range(2):
            assert gateway.post("/payments/notify/sandbox", body, headers=headers).text == "success"
    assert "repeated sandbox notification" in caplog.text
    assert the_order(chaoyang_learner).status == "paid"
    assert count(Enrolment, Enrolment.user_id == chaoyang_learner.id) == 1
    assert count(Payment, Payment.status == "succeeded") == 1
    # the learner's return page afterwards changes nothing either
    testapp.get(f"/chaoyang/orders/{the_order(chaoyang_learner).number}/return")
    assert count(Enrolment) == 1


def test_double_clicking_pay_opens_one_payment(app, testapp, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    page = res.follow()
    first = start_paying(testapp, page)
    second = start_paying(testapp, page)
    assert first.location == second.location
    assert count(Payment) == 1


class BrokenProvider:
    code = "broken"
    name = "故障支付"

    def create(self, request):
        raise PaymentProviderError("网络超时。")


class BrokenPlugin:
    @hookimpl
    def cpe_payment_providers(self, settings):
        return [BrokenProvider()]


@pytest.mark.parametrize("extra_plugins", [[("broken-pay", BrokenPlugin())]])
def test_a_failing_provider_leaves_the_order_payable_with_a_clear_message(app, testapp, chaoyang_learner, extra_plugins):
    login(testapp, "chaoyang", chaoyang_learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    form = res.follow().forms["pay"]
    form["provider"] = "broken"
    page = form.submit().follow()
    assert "支付服务暂时不可用：网络超时。请稍后重试或换一种支付方式。" in page.text
    assert the_order(chaoyang_learner).status == "pending"
    assert db.session.scalar(select(Payment.open_key)) is None
    form = page.forms["pay"]
    form["provider"] = "sandbox"
    assert form.submit().location.startswith("/sandbox-pay/")


# --- cancellation and expiry -----------------------------------------------------------------


def test_an_unpaid_order_expires_after_thirty_minutes(app, testapp, clock, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    page = res.follow()
    clock.advance(minutes=29)
    assert "待支付" in testapp.get(page.request.path).text
    clock.advance(minutes=2)
    page = testapp.get(page.request.path)
    assert "已过期" in page.text and "pay" not in page.forms
    assert the_order(chaoyang_learner).status == "expired"


def test_expire_command_expires_due_orders(app, testapp, clock, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    place_order(testapp, "chaoyang", "annual")
    learner_id = chaoyang_learner.id
    db.session.remove()
    clock.advance(minutes=31)
    result = app.test_cli_runner().invoke(args=["orders", "expire"])
    assert result.exit_code == 0 and "expired 1 order(s)" in result.output
    assert the_order(learner_id).status == "expired"


def test_a_payment_arriving_after_expiry_still_pays_the_order(gateway, app, testapp, clock, open_payment, chaoyang_learner):
    clock.advance(minutes=45)
    assert "expired 1 order(s)" in app.test_cli_runner().invoke(args=["orders", "expire"]).output
    assert the_order(chaoyang_learner).status == "expired"
    body, headers = sandbox(app).notification(open_payment)
    assert gateway.post("/payments/notify/sandbox", body, headers=headers).text == "success"
    assert the_order(chaoyang_learner).status == "paid"


def test_cancelling_an_unpaid_order_releases_the_enrolment(app, testapp, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    page = res.follow().forms["cancel"].submit().follow()
    assert "订单已取消" in page.text
    assert the_order(chaoyang_learner).status == "cancelled"
    assert db.session.scalar(select(Enrolment.status)) == "cancelled"


def test_a_paid_order_cannot_be_cancelled(gateway, app, testapp, open_payment, chaoyang_learner):
    page = testapp.get(f"/chaoyang/orders/{the_order(chaoyang_learner).number}")
    form = page.forms["cancel"]
    body, headers = sandbox(app).notification(open_payment)
    gateway.post("/payments/notify/sandbox", body, headers=headers)
    res = form.submit().follow()
    assert "只有待支付的订单可以取消；已支付的订单请申请退款。" in res.text
    assert the_order(chaoyang_learner).status == "paid"


# --- concurrency (PostgreSQL) ----------------------------------------------------------------


@pytest.mark.postgres_only
def test_concurrent_notifications_and_return_pages_pay_and_enrol_exactly_once(app, testapp, open_payment, chaoyang_learner, monkeypatch):
    if not app.config["CPE_DATABASE_URL"].startswith("postgresql"):
        pytest.skip("row locks under concurrent writers are what is tested: PostgreSQL only (SQLite serialises writers)")
    import threading

    from cpe_core.services import orders

    fulfilled: list[int] = []
    real_enrol = orders._enrol

    def counting_enrol(order, status):
        if status == "paid":
            fulfilled.append(order.id)
        return real_enrol(order, status)

    monkeypatch.setattr(orders, "_enrol", counting_enrol)
    body, headers = sandbox(app).notification(open_payment)
    user_id = chaoyang_learner.id
    number = the_order(user_id).number
    db.session.remove()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def notification():
        outcomes.append(orders.handle_notification("sandbox", headers, body).reason)

    def return_page():
        from cpe_core.models import User

        outcomes.append("return:" + orders.check_payment(db.session.get(User, user_id), number).status)

    def run(work):
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                work()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(notification if i % 2 else return_page,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(outcomes) == 8
    assert len(fulfilled) == 1
    assert the_order(user_id).status == "paid"
    assert count(Enrolment, Enrolment.user_id == user_id) == 1
    assert count(Payment, Payment.status == "succeeded") == 1
    assert outcomes.count("paid") <= 1 and set(outcomes) <= {"paid", "duplicate", "return:paid"}


# --- the JSON API ----------------------------------------------------------------------------


def test_the_api_prices_creates_and_opens_a_payment_with_the_same_rules(app, testapp, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    offers = testapp.get("/api/v1/offers?year=2024").json["offers"]
    annual = next(o for o in offers if o["mode"] == "annual")
    assert annual["total_fen"] == 9000 and annual["lines"][0]["quantity"] == 90
    credit = next(o for o in offers if o["mode"] == "credit")
    assert credit["available"] is False and credit["reason"]["code"] == "no_offsets"
    refused = testapp.post_json("/api/v1/orders", {"year": 2024, "mode": "credit"}, status=422).json
    assert refused["error"]["code"] == "no_offsets"
    created = testapp.post_json("/api/v1/orders", {"year": 2024, "mode": "annual"}, status=201).json
    assert (created["total_fen"], created["status"]) == (9000, "pending")
    paying = testapp.post_json(f"/api/v1/orders/{created['number']}/payments", {"provider": "sandbox"}, status=201).json
    assert paying["kind"] == "redirect" and paying["url"].startswith("/sandbox-pay/")
    listed = testapp.get("/api/v1/orders").json["orders"]
    assert [o["payments"][0]["status"] for o in listed] == ["pending"]


@pytest.mark.parametrize(
    "body, code, message",
    [
        ({"year": "2024", "mode": "annual"}, "invalid_order", "请提供年度（整数）和购买方式。"),
        ({"year": 2024, "mode": "monthly"}, "unknown_purchase_mode", "没有这种购买方式。"),
        ({"year": 2024}, "invalid_order", "请提供年度（整数）和购买方式。"),
    ],
)
def test_the_api_refuses_bad_orders_in_chinese(app, testapp, chaoyang_learner, body, code, message):
    login(testapp, "chaoyang", chaoyang_learner.login)
    answer = testapp.post_json("/api/v1/orders", body, status=422).json
    assert answer == {"error": {"code": code, "message": message}}
    assert count(Order) == 0


def test_the_price_is_fixed_on_the_order_when_it_is_created(gateway, app, testapp, chaoyang_learner, make_learner, monkeypatch):
    import cpe_chaoyang.rules

    login(testapp, "chaoyang", chaoyang_learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    order_page = res.follow()
    monkeypatch.setattr(cpe_chaoyang.rules, "PRICE_PER_CREDIT_FEN", 200)  # the region raises its price

    assert "¥90.00" in testapp.get(order_page.request.path).text
    start_paying(testapp, order_page)
    ref = db.session.scalar(select(Payment.provider_ref))
    db.session.rollback()
    sandbox(app).pay(ref)
    body, headers = sandbox(app).notification(ref)
    gateway.post("/payments/notify/sandbox", body, headers=headers)
    order = the_order(chaoyang_learner)
    assert (order.status, order.total_fen) == ("paid", 9000)
    assert db.session.scalar(select(Payment.amount_fen).where(Payment.order_id == order.id)) == 9000
    db.session.rollback()

    # A new order is priced afresh (the change did take effect).
    newcomer = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)
    testapp.reset()
    login(testapp, "chaoyang", newcomer.login)
    offers, _res = place_order(testapp, "chaoyang", "annual")
    assert "¥180.00" in offers.text
    assert the_order(newcomer).total_fen == 18000


def test_an_ineligible_learner_is_told_why_instead_of_offered_an_order_button(app, testapp, make_learner):
    """Chaoyang: a learner collected elsewhere sees the region's reason on each purchase mode,
    and no 提交订单 that would only be refused."""
    learner = make_learner("chaoyang", collection_region="guangdong", collection_area="广州市")
    login(testapp, "chaoyang", learner.login)
    page = testapp.get("/chaoyang/orders/new?year=2024")
    assert "提交订单" not in page.text and not [name for name in page.forms if str(name).startswith("order-")]
    reasons = {p.text for p in page.html.select("p.reason")}
    assert len(reasons) == 1 and "朝阳" in reasons.pop()


def test_the_order_page_shows_when_it_was_ordered_and_paid(app, testapp, make_learner):
    learner = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区")
    login(testapp, "chaoyang", learner.login)
    page = testapp.get("/chaoyang/orders/new?year=2024").forms["order-annual"].submit().follow()
    from cpe_core import clock as clocks

    order = db.session.scalar(select(Order))
    ordered = clocks.from_utc_naive(order.created_at).astimezone(clocks.SHANGHAI)
    assert page.html.select_one("#order-times").text == f"下单时间：{ordered:%Y-%m-%d %H:%M}"
    db.session.rollback()
