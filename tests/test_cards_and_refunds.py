"""Study cards (学习卡) and refunds: staff in their own region, every action audited."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from cpe_core.extensions import db
from cpe_core.models import AuditEntry, Enrolment, Order, Payment, Refund, StudyCard, StudyPlanItem
from cpe_core.testing import login
from hookspecs import PaymentProviderError

from test_orders import buy_through_sandbox, gateway, place_order, sandbox, the_order  # noqa: F401


@pytest.fixture
def chaoyang_learner(make_learner):
    return make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市双塔区", qualified_year=2020)


@pytest.fixture
def admin(make_staff):
    return make_staff("chaoyang", "admin")


def generate(testapp, year: int = 2024, count: int = 3):
    page = testapp.get("/chaoyang/admin/cards")
    form = page.forms["generate"]
    form["year"] = str(year)
    form["count"] = str(count)
    return form.submit()


def issued_cards(page) -> list[tuple[str, str]]:
    numbers = [td.text for td in page.html.select("#issued td.number")]
    secrets = [td.text for td in page.html.select("#issued td.secret")]
    return list(zip(numbers, secrets))


def audit_actions() -> list[str]:
    db.session.rollback()
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    db.session.rollback()
    return actions


def staff_generates_cards(testapp, admin, **kwargs):
    login(testapp, "chaoyang", admin.login)
    page = generate(testapp, **kwargs)
    cards = issued_cards(page)
    testapp.post("/chaoyang/logout", {"csrf_token": page.forms[0]["csrf_token"].value} if page.forms else {})
    testapp.reset()
    return page, cards


def test_staff_generate_a_batch_whose_secrets_are_shown_once_and_stored_hashed(app, testapp, admin):
    login(testapp, "chaoyang", admin.login)
    page = generate(testapp, count=3)
    cards = issued_cards(page)
    assert len(cards) == 3 and len({n for n, _ in cards}) == 3
    assert "只显示这一次" in page.text and page.headers["Cache-Control"] == "no-store"
    stored = db.session.scalars(select(StudyCard)).all()
    assert {c.number for c in stored} == {n for n, _ in cards}
    assert all(secret not in c.secret_hash for c in stored for _, secret in cards)
    listing = testapp.get("/chaoyang/admin/cards")
    assert all(secret not in listing.text for _, secret in cards)
    batch = stored[0].batch
    export = testapp.get(f"/chaoyang/admin/cards/{batch}.csv")
    rows = list(csv.reader(io.StringIO(export.body.decode("utf-8-sig"))))
    assert rows[0] == ["卡号", "年度", "批次", "状态", "使用时间"]
    assert sorted(r[0] for r in rows[1:]) == sorted(n for n, _ in cards)
    assert all(secret not in export.text for _, secret in cards)
    assert audit_actions() == ["card_batch.generate"]


@pytest.mark.parametrize(
    "year, count, message",
    [(2024, 0, "每批可生成1至500张学习卡。"), (2024, 501, "每批可生成1至500张学习卡。"), (1999, 5, "年度无效。")],
)
def test_bad_batch_requests_are_refused(app, testapp, admin, year, count, message):
    login(testapp, "chaoyang", admin.login)
    page = generate(testapp, year=year, count=count).follow()
    assert message in page.text
    assert db.session.scalar(select(StudyCard.id)) is None


def use_card(testapp, number: str, secret: str):
    _offers, res = place_order(testapp, "chaoyang", "annual")
    form = res.follow().forms["card"]
    form["number"] = number
    form["secret"] = secret
    return form.submit().follow()


def test_a_learner_pays_an_order_with_a_card_once(app, testapp, admin, chaoyang_learner, make_learner):
    _page, cards = staff_generates_cards(testapp, admin, count=1)
    number, secret = cards[0]
    login(testapp, "chaoyang", chaoyang_learner.login)
    page = use_card(testapp, number, secret.lower())
    assert "学习卡使用成功，课程已开通" in page.text
    assert the_order(chaoyang_learner).status == "paid"
    card = db.session.scalar(select(StudyCard))
    assert (card.status, card.used_by) == ("used", chaoyang_learner.id)
    db.session.rollback()
    testapp.reset()
    other = make_learner("chaoyang", collection_region="chaoyang", collection_area="朝阳市龙城区", qualified_year=2020)
    login(testapp, "chaoyang", other.login)
    assert "该学习卡已使用。" in use_card(testapp, number, secret).text


@pytest.mark.parametrize(
    "case, message",
    [
        ("wrong_secret", "学习卡卡号或密码错误。"),
        ("unknown_number", "学习卡卡号或密码错误。"),
        ("other_year", "该学习卡仅适用于2025年度。"),
        ("void", "该学习卡已作废。"),
        ("other_region", "该学习卡不适用于本地区。"),
        ("blank", "请输入学习卡卡号。"),
    ],
)
def test_a_card_works_only_for_its_region_and_year(app, testapp, make_staff, admin, chaoyang_learner, case, message):
    year = 2025 if case == "other_year" else 2024
    if case == "other_region":
        staff = make_staff("guangdong", "admin")
        login(testapp, "guangdong", staff.login)
        page = testapp.get("/guangdong/admin/cards")
        form = page.forms["generate"]
        form["year"], form["count"] = "2024", "1"
        number, secret = issued_cards(form.submit())[0]
        testapp.reset()
    else:
        _page, cards = staff_generates_cards(testapp, admin, year=year, count=1)
        number, secret = cards[0]
    if case == "void":
        login(testapp, "chaoyang", admin.login)
        form = testapp.get("/chaoyang/admin/cards").forms["void"]
        form["number"] = number
        assert "学习卡已作废。" in form.submit().follow().text
        testapp.reset()
    login(testapp, "chaoyang", chaoyang_learner.login)
    number = {"unknown_number": "20249999999999", "blank": ""}.get(case, number)
    secret = "WRONGSECRET1" if case == "wrong_secret" else secret
    page = use_card(testapp, number, secret)
    assert message in page.text
    assert the_order(chaoyang_learner).status == "pending"


def test_staff_cannot_void_another_regions_card(app, testapp, make_staff, admin):
    _page, cards = staff_generates_cards(testapp, admin, count=1)
    other = make_staff("guangdong", "admin")
    login(testapp, "guangdong", other.login)
    form = testapp.get("/guangdong/admin/cards").forms["void"]
    form["number"] = cards[0][0]
    assert "没有这张学习卡。" in form.submit().follow().text
    assert db.session.scalar(select(StudyCard.status)) == "active"
    assert testapp.get("/chaoyang/admin/cards", status=403)


# --- refunds ---------------------------------------------------------------------------------


@pytest.fixture
def paid_order(app, testapp, gateway, chaoyang_learner, make_course):
    """A Chaoyang annual order paid through the sandbox; the learner is signed in."""
    return buy_through_sandbox(app, testapp, gateway, chaoyang_learner, "chaoyang", "annual")


def ask_refund(testapp, order, reason="工作调动，不再需要"):
    form = testapp.get(f"/chaoyang/orders/{order.number}").forms["refund"]
    form["reason"] = reason
    return form.submit().follow()


def test_refund_requested_by_the_learner_approved_by_staff_releases_the_enrolment(app, testapp, paid_order, admin, chaoyang_learner):
    page = ask_refund(testapp, paid_order)
    assert "退款申请已提交" in page.text and "待审核" in page.text
    assert "refund" not in page.forms  # one open request at a time
    testapp.reset()
    login(testapp, "chaoyang", admin.login)
    listing = testapp.get("/chaoyang/admin/refunds")
    refund_id = db.session.scalar(select(Refund.id))
    db.session.rollback()
    page = listing.forms[f"approve-{refund_id}"].submit().follow()
    assert "已退款，学员的报名已解除" in page.text
    assert the_order(chaoyang_learner).status == "refunded"
    assert db.session.scalar(select(Enrolment.status)) == "cancelled"
    assert db.session.scalar(select(Payment.status)) == "refunded"
    assert sandbox(app).payments[db.session.scalar(select(Payment.provider_ref))].refunded_fen == 9000
    assert audit_actions() == ["refund.approve"]
    # a second click changes nothing
    page = listing.forms[f"approve-{refund_id}"].submit().follow()
    assert "该退款申请已处理。" in page.text
    assert sandbox(app).payments[db.session.scalar(select(Payment.provider_ref))].refunded_fen == 9000


def test_staff_reject_a_refund_and_the_learner_sees_it(app, testapp, paid_order, admin, chaoyang_learner):
    ask_refund(testapp, paid_order)
    testapp.reset()
    login(testapp, "chaoyang", admin.login)
    refund_id = db.session.scalar(select(Refund.id))
    db.session.rollback()
    testapp.get("/chaoyang/admin/refunds").forms[f"reject-{refund_id}"].submit()
    assert the_order(chaoyang_learner).status == "paid"
    assert audit_actions() == ["refund.reject"]
    testapp.reset()
    login(testapp, "chaoyang", chaoyang_learner.login)
    assert "已驳回" in testapp.get("/chaoyang/orders/").text


def test_a_failing_provider_refund_leaves_the_request_open_with_a_message(app, testapp, paid_order, admin, monkeypatch):
    ask_refund(testapp, paid_order)
    testapp.reset()
    login(testapp, "chaoyang", admin.login)
    refund_id = db.session.scalar(select(Refund.id))
    db.session.rollback()

    def refuse(*_args):
        raise PaymentProviderError("商户余额不足。")

    monkeypatch.setattr(sandbox(app), "refund", refuse)
    page = testapp.get("/chaoyang/admin/refunds").forms[f"approve-{refund_id}"].submit().follow()
    assert "退款失败：商户余额不足。请稍后重试。" in page.text
    assert db.session.scalar(select(Refund.status)) == "requested"
    db.session.rollback()
    assert the_order(paid_order.user_id).status == "paid"
    assert audit_actions() == ["refund.failed"]


def test_staff_of_another_region_cannot_decide_a_refund(app, testapp, paid_order, make_staff):
    ask_refund(testapp, paid_order)
    testapp.reset()
    other = make_staff("guangdong", "admin")
    login(testapp, "guangdong", other.login)
    refund_id = db.session.scalar(select(Refund.id))
    db.session.rollback()
    listing = testapp.get("/guangdong/admin/refunds")
    assert f"approve-{refund_id}" not in listing.forms and "暂无退款申请" in listing.text
    testapp.get("/chaoyang/admin/refunds", status=403)
    page = testapp.get("/guangdong/admin/cards")
    csrf = page.forms["void"]["csrf_token"].value
    res = testapp.post(f"/guangdong/admin/refunds/{refund_id}/approve", {"csrf_token": csrf}).follow()
    assert "没有找到该退款申请。" in res.text
    assert db.session.scalar(select(Refund.status)) == "requested"


@pytest.mark.parametrize("reason, message", [("", "请填写退款原因。"), ("长" * 501, "退款原因不能超过500字。")])
def test_a_refund_request_needs_a_reason(app, testapp, paid_order, reason, message):
    assert message in ask_refund(testapp, paid_order, reason).text
    assert db.session.scalar(select(Refund.id)) is None


def test_an_unpaid_order_cannot_be_refunded(app, testapp, chaoyang_learner):
    login(testapp, "chaoyang", chaoyang_learner.login)
    _offers, res = place_order(testapp, "chaoyang", "annual")
    page = res.follow()
    assert "refund" not in page.forms
    csrf = page.forms["cancel"]["csrf_token"].value
    res = testapp.post(f"{page.request.path}/refund", {"csrf_token": csrf, "reason": "不想要了"}).follow()
    assert "只有已支付的订单可以申请退款。" in res.text


def test_voiding_a_card_is_written_to_the_audit_log(app, testapp, admin):
    _page, cards = staff_generates_cards(testapp, admin, count=1)
    login(testapp, "chaoyang", admin.login)
    form = testapp.get("/chaoyang/admin/cards").forms["void"]
    form["number"] = cards[0][0]
    assert "学习卡已作废。" in form.submit().follow().text
    assert audit_actions() == ["card_batch.generate", "study_card.void"]
    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "study_card.void"))
    assert (entry.region, entry.actor, entry.target) == ("chaoyang", f"admin:{admin.login}", f"study_card:{cards[0][0]}")
    db.session.rollback()
