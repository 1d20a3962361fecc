"""Orders and payments: priced by the region's hook, paid through provider plugins, exactly once.

Money rules kept here, in one place:

- the price is the region's quote, fixed on the order (lines and total) when it is created;
- a pending order has at most one open payment (``Payment.open_key`` is unique), so a double
  click cannot open two;
- an order becomes paid through one conditional ``UPDATE ... WHERE status IN (payable)``; only
  the caller whose update changed the row fulfils it (enrolment, course locks), so a notification
  delivered twice, or racing the learner's return page, enrols exactly once;
- a notification with a bad signature, a wrong amount or an unknown reference changes nothing and
  is logged;
- a payment that succeeds but cannot pay its order (the order was already paid by another
  payment, e.g. from a second phone, or its enrolment was cancelled) is refunded automatically
  through its provider, once (``Refund.payment_id`` is unique), and audited;
- where the region enrols before paying (``InstitutionPolicy.enrol_then_pay``) an order pays one
  enrolment (``Order.enrolment_id``): the conditional UPDATE that makes the order paid also moves
  that enrolment from ``selected`` to ``paid``, or neither happens.
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
from ..labels import N_
from ..models import Enrolment, Order, OrderLine, Payment, Refund, StudyPlanItem, User
from ..regions import RuleError, regions, rules_for
from .not_found import RecordNotFound
from . import audit, entitlement, handover
from .carts import plan_items
from .money import format_fen
from .learners import facts_for
from .institutions import current_enrolment, institution_policy

log = logging.getLogger("cpe.payments")

#: A payment may still settle an order in these states: money that arrived is never ignored.
PAYABLE = ("pending", "expired", "cancelled")
DEFAULT_TTL_MINUTES = 30
PAYMENT_LABELS = {"pending": N_("待支付"), "succeeded": N_("支付成功"), "failed": N_("已关闭"), "refunded": N_("已退款")}
STATUS_LABELS = {
    "pending": N_("待支付"),
    "paid": N_("已支付"),
    "cancelled": N_("已取消"),
    "expired": N_("已过期"),
    "refunded": N_("已退款"),
}


@dataclass(frozen=True)
class Offer:
    """A purchase mode as the order page shows it: priced when available, else the reason."""

    mode: PurchaseMode
    quote: Quote | None
    reason: Reason | None = None


def _now_naive() -> dt.datetime:
    return clock.to_utc_naive(clock.now())


ENROLMENT_REQUIRED = Reason("enrolment_required", "请先报名：选择年度、级别和培训机构，确认报名后再缴费。")


def _enrolment_to_pay(user: User, year: int) -> tuple[bool, Enrolment | None]:
    """(whether the region enrols before paying, the learner's current enrolment of ``year``)."""
    policy = institution_policy(user, year)
    enrolment = current_enrolment(user, year)
    return bool(policy is not None and policy.enrol_then_pay), enrolment


def _cart(rules, user: User, year: int, mode: str, facts, enrolment: Enrolment | None) -> Cart:
    """The cart a mode prices: the plan's courses not yet opened (a course paid once is never
    sold again), and the enrolment where there is one."""
    institution = enrolment.institution if enrolment is not None else None
    return Cart(
        region=rules.code, year=year, mode=mode, learner=facts, items=plan_items(user.id, year, unopened_only=True),
        institution=institution.name if institution is not None else None,
        level=enrolment.level if institution is not None else None,
    )


def offers(user: User, year: int) -> list[Offer]:
    """Every purchase mode of the learner's region for ``year``, priced from the study plan (and
    the enrolment, where the region enrols before paying)."""
    rules = rules_for(user.region or "")
    facts = facts_for(user, year)
    enrol_first, enrolment = _enrolment_to_pay(user, year)
    # A learner the region refuses is told why on every mode, instead of an order button that
    # create_order would refuse (the same rule: rules.eligibility).
    eligibility = rules.eligibility(facts, year)
    refusal = None if eligibility.allowed else eligibility.reasons[0]
    found = []
    for mode in rules.purchase_modes(facts, year):
        if refusal is not None:
            found.append(Offer(mode, None, refusal))
            continue
        if not mode.available:
            found.append(Offer(mode, None, mode.reason or Reason("mode_unavailable", f"{mode.name}不可用。")))
            continue
        if enrol_first and (enrolment is None or enrolment.institution_id is None):
            found.append(Offer(mode, None, ENROLMENT_REQUIRED))
            continue
        cart = _cart(rules, user, year, mode.code, facts, enrolment)
        try:
            found.append(Offer(mode, rules.quote(cart)))
        except RuleError as error:
            found.append(Offer(mode, None, Reason(error.code, error.message)))
    return found


def _new_number() -> str:
    stamp = clock.now().astimezone(clock.SHANGHAI).strftime("%Y%m%d%H%M%S")
    return f"{stamp}{secrets.randbelow(10**6):06d}"


def require_eligible(user: User, year: int, facts=None) -> None:
    """Raise the region's first reason when ``user`` may not study in ``year``: checked when an
    order is made and again before any payment (a collection may be rejected in between)."""
    from . import years

    years.require_counting(user.region or "", year, "缴费")
    facts = facts if facts is not None else facts_for(user, year)
    eligibility = rules_for(user.region or "").eligibility(facts, year)
    if not eligibility.allowed:
        first = eligibility.reasons[0]
        raise RuleError(first.code, first.message)


#: Joins the codes of the modes one order buys together (``public+professional``).
MODE_JOIN = "+"


def modes_of(order_mode: str) -> list[str]:
    """The purchase mode codes an order's ``mode`` names (several for a combined order)."""
    return order_mode.split(MODE_JOIN)


def create_order(user: User, year: int, mode_code: str) -> Order:
    """Price the learner's cart in ``mode_code`` and fix the price on a new pending order.

    ``mode_code`` may name several modes joined by ``+`` (``public+professional``): one order
    buys them together, when each is ``combinable`` (one 确认购买, one payment); its lines are
    each mode's quote in turn. A ¥0 order is paid at once, without a payment step. Reuses the
    learner's open order for the same year and modes instead of making a second one.
    """
    region = user.region or ""
    rules = rules_for(region)
    facts = facts_for(user, year)
    require_eligible(user, year, facts)
    modes = {mode.code: mode for mode in rules.purchase_modes(facts, year)}
    if not modes:
        raise RuleError("free_region", "本地区学习免费，无需缴费。")
    wanted = list(dict.fromkeys(code for code in (mode_code or "").split(MODE_JOIN) if code))
    chosen = [modes.get(code) for code in wanted]
    if not chosen or None in chosen:
        raise RuleError("unknown_purchase_mode", "没有这种购买方式。")
    enrol_first, enrolment = _enrolment_to_pay(user, year)
    if len(chosen) > 1 and (enrol_first or not all(mode.combinable for mode in chosen)):
        raise RuleError("modes_not_combinable", "所选购买方式不能合并为一个订单，请分别购买。")
    for mode in chosen:
        if not mode.available:
            reason = mode.reason or Reason("mode_unavailable", f"{mode.name}不可用。")
            raise RuleError(reason.code, reason.message)
    # The region's order, whatever order the learner ticked them in.
    chosen.sort(key=lambda mode: list(modes).index(mode.code))
    mode_code = MODE_JOIN.join(mode.code for mode in chosen)
    if enrol_first and (enrolment is None or enrolment.institution_id is None):
        raise RuleError(ENROLMENT_REQUIRED.code, ENROLMENT_REQUIRED.message)
    expire_due()
    if enrol_first:
        # The order pays this enrolment: one paid order per enrolment, whatever the mode.
        paid = select(Order.id).where(Order.enrolment_id == enrolment.id, Order.status == "paid")
        if enrolment.status != "selected" or db.session.scalar(paid.limit(1)) is not None:
            raise RuleError("already_paid", "该报名已缴费，无需重复缴费。")
    mine = select(Order).where(Order.user_id == user.id, Order.year == year)
    if enrol_first:
        mine = mine.where(Order.enrolment_id == enrolment.id)
    open_orders = db.session.scalars(mine.where(Order.status == "pending")).all()
    for open_order in open_orders:
        if open_order.mode == mode_code:
            return open_order
    for open_order in open_orders:
        # A mode waiting in another unpaid order (alone or combined) is not ordered twice.
        for mode in chosen:
            if mode.code in modes_of(open_order.mode):
                raise RuleError("order_pending", f"{mode.name}已在未支付的订单{open_order.number}中，请先支付或取消该订单。")
    paid_modes = {code for order in db.session.scalars(mine.where(Order.status == "paid")) for code in modes_of(order.mode)}
    quotes = []
    for mode in chosen:
        already_paid = RuleError("already_paid", f"您已购买{year}年度{mode.name}，无需重复购买。")
        bought = mode.code in paid_modes
        try:
            quote = rules.quote(_cart(rules, user, year, mode.code, facts, enrolment))
        except RuleError:
            if bought:
                raise already_paid from None
            raise
        # The same mode again only for what it would open anew: courses selected after a credit
        # purchase (学分购买) are bought in a second order; a year or a package is never paid twice.
        if bought and not entitlement.would_open(user, year, quote):
            raise already_paid
        quotes.append((mode, quote))
    ttl = int(current_app.config.get("CPE_ORDER_TTL_MINUTES", DEFAULT_TTL_MINUTES))
    order = Order(
        number=_new_number(),
        user_id=user.id,
        region=region,
        year=year,
        mode=mode_code,
        total_fen=sum(quote.total_fen for _mode, quote in quotes),
        status="pending",
        locks_courses=any(quote.locks_courses or mode.locks_courses for mode, quote in quotes),
        enrolment_id=enrolment.id if enrol_first else None,
        expires_at=clock.to_utc_naive(clock.now() + dt.timedelta(minutes=ttl)),
    )
    courses = {item.sku: item.course_id for item in plan_items(user.id, year)}
    for line in (line for _mode, quote in quotes for line in quote.lines):
        order.lines.append(
            OrderLine(
                sku=line.sku,
                description=line.description[:200],
                quantity=line.quantity,
                unit_price_fen=line.unit_price_fen,
                amount_fen=line.amount_fen,
                course_id=courses.get(line.sku),
                opens_year=line.opens_year,
                opens_kind=line.opens_kind,
            )
        )
    db.session.add(order)
    if not enrol_first:  # an enrolment order pays the enrolment the learner made
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
        raise RecordNotFound("order_not_found", "没有找到该订单。")
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
    open_payments = db.session.execute(
        select(Payment.provider, Payment.provider_ref).where(Payment.order_id == order.id, Payment.status == "pending")
    ).all()
    db.session.execute(
        update(Payment).where(Payment.order_id == order.id, Payment.status == "pending").values(status="failed", open_key=None)
    )
    if order.enrolment_id is None:  # an enrolment stays until the learner cancels it
        _release_enrolment(order)
    db.session.commit()
    for provider_code, merchant_ref in open_payments:  # after the commit: no lock held while asking
        close_at_provider(provider_code, merchant_ref)
    db.session.refresh(order)
    return order


def cancel_unpaid_orders_of(enrolment: Enrolment) -> None:
    """Cancel the enrolment's unpaid orders and close their open payments, then the enrolment
    itself, in the caller's transaction; raises ``enrolment_paid`` (after rolling back) when it
    was paid meanwhile. The order rows are locked before the enrolment row, in the same order
    as :func:`_mark_paid`, so the two never deadlock."""
    pending_ids = list(db.session.scalars(
        select(Order.id).where(Order.enrolment_id == enrolment.id, Order.status == "pending")
    ))
    if pending_ids:
        db.session.execute(
            update(Order).where(Order.id.in_(pending_ids), Order.status == "pending").values(status="cancelled")
        )
        db.session.execute(
            update(Payment).where(Payment.order_id.in_(pending_ids), Payment.status == "pending")
            .values(status="failed", open_key=None)
        )
    result = db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.status == "selected")
        .values(status="cancelled").execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise RuleError("enrolment_paid", "该报名已缴费，不能取消；如需更换机构请先申请退费，退费后自动取消报名。")


