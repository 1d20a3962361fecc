"""Reconciliation (对账): each payment provider's bill of a day against our payments and refunds.

For every enabled provider that offers a bill (``bill(day)``, see :mod:`hookspecs.types`), a
run compares, by the provider's merchant reference (our ``Payment.provider_ref``) and refund
reference (``R<refund id>`` for a refund staff approved, ``D<payment id>`` for a duplicate
payment refunded automatically):

- a payment or refund on the bill that we do not have (``missing_here``), or have in another
  state (``status``: e.g. still pending here), or for another amount (``amount``);
- a payment we settled that day, or a refund we carried out that day, missing from the bill
  (``missing_there``).

A payment settled just before midnight may appear on the provider's bill of the next day: one
on the bill that we settled on another day, for the same amount, is not a difference.

A run is stored per day and provider (``ReconciliationRun``), replacing the previous one, so
``cpe reconcile`` and the daily beat job may run as often as they like. The region's admin sees
the differences of their region's orders (and those no order claims, of the providers serving
it) on ``/<region>/admin/reconciliation``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from hookspecs import BillEntry, PaymentProviderError

from .. import clock
from ..extensions import db
from ..labels import N_
from ..models import Order, Payment, ReconciliationRun, Refund
from ..regions import regions, rules_for

log = logging.getLogger("cpe.payments.reconciliation")
SETTLED = ("succeeded", "refunded")
PROBLEM_LABELS = {
    "missing_here": N_("支付平台有、本系统无"),
    "missing_there": N_("本系统有、支付平台无"),
    "amount": N_("金额不符"),
    "status": N_("状态不符"),
}
RUN_LABELS = {"ok": N_("一致"), "differences": N_("有差异"), "failed": N_("账单获取失败")}


@dataclass(frozen=True)
class Difference:
    merchant_ref: str
    kind: str
    problem: str
    ours_fen: int | None = None
    theirs_fen: int | None = None
    ours_status: str = ""
    theirs_status: str = ""
    refund_ref: str = ""
    region: str = ""


def _window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = clock.start_of_day(day)
    return clock.to_utc_naive(start), clock.to_utc_naive(start + dt.timedelta(days=1))


def _region_of(payment: Payment | None) -> str:
    if payment is None:
        return ""
    return db.session.scalar(select(Order.region).where(Order.id == payment.order_id)) or ""


def _refund_ref(refund: Refund) -> str:
    return f"D{refund.payment_id}" if refund.kind == "duplicate" else f"R{refund.id}"


def compare(code: str, day: dt.date, bill: list[BillEntry]) -> list[Difference]:
    """The differences between provider ``code``'s ``bill`` of ``day`` and our records."""
    start, end = _window(day)
    ours = {p.provider_ref: p for p in db.session.scalars(
        select(Payment).where(Payment.provider == code, Payment.status.in_(SETTLED),
                              Payment.settled_at >= start, Payment.settled_at < end))}
    found: list[Difference] = []
    billed = {e.merchant_ref: e for e in bill if e.kind == "payment"}
    for ref, entry in billed.items():
        payment = ours.get(ref) or db.session.scalar(
            select(Payment).where(Payment.provider == code, Payment.provider_ref == ref))
        region = _region_of(payment)
        if payment is None:
            found.append(Difference(ref, "payment", "missing_here", None, entry.amount_fen, "", entry.status))
        elif payment.status not in SETTLED or entry.status != "paid":
            found.append(Difference(ref, "payment", "status", payment.amount_fen, entry.amount_fen, payment.status,
                                    entry.status, region=region))
        elif payment.amount_fen != entry.amount_fen:
            found.append(Difference(ref, "payment", "amount", payment.amount_fen, entry.amount_fen, payment.status,
                                    entry.status, region=region))
    for ref, payment in ours.items():
        if ref not in billed:
            found.append(Difference(ref or "", "payment", "missing_there", payment.amount_fen, None, payment.status,
                                    region=_region_of(payment)))

    refunds = db.session.execute(
        select(Refund, Payment).join(Payment, Payment.id == Refund.payment_id)
        .where(Payment.provider == code, Refund.status == "refunded", Refund.decided_at >= start, Refund.decided_at < end)
    ).all()
    our_refunds = {(payment.provider_ref, _refund_ref(refund)): (refund, payment) for refund, payment in refunds}
    billed_refunds = {(e.merchant_ref, e.refund_ref): e for e in bill if e.kind == "refund"}
    for key, entry in billed_refunds.items():
        mine = our_refunds.get(key)
        if mine is None:
            payment = db.session.scalar(select(Payment).where(Payment.provider == code, Payment.provider_ref == key[0]))
            found.append(Difference(key[0], "refund", "missing_here", None, entry.amount_fen, "", entry.status,
                                    refund_ref=key[1], region=_region_of(payment)))
        elif mine[0].amount_fen != entry.amount_fen:
            found.append(Difference(key[0], "refund", "amount", mine[0].amount_fen, entry.amount_fen, mine[0].status,
                                    entry.status, refund_ref=key[1], region=_region_of(mine[1])))
    for key, (refund, payment) in our_refunds.items():
        if key not in billed_refunds:
            found.append(Difference(key[0] or "", "refund", "missing_there", refund.amount_fen, None, refund.status,
                                    refund_ref=key[1], region=_region_of(payment)))
    return found


