"""Refunds: the learner asks after paying, staff of the order's region approve, the provider
refunds, then the enrolment is released (and locked courses unlocked)."""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from hookspecs import PaymentProviderError

from .. import clock
from ..extensions import db
from ..labels import N_
from ..models import Order, Payment, Refund, User
from ..regions import RuleError, regions
from . import audit
from .orders import _release_enrolment, order_for
from .paging import PAGE_SIZE, Page, cut

log = logging.getLogger("cpe.payments")
STATUS_LABELS = {"requested": N_("待审核"), "approved": N_("退款中"), "rejected": N_("已驳回"), "refunded": N_("已退款"),
                 "failed": N_("退款失败")}
#: What a refund is, as the learner's orders page names it.
KIND_LABELS = {"request": N_("退款申请"), "duplicate": N_("重复支付退款")}
OPEN = ("requested", "approved")


def refunds_of(order: Order) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)))


def request_refund(user: User, number: str, reason: str) -> Refund:
    order = order_for(user, number)
    if order.status != "paid":
        raise RuleError("not_refundable", "只有已支付的订单可以申请退款。")
    if order.total_fen == 0:
        raise RuleError("nothing_to_refund", "免费订单无需退款。")
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("reason_required", "请填写退款原因。")
    if len(reason) > 500:
        raise RuleError("reason_too_long", "退款原因不能超过500字。")
    if db.session.scalar(
        select(Refund.id).where(Refund.order_id == order.id, Refund.kind == "request", Refund.status.in_(OPEN)).limit(1)
    ):
        raise RuleError("refund_pending", "该订单已有退款申请正在处理。")
    payment = _paid_payment(order)
    if payment.provider == "study_card":
        raise RuleError("card_refund", "学习卡支付的订单不能在线退款，请联系发卡单位。")
    refund = Refund(order_id=order.id, amount_fen=order.total_fen, reason=reason, status="requested")
    db.session.add(refund)
    db.session.commit()
    return refund


def _paid_payment(order: Order) -> Payment:
    """The payment that paid ``order``: a duplicate one (being refunded) never is."""
    duplicates = select(Refund.payment_id).where(Refund.order_id == order.id, Refund.kind == "duplicate")
    payment = db.session.scalar(
        select(Payment).where(Payment.order_id == order.id, Payment.status == "succeeded", Payment.id.not_in(duplicates))
        .order_by(Payment.id).limit(1)
    )
    if payment is None:
        raise RuleError("no_payment", "没有找到该订单的支付记录。")
    return payment


def pending(region: str, *, before: int | None = None, limit: int = PAGE_SIZE) -> Page[tuple[Refund, Order]]:
    """One page of the region's refund requests, newest first, older than refund ``before``."""
    query = (select(Refund, Order).join(Order, Order.id == Refund.order_id)
             .where(Order.region == region, Refund.kind == "request"))
    if before:
        query = query.where(Refund.id < before)
    rows = db.session.execute(query.order_by(Refund.id.desc()).limit(limit + 1)).all()
    return cut(rows, limit, lambda row: row[0].id)


def _refund_in(region: str, refund_id: int) -> tuple[Refund, Order]:
    row = db.session.execute(
        select(Refund, Order).join(Order, Order.id == Refund.order_id)
        .where(Refund.id == refund_id, Order.region == region, Refund.kind == "request")
    ).first()
    if row is None:  # another region's refund is invisible here
        raise RuleError("refund_not_found", "没有找到该退款申请。")
    return row[0], row[1]


def reject(staff: User, region: str, refund_id: int) -> Refund:
    refund, order = _refund_in(region, refund_id)
    now = clock.to_utc_naive(clock.now())
    result = db.session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status == "requested")
        .values(status="rejected", decided_by=staff.id, decided_at=now)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise RuleError("refund_decided", "该退款申请已处理。")
    audit.record("refund.reject", f"order:{order.number}", actor=staff, region=region,
                 before={"status": "requested"}, after={"status": "rejected"})
    db.session.commit()
    db.session.refresh(refund)
    return refund


def approve(staff: User, region: str, refund_id: int) -> Refund:
    """Approve, refund through the provider, then release the enrolment.

    The approval is committed before the provider is called, so a second click cannot refund
    twice; a failing provider puts the request back to ``requested`` with a clear message.
    """
    refund, order = _refund_in(region, refund_id)
    now = clock.to_utc_naive(clock.now())
    claimed = db.session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status == "requested")
        .values(status="approved", decided_by=staff.id, decided_at=now)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise RuleError("refund_decided", "该退款申请已处理。")
    db.session.commit()
    payment = _paid_payment(order)
    provider = regions().payment_providers().get(payment.provider)
    try:
        if provider is None:
            raise PaymentProviderError("该支付方式已停用。")
        provider.refund(payment.provider_ref or "", f"R{refund.id}", refund.amount_fen)
    except PaymentProviderError as error:
        log.warning("refund %s of order %s failed: %s", refund.id, order.number, error)
        db.session.execute(update(Refund).where(Refund.id == refund.id).values(status="requested", decided_at=None))
        audit.record("refund.failed", f"order:{order.number}", actor=staff, region=region,
                     after={"error": str(error)})
        db.session.commit()
        raise RuleError("provider_failed", f"退款失败：{error}请稍后重试。") from error
    db.session.execute(update(Refund).where(Refund.id == refund.id).values(status="refunded", payment_id=payment.id))
    db.session.execute(update(Payment).where(Payment.id == payment.id).values(status="refunded"))
    db.session.execute(update(Order).where(Order.id == order.id, Order.status == "paid").values(status="refunded"))
    _release_enrolment(order)
    audit.record("refund.approve", f"order:{order.number}", actor=staff, region=region,
                 before={"status": "paid"}, after={"status": "refunded", "amount_fen": refund.amount_fen})
    db.session.commit()
    db.session.refresh(refund)
    return refund