def _release_enrolment(order: Order) -> None:
    """After a refund or a cancellation: release the enrolment and the locked courses, and
    close what the order no longer pays for."""
    _release(order)
    entitlement.refresh(order.user_id, order.year)
    handover.follow_orders(order)


def _release(order: Order) -> None:
    if order.enrolment_id is not None:
        # A refund of an enrolment's order cancels that enrolment (退费后自动取消报名).
        db.session.execute(
            update(Enrolment).where(Enrolment.id == order.enrolment_id).values(status="cancelled")
        )
        return
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


#: Where a learner pays (``PaymentRequest.client``).
CLIENTS = ("desktop", "mobile", "mini_program")


def close_at_provider(provider_code: str, merchant_ref: str | None) -> None:
    """Ask the provider to close an unpaid payment we gave up (best effort: a provider that
    cannot close it still has the order's expiry time, and money that arrives anyway is
    refunded as a duplicate)."""
    provider = regions().payment_providers().get(provider_code)
    close = getattr(provider, "close", None)
    if close is None or not merchant_ref:
        return
    try:
        close(merchant_ref)
    except PaymentProviderError as error:
        log.warning("closing %s at %s failed: %s", merchant_ref, provider_code, error)


def start_payment(user: User, number: str, provider_code: str, *, client: str = "desktop", payer_ip: str = "",
                  payer_openid: str = "") -> tuple[Payment, PaymentInstruction]:
    """Open (or reopen) the order's one payment with ``provider_code`` and say where to pay.

    ``client`` is where the learner pays (a computer, a phone's browser, the mini-program:
    :data:`CLIENTS`); the provider chooses its QR code, phone page or mini-program payment from
    it. A failing provider leaves the order payable: the payment is closed and a RuleError with
    a clear message is raised.
    """
    if client not in CLIENTS:
        raise RuleError("invalid_choice", "支付终端应为 desktop、mobile 或 mini_program。")
    order = order_for(user, number)
    if order.status != "pending":
        raise RuleError("not_payable", f"该订单{STATUS_LABELS.get(order.status, order.status)}，不能支付。")
    require_eligible(user, order.year)
    provider = rules_for(order.region).payment_provider(provider_code)
    payment = db.session.scalar(select(Payment).where(Payment.open_key == order.id))
    if payment is not None and payment.provider != provider_code:
        payment.status, payment.open_key = "failed", None
        given_up = (payment.provider, payment.provider_ref)
        db.session.commit()
        close_at_provider(*given_up)
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
        client=client, payer_ip=payer_ip, payer_openid=payer_openid, region=order.region,
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
    with db.session.begin_nested() as savepoint:
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
        if order.enrolment_id is not None:
            # Only a live, unpaid enrolment can be paid: not one cancelled, nor one paid already.
            enrolled = db.session.execute(
                update(Enrolment).where(Enrolment.id == order.enrolment_id, Enrolment.status == "selected")
                .values(status="paid").execution_options(synchronize_session=False)
            )
            if enrolled.rowcount != 1:
                savepoint.rollback()
                db.session.expire(order)
                return False
    if order.enrolment_id is None:
        _enrol(order, "paid")
    course_ids = [line.course_id for line in order.lines if line.course_id]
    if order.locks_courses and course_ids:
        db.session.execute(
            update(StudyPlanItem)
            .where(StudyPlanItem.user_id == order.user_id, StudyPlanItem.course_id.in_(course_ids))
            .values(locked=True)
        )
    entitlement.refresh(order.user_id, order.year)  # what the order's lines cover opens now
    handover.follow_orders(order)  # a hub's enrolment handed over here is paid now
    return True


