"""Study cards (学习卡): prepaid cards for one region and year.

Staff generate a batch; each card's secret (密码) is shown once, on the page that generated it,
and stored only as a Werkzeug hash. A learner pays a pending order of the card's region and year
with number and secret; a card works once.
"""
from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..extensions import db
from ..labels import N_
from ..models import Order, Payment, StudyCard, User
from ..regions import RuleError, rules_for
from . import audit
from .orders import _mark_paid, order_for, require_eligible
from .paging import PAGE_SIZE, Page, cut

MAX_BATCH = 500
#: Card secrets are random (about 60 bits), so a moderate key stretch is enough and keeps a
#: batch of 500 quick to generate.
DEFAULT_HASH_METHOD = "pbkdf2:sha256:20000"
SECRET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off a printed card
STATUS_LABELS = {"active": N_("未使用"), "used": N_("已使用"), "void": N_("已作废")}


@dataclass(frozen=True)
class IssuedCard:
    number: str
    secret: str


def _hash(secret: str) -> str:
    return generate_password_hash(secret, method=current_app.config.get("CPE_CARD_HASH_METHOD", DEFAULT_HASH_METHOD))


def generate_batch(staff: User, region: str, year: int, count: int) -> tuple[str, list[IssuedCard]]:
    """Create ``count`` cards for ``region`` and ``year``; returns the batch code and the
    secrets, which exist nowhere else afterwards."""
    rules_for(region).requirements(year)  # refuses a year the region does not run
    if not 1 <= count <= MAX_BATCH:
        raise RuleError("bad_count", f"每批可生成1至{MAX_BATCH}张学习卡。")
    stamp = clock.now().astimezone(clock.SHANGHAI).strftime("%Y%m%d%H%M%S")
    batch = f"B{stamp}{secrets.randbelow(1000):03d}"
    issued = []
    for _ in range(count):
        number = f"{year}{secrets.randbelow(10**10):010d}"
        secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(12))
        db.session.add(StudyCard(region=region, year=year, batch=batch, number=number, secret_hash=_hash(secret)))
        issued.append(IssuedCard(number, secret))
    audit.record("card_batch.generate", f"study_card_batch:{batch}", actor=staff, region=region,
                 after={"year": year, "count": count})
    db.session.commit()
    return batch, issued


def batches(region: str, *, before: str | None = None, limit: int = PAGE_SIZE) -> Page[tuple[str, int, int, int]]:
    """(batch, year, cards, used) per batch of ``region``, newest first, a page of batches
    named before ``before``: counted from the index on (region, batch, year, status) alone."""
    query = select(StudyCard.batch, StudyCard.year, func.count(), func.sum((StudyCard.status == "used").cast(db.Integer)))
    query = query.where(StudyCard.region == region)
    if before:
        query = query.where(StudyCard.batch < before)
    rows = db.session.execute(
        query.group_by(StudyCard.batch, StudyCard.year).order_by(StudyCard.batch.desc(), StudyCard.year.desc())
        .limit(limit + 1)
    )
    return cut([(b, y, n, int(used or 0)) for b, y, n, used in rows], limit, lambda row: row[0])


def export_csv(region: str, batch: str) -> str:
    """The batch's cards (numbers and statuses, never secrets) as UTF-8 CSV with a BOM for Excel."""
    cards = db.session.scalars(
        select(StudyCard).where(StudyCard.region == region, StudyCard.batch == batch).order_by(StudyCard.id)
    ).all()
    if not cards:
        raise RuleError("batch_not_found", "没有这个批次。")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["卡号", "年度", "批次", "状态", "使用时间"])
    for card in cards:
        used = clock.shanghai_text(card.used_at)
        writer.writerow([card.number, card.year, card.batch, STATUS_LABELS.get(card.status, card.status), used])
    return out.getvalue()


def void(staff: User, region: str, number: str) -> StudyCard:
    """Void an unused card of ``region`` (a card of another region is not found)."""
    card = db.session.scalar(select(StudyCard).where(StudyCard.region == region, StudyCard.number == number.strip()))
    if card is None:
        raise RuleError("card_not_found", "没有这张学习卡。")
    result = db.session.execute(
        update(StudyCard).where(StudyCard.id == card.id, StudyCard.status == "active").values(status="void")
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise RuleError("card_not_active", f"该学习卡{STATUS_LABELS.get(card.status, card.status)}，不能作废。")
    audit.record("study_card.void", f"study_card:{card.number}", actor=staff, region=region,
                 before={"status": "active"}, after={"status": "void"})
    db.session.commit()
    db.session.refresh(card)
    return card


WRONG = RuleError("card_invalid", "学习卡卡号或密码错误。")


def activate(user: User, order_number: str, number: str, secret: str) -> Order:
    """Pay the learner's pending order with a card of its region and year (once)."""
    order = order_for(user, order_number)
    if order.status != "pending":
        raise RuleError("not_payable", "只有待支付的订单可以使用学习卡。")
    require_eligible(user, order.year)
    number, secret = number.strip(), secret.strip().upper()
    card = db.session.scalar(select(StudyCard).where(StudyCard.region == order.region, StudyCard.number == number))
    if card is None:
        elsewhere = db.session.scalar(select(StudyCard.id).where(StudyCard.number == number).limit(1))
        if elsewhere is not None:
            raise RuleError("card_wrong_region", "该学习卡不适用于本地区。")
        raise WRONG
    if not check_password_hash(card.secret_hash, secret):
        raise WRONG
    if card.status == "used":
        raise RuleError("card_used", "该学习卡已使用。")
    if card.status == "void":
        raise RuleError("card_void", "该学习卡已作废。")
    if card.year != order.year:
        raise RuleError("card_wrong_year", f"该学习卡仅适用于{card.year}年度。")
    now = clock.to_utc_naive(clock.now())
    taken = db.session.execute(
        update(StudyCard)
        .where(StudyCard.id == card.id, StudyCard.status == "active")
        .values(status="used", used_by=user.id, used_for_order=order.id, used_at=now)
    )
    if taken.rowcount != 1:
        db.session.rollback()
        raise RuleError("card_used", "该学习卡已使用。")
    db.session.execute(
        update(Payment).where(Payment.order_id == order.id, Payment.status == "pending").values(status="failed", open_key=None)
    )
    db.session.add(Payment(order_id=order.id, provider="study_card", provider_ref=f"CARD{card.number}",
                           amount_fen=order.total_fen, status="succeeded", settled_at=now))
    if not _mark_paid(order.id):
        db.session.rollback()
        raise RuleError("not_payable", "只有待支付的订单可以使用学习卡。")
    db.session.commit()
    db.session.refresh(order)
    return order
