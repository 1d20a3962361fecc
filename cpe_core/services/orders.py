"""Orders and payments: priced by the region's hook, paid through provider plugins, exactly once.

Money rules kept here, in one place:

- the price is the region's quote, fixed on the order (lines and total) when it is created;
- a pending order has at most one open payment (``Payment.open_key`` is unique), so a double
  click cannot open two;
- an order becomes paid through one conditional ``UPDATE ... WHERE status IN (payable)``; only
  the caller whose update changed the row fulfils it (enrolment, course locks), so a notification
  delivered twice, or racing the learner's return page, enrols exactly once;
- a notification with a bad signature, a wrong amount or an unknown reference changes nothing and
  is logged.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hookspecs import (
    Cart,
    InvalidNotification,
    PaymentInstruction,
    PaymentProviderError,
    PaymentRequest,
    PurchaseMode,
    Quote,
    Reason,
)

from .. import clock
from ..extensions import db
from ..models import Enrolment, Order, OrderLine, Payment, StudyPlanItem, User
from ..regions import RuleError, regions, rules_for
from .explain import format_fen, plan_items
from .learners import facts_for

log = logging.getLogger("cpe.payments")

#: A payment may still settle an order in these states: money that arrived is never ignored.
PAYABLE = ("pending", "expired", "cancelled")
DEFAULT_TTL_MINUTES = 30
PAYMENT_LABELS = {"pending": "待支付", "succeeded": "支付成功", "failed": "已关闭", "refunded": "已退款"}
STATUS_LABELS = {
    "pending": "待支付",
    "paid": "已支付",
    "cancelled": "已取消",
    "expired": "已过期",
    "refunded": "已退款",
}


@dataclass(frozen=True)
class Offer:
    """A purchase mode as the order page shows it: priced when available, else the reason."""

    mode: PurchaseMode
    quote: Quote | None
    reason: Reason | None = None


def _now_naive() -> dt.datetime:
    return clock.to_utc_naive(clock.now())


def offers(user: User, year: int) -> list[Offer]:
    """Every purchase mode of the learner's region for ``year``, priced from the study plan."""
    rules = rules_for(user.region or "")
    facts = facts_for(user, year)
    items = plan_items(user.id, year)
    found = []
    for mode in rules.purchase_modes(facts, year):
        if not mode.available:
            found.append(Offer(mode, None, mode.reason or Reason("mode_unavailable", f"{mode.name}不可用。")))
            continue
        cart = Cart(region=rules.code, year=year, mode=mode.code, learner=facts, items=items)
        try:
            found.append(Offer(mode, rules.quote(cart)))
        except RuleError as error:
            found.append(Offer(mode, None, Reason(error.code, error.message)))
    return found


def _new_number() -> str:
    stamp = clock.now().astimezone(clock.SHANGHAI).strftime("%Y%m%d%H%M%S")
    return f"{stamp}{secrets.randbelow(10**6):06d}"