def settle(payment_id: int, transaction_id: str = "") -> bool:
    """Record that ``payment_id`` was paid; True if this call made its order paid. Commits.

    The call that moves the payment to ``succeeded`` and the one that makes the order paid are
    the same transaction, so when that payment did not pay the order (another payment did, or
    the order can no longer be paid) it is known for certain here: a refund of it is opened in
    the same transaction and carried out through the provider after the commit.
    """
    payment = db.session.get(Payment, payment_id)
    moved = db.session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status.in_(("pending", "failed")))
        .values(status="succeeded", settled_at=_now_naive(), open_key=None)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    won = _mark_paid(payment.order_id)
    refund_id = None
    if moved and not won:
        order = db.session.get(Order, payment.order_id)
        log.error("order %s: payment %s arrived but does not pay it (order %s): refunding it",
                  order.number, payment.provider_ref, order.status)
        refund = Refund(order_id=order.id, payment_id=payment.id, kind="duplicate", amount_fen=payment.amount_fen,
                        reason="重复支付，自动退款", status="approved", decided_at=_now_naive())
        db.session.add(refund)
        db.session.flush()
        refund_id = refund.id
    db.session.commit()
    if refund_id is None and not won:
        refund_id = _claim_failed_duplicate(payment_id)  # a repeated notification retries it
    if refund_id is not None:
        refund_duplicate(refund_id)
    return won