def reconcile(day: dt.date) -> list[ReconciliationRun]:
    """Reconcile every provider that offers a bill, for ``day``; the stored runs. Commits."""
    runs = []
    for code, provider in sorted(regions().payment_providers().items()):
        bill = getattr(provider, "bill", None)
        if bill is None:
            continue
        status, error, differences, checked = "ok", "", [], 0
        try:
            entries = bill(day)
            checked = len(entries)
            differences = compare(code, day, entries)
            status = "differences" if differences else "ok"
        except PaymentProviderError as failure:
            status, error = "failed", str(failure)[:500]
            log.warning("reconciliation of %s for %s failed: %s", code, day, failure)
        for difference in differences:
            log.warning("reconciliation %s %s: %s %s %s (ours %s, theirs %s)", code, day, difference.kind,
                        difference.merchant_ref, difference.problem, difference.ours_fen, difference.theirs_fen)
        db.session.execute(delete(ReconciliationRun).where(ReconciliationRun.day == day, ReconciliationRun.provider == code))
        run = ReconciliationRun(day=day, provider=code, status=status, checked=checked, error=error,
                                differences=json.dumps([asdict(d) for d in differences], ensure_ascii=False),
                                finished_at=clock.to_utc_naive(clock.now()))
        db.session.add(run)
        db.session.commit()
        runs.append(run)
    return runs


def reconcile_due() -> dict[str, str]:
    """The daily job: reconcile yesterday (Asia/Shanghai) for each provider not yet reconciled
    without failure (a bill is ready only the next morning: a failed run is tried again)."""
    day = clock.today_in_shanghai() - dt.timedelta(days=1)
    done = {row.provider: row.status for row in db.session.scalars(
        select(ReconciliationRun).where(ReconciliationRun.day == day, ReconciliationRun.status != "failed"))}
    db.session.rollback()
    if all(code in done for code, p in regions().payment_providers().items() if getattr(p, "bill", None)):
        return done
    return {run.provider: run.status for run in reconcile(day)}


def differences_of(run: ReconciliationRun) -> list[dict]:
    return json.loads(run.differences or "[]")


def for_region(region: str, days: int = 31) -> list[tuple[ReconciliationRun, list[dict]]]:
    """The recent runs of the providers serving ``region``, each with the differences of this
    region's orders and those no order claims."""
    serving = {p.code for p in rules_for(region).payment_providers()}
    since = clock.today_in_shanghai() - dt.timedelta(days=days)
    runs = db.session.scalars(select(ReconciliationRun).where(ReconciliationRun.day >= since)
                              .order_by(ReconciliationRun.day.desc(), ReconciliationRun.provider))
    found = []
    for run in runs:
        mine = [d for d in differences_of(run) if d.get("region") == region or (not d.get("region") and run.provider in serving)]
        if run.provider in serving or mine:
            found.append((run, mine))
    return found