def create_order(user: User, year: int, mode_code: str) -> Order:
    """Price the learner's cart in ``mode_code`` and fix the price on a new pending order.

    A ¥0 order is paid at once, without a payment step. Reuses the learner's open order for the
    same year and mode instead of making a second one.
    """
    region = user.region or ""
    rules = rules_for(region)
    facts = facts_for(user, year)
    eligibility = rules.eligibility(facts, year)
    if not eligibility.allowed:
        first = eligibility.reasons[0]
        raise RuleError(first.code, first.message)
    modes = {mode.code: mode for mode in rules.purchase_modes(facts, year)}
    if not modes:
        raise RuleError("free_region", "本地区学习免费，无需缴费。")
    mode = modes.get(mode_code)
    if mode is None:
        raise RuleError("unknown_purchase_mode", "没有这种购买方式。")
    if not mode.available:
        reason = mode.reason or Reason("mode_unavailable", f"{mode.name}不可用。")
        raise RuleError(reason.code, reason.message)
    expire_due()
    mine = select(Order).where(Order.user_id == user.id, Order.year == year, Order.mode == mode_code)
    if db.session.scalar(mine.where(Order.status == "paid").limit(1)) is not None:
        raise RuleError("already_paid", f"您已购买{year}年度{mode.name}，无需重复购买。")
    open_order = db.session.scalar(mine.where(Order.status == "pending").limit(1))
    if open_order is not None:
        return open_order
    quote = rules.quote(Cart(region=region, year=year, mode=mode_code, learner=facts, items=plan_items(user.id, year)))
    ttl = int(current_app.config.get("CPE_ORDER_TTL_MINUTES", DEFAULT_TTL_MINUTES))
    order = Order(
        number=_new_number(),
        user_id=user.id,
        region=region,
        year=year,
        mode=mode_code,
        total_fen=quote.total_fen,
        status="pending",
        locks_courses=quote.locks_courses or mode.locks_courses,
        expires_at=clock.to_utc_naive(clock.now() + dt.timedelta(minutes=ttl)),
    )
    courses = {item.sku: item.course_id for item in plan_items(user.id, year)}
    for line in quote.lines:
        order.lines.append(
            OrderLine(
                sku=line.sku,
                description=line.description[:200],
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                amount_fen=line.amount_fen,
                course_id=courses.get(line.sku),
            )
        )
    db.session.add(order)
    _enrol(order, "selected")
    db.session.flush()
    if order.total_fen == 0:
        _mark_paid(order.id)
    db.session.commit()
    return order


def _enrol(order: Order, status: str) -> None:
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == order.user_id, Enrolment.region == order.region, Enrolment.year == order.year
        )
    )
    if enrolment is None:
        db.session.add(Enrolment(user_id=order.user_id, region=order.region, year=order.year, status=status))
    elif status == "paid" or enrolment.status == "cancelled":
        enrolment.status = status


def order_for(user: User, number: str) -> Order:
    """The learner's own order ``number`` (expired on the way if its time ran out)."""
    order = db.session.scalar(select(Order).where(Order.number == number, Order.user_id == user.id))
    if order is None:
        raise RuleError("order_not_found", "没有找到该订单。")
    if order.status == "pending" and order.expires_at and order.expires_at <= _now_naive():
        expire_due()
        db.session.commit()
        db.session.refresh(order)
    return order


def orders_of(user: User) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.user_id == user.id).order_by(Order.id.desc())))


def payments_of(order: Order) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)))


def expire_due() -> int:
    """Expire every pending order whose time ran out, closing its open payment; returns how many.

    Called by ``cpe orders expire`` (cron) and lazily whenever orders are read or created.
    """
    now = _now_naive()
    due = list(db.session.scalars(select(Order.id).where(Order.status == "pending", Order.expires_at <= now)))
    if not due:
        return 0
    result = db.session.execute(
        update(Order).where(Order.id.in_(due), Order.status == "pending").values(status="expired")
    )
    db.session.execute(
        update(Payment).where(Payment.order_id.in_(due), Payment.status == "pending").values(status="failed", open_key=None)
    )
    return result.rowcount


def cancel_order(user: User, number: str) -> Order:
    """The learner cancels an unpaid order (and its enrolment, if nothing else is paid)."""
    order = order_for(user, number)
    result = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == "pending").values(status="cancelled")
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise RuleError("not_cancellable", "只有待支付的订单可以取消；已支付的订单请申请退款。")
    db.session.execute(
        update(Payment).where(Payment.order_id == order.id, Payment.status == "pending").values(status="failed", open_key=None)
    )
    _release_enrolment(order)
    db.session.commit()
    db.session.refresh(order)
    return order