def _claim_failed_duplicate(payment_id: int) -> int | None:
    refund_id = db.session.scalar(
        select(Refund.id).where(Refund.payment_id == payment_id, Refund.kind == "duplicate", Refund.status == "failed")
    )
    if refund_id is None:
        return None
    claimed = db.session.execute(
        update(Refund).where(Refund.id == refund_id, Refund.status == "failed").values(status="approved")
    )
    db.session.commit()
    return refund_id if claimed.rowcount == 1 else None


def refund_duplicate(refund_id: int) -> Refund:
    """Refund through its provider the payment of duplicate refund ``refund_id`` (status
    ``approved``, claimed by the caller), then mark both refunded and audit it; a failing
    provider leaves the refund ``failed`` (retried by a repeated notification or by
    ``cpe orders refund-duplicates``). The provider's refund reference is the payment's own
    (``D<payment id>``), so a retried call can never refund twice. Commits."""
    refund = db.session.get(Refund, refund_id)
    payment = db.session.get(Payment, refund.payment_id)
    order = db.session.get(Order, refund.order_id)
    provider = regions().payment_providers().get(payment.provider)
    try:
        if provider is None:
            raise PaymentProviderError("该支付方式已停用。")
        provider.refund(payment.provider_ref or "", f"D{payment.id}", refund.amount_fen)
    except PaymentProviderError as error:
        log.error("refund of duplicate payment %s of order %s failed: %s", payment.provider_ref, order.number, error)
        db.session.execute(update(Refund).where(Refund.id == refund.id, Refund.status == "approved").values(status="failed"))
        audit.record("payment.duplicate_refund_failed", f"order:{order.number}", region=order.region,
                     after={"payment": payment.provider_ref, "error": str(error)})
        db.session.commit()
        db.session.refresh(refund)
        return refund
    db.session.execute(update(Refund).where(Refund.id == refund.id).values(status="refunded", decided_at=_now_naive()))
    db.session.execute(update(Payment).where(Payment.id == payment.id).values(status="refunded"))
    audit.record("payment.duplicate_refund", f"order:{order.number}", region=order.region,
                 before={"payment": payment.provider_ref, "status": "succeeded"},
                 after={"status": "refunded", "amount_fen": refund.amount_fen, "refund_ref": f"D{payment.id}"})
    db.session.commit()
    log.info("duplicate payment %s of order %s refunded", payment.provider_ref, order.number)
    db.session.refresh(refund)
    return refund


def retry_duplicate_refunds() -> int:
    """Try again every duplicate refund whose provider call failed; returns how many were
    refunded now. Run by ``cpe orders refund-duplicates`` (cron)."""
    done = 0
    for payment_id in list(db.session.scalars(
        select(Refund.payment_id).where(Refund.kind == "duplicate", Refund.status == "failed")
    )):
        claimed = _claim_failed_duplicate(payment_id)
        if claimed is not None and refund_duplicate(claimed).status == "refunded":
            done += 1
    return done


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
        # No payment left to ask about: a notification may have just settled it, after the
        # order was read above. Answer with the order as it is now, not as it was.
        db.session.refresh(order)
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
    "format_fen", "handle_notification", "offers", "order_for", "orders_of", "payments_of", "refund_duplicate",
    "retry_duplicate_refunds", "settle", "start_payment",
]