def _release_enrolment(order: Order) -> None:
    others_paid = db.session.scalar(
        select(Order.id).where(
            Order.user_id == order.user_id, Order.year == order.year, Order.status == "paid", Order.id != order.id
        ).limit(1)
    )
    if others_paid is not None:
        return
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.user_id == order.user_id, Enrolment.region == order.region, Enrolment.year == order.year)
        .values(status="cancelled")
    )
    course_ids = [line.course_id for line in order.lines if line.course_id]
    if order.locks_courses and course_ids:
        db.session.execute(
            update(StudyPlanItem)
            .where(StudyPlanItem.user_id == order.user_id, StudyPlanItem.course_id.in_(course_ids))
            .values(locked=False)
        )


# --- paying ----------------------------------------------------------------------------------


def providers_for(region: str):
    return rules_for(region).payment_providers()


def provider_name(code: str) -> str:
    """What a learner calls a payment method: the provider's name, or 学习卡 for a card."""
    if code == "study_card":
        return "学习卡"
    provider = regions().payment_providers().get(code)
    return provider.name if provider is not None else code


def start_payment(user: User, number: str, provider_code: str) -> tuple[Payment, PaymentInstruction]:
    """Open (or reopen) the order's one payment with ``provider_code`` and say where to pay.

    A failing provider leaves the order payable: the payment is closed and a RuleError with a
    clear message is raised.
    """
    order = order_for(user, number)
    if order.status != "pending":
        raise RuleError("not_payable", f"该订单{STATUS_LABELS.get(order.status, order.status)}，不能支付。")
    provider = rules_for(order.region).payment_provider(provider_code)
    payment = db.session.scalar(select(Payment).where(Payment.open_key == order.id))
    if payment is not None and payment.provider != provider_code:
        payment.status, payment.open_key = "failed", None
        db.session.commit()
        payment = None
    if payment is None:
        try:
            with db.session.begin_nested():
                payment = Payment(order_id=order.id, provider=provider_code, open_key=order.id,
                                  amount_fen=order.total_fen, status="pending")
                db.session.add(payment)
                db.session.flush()
                payment.provider_ref = f"{order.number}P{payment.id}"
        except IntegrityError:
            # The other click won the unique open_key: use its payment.
            payment = db.session.scalar(select(Payment).where(Payment.open_key == order.id))
            if payment is None:
                raise RuleError("payment_busy", "支付正在处理中，请稍后刷新页面。") from None
        db.session.commit()
    request = PaymentRequest(
        merchant_ref=payment.provider_ref or "",
        amount_fen=payment.amount_fen,
        description="；".join(line.description for line in order.lines)[:120],
        notify_url=url_for("payments.notify", provider=provider_code, _external=True),
        return_url=url_for("orders.payment_return", region=order.region, number=order.number, _external=True),
        expires_at=clock.from_utc_naive(order.expires_at) if order.expires_at else None,
    )
    try:
        instruction = provider.create(request)
    except PaymentProviderError as error:
        log.warning("provider %s refused payment %s: %s", provider_code, payment.provider_ref, error)
        db.session.execute(
            update(Payment).where(Payment.id == payment.id, Payment.status == "pending").values(status="failed", open_key=None)
        )
        db.session.commit()
        raise RuleError("provider_failed", f"支付服务暂时不可用：{error}请稍后重试或换一种支付方式。") from error
    return payment, instruction


def _mark_paid(order_id: int) -> bool:
    """The one conditional UPDATE that makes an order paid. True for the caller who changed it;
    that caller alone fulfils the order (in the same transaction)."""
    result = db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status.in_(PAYABLE))
        .values(status="paid", paid_at=_now_naive())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    order = db.session.get(Order, order_id)
    db.session.refresh(order)
    _enrol(order, "paid")
    course_ids = [line.course_id for line in order.lines if line.course_id]
    if order.locks_courses and course_ids:
        db.session.execute(
            update(StudyPlanItem)
            .where(StudyPlanItem.user_id == order.user_id, StudyPlanItem.course_id.in_(course_ids))
            .values(locked=True)
        )
    return True


def settle(payment_id: int, transaction_id: str = "") -> bool:
    """Record that ``payment_id`` was paid; True if this call made its order paid. Commits."""
    payment = db.session.get(Payment, payment_id)
    db.session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status.in_(("pending", "failed")))
        .values(status="succeeded", settled_at=_now_naive(), open_key=None)
        .execution_options(synchronize_session=False)
    )
    won = _mark_paid(payment.order_id)
    if not won:
        order = db.session.get(Order, payment.order_id)
        if order.status == "paid" and db.session.scalar(
            select(Payment.id).where(Payment.order_id == order.id, Payment.status == "succeeded", Payment.id != payment_id).limit(1)
        ):
            log.error("order %s paid twice (payment %s): refund the second payment", order.number, payment.provider_ref)
    db.session.commit()
    return won


@dataclass(frozen=True)
class NotificationOutcome:
    accepted: bool
    body: str
    reason: str = ""


def handle_notification(provider_code: str, headers: Mapping[str, str], body: bytes) -> NotificationOutcome:
    """Verify and apply a provider's asynchronous notification. Anything doubtful changes
    nothing and is logged; a valid repeat is acknowledged without effect."""
    provider = regions().payment_providers().get(provider_code)
    if provider is None:
        log.warning("notification for unknown provider %r", provider_code)
        return NotificationOutcome(False, "fail", "unknown_provider")
    try:
        note = provider.verify_notification(headers, body)
    except InvalidNotification as error:
        log.warning("rejected %s notification: %s", provider_code, error)
        return NotificationOutcome(False, "fail", "bad_signature")
    payment = db.session.scalar(
        select(Payment).where(Payment.provider_ref == note.merchant_ref, Payment.provider == provider_code)
    )
    if payment is None:
        log.warning("rejected %s notification for unknown payment %r", provider_code, note.merchant_ref)
        return NotificationOutcome(False, "fail", "unknown_payment")
    if note.amount_fen != payment.amount_fen:
        log.warning(
            "rejected %s notification for %s: amount %s fen, expected %s fen",
            provider_code, note.merchant_ref, note.amount_fen, payment.amount_fen,
        )
        return NotificationOutcome(False, "fail", "amount_mismatch")
    if not note.paid:
        return NotificationOutcome(True, note.ack_body, "not_paid")
    if not settle(payment.id, note.transaction_id):
        log.info("repeated %s notification for %s ignored", provider_code, note.merchant_ref)
        return NotificationOutcome(True, note.ack_body, "duplicate")
    log.info("order paid by %s notification %s", provider_code, note.merchant_ref)
    return NotificationOutcome(True, note.ack_body, "paid")


def check_payment(user: User, number: str) -> Order:
    """The learner came back from the provider: ask it (the notification may be late)."""
    order = order_for(user, number)
    if order.status == "paid":
        return order
    payment = db.session.scalar(
        select(Payment).where(Payment.order_id == order.id, Payment.status.in_(("pending", "failed")))
        .order_by(Payment.id.desc()).limit(1)
    )
    if payment is None or not payment.provider_ref:
        return order
    provider = regions().payment_providers().get(payment.provider)
    if provider is None:
        return order
    try:
        status = provider.query(payment.provider_ref)
    except PaymentProviderError as error:
        log.warning("query of %s failed: %s", payment.provider_ref, error)
        return order
    if status.paid and status.amount_fen == payment.amount_fen:
        settle(payment.id, status.transaction_id)
    elif status.paid:
        log.warning("query of %s: amount %s fen, expected %s", payment.provider_ref, status.amount_fen, payment.amount_fen)
    db.session.refresh(order)
    return order


__all__ = [
    "Offer", "PAYABLE", "STATUS_LABELS", "cancel_order", "check_payment", "create_order", "expire_due",
    "format_fen", "handle_notification", "offers", "order_for", "orders_of", "payments_of", "settle",
    "start_payment",
]
