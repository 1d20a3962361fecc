"""Money: orders priced by the region, payments, refunds, study cards and invoices.

Every amount is integer fen. An order's lines and total are fixed when the order is created.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, created_at


class Order(Model):
    """``status``: ``pending``, ``paid``, ``cancelled``, ``expired``, ``refunded``."""

    __tablename__ = "order"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(32))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    locks_courses: Mapped[bool] = mapped_column(default=False)
    #: The enrolment (报名) this order pays, where the region enrols before paying
    #: (``InstitutionPolicy.enrol_then_pay``); None for orders that buy the year directly.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id"), index=True)
    created_at: Mapped[dt.datetime] = created_at()
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    enrolment = relationship("Enrolment")


class OrderLine(Model):
    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    #: What the line opens once its order is paid, as the region's quote declared it
    #: (``hookspecs.QuoteLine``): the whole year, every course of one kind, or (neither) only
    #: ``course_id``. Read by :mod:`cpe_core.services.entitlement` alone.
    opens_year: Mapped[bool] = mapped_column(default=False, server_default=false())
    opens_kind: Mapped[str | None] = mapped_column(String(32))

    order: Mapped[Order] = relationship(back_populates="lines")


class Payment(Model):
    """One attempt to pay an order through a provider. At most one is ``pending`` per order
    (the unique ``open_key`` holds the order id while pending), so a double click cannot create
    two. ``status``: ``pending``, ``succeeded``, ``failed``, ``refunded``."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    open_key: Mapped[int | None] = mapped_column(Integer, unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[dt.datetime] = created_at()
    settled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Refund(Model):
    """``status``: ``requested``, ``approved``, ``rejected``, ``refunded``, ``failed``.

    ``kind``: ``request`` (the learner asked, staff decide) or ``duplicate`` (a payment that
    arrived for an order already paid, or no longer payable, refunded automatically). A payment
    is refunded at most once: ``payment_id`` is unique.
    """

    __tablename__ = "refund"
    #: The dashboard's count of refund requests waiting.
    __table_args__ = (Index("ix_refund_kind_status", "kind", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="request", server_default="request")
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="requested")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = created_at()
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class StudyCard(Model):
    """A prepaid card (学习卡) for one region and year; the secret is stored hashed only."""

    __tablename__ = "study_card"
    #: The batches page groups a region's cards by batch, newest first, from the index alone.
    __table_args__ = (UniqueConstraint("region", "number"), Index("ix_study_card_batches", "region", "batch", "year", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    batch: Mapped[str] = mapped_column(String(32), index=True)
    number: Mapped[str] = mapped_column(String(32))
    secret_hash: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active")
    used_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    used_for_order: Mapped[int | None] = mapped_column(ForeignKey("order.id"))
    created_at: Mapped[dt.datetime] = created_at()
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Invoice(Model):
    """An electronic invoice (发票); ``status``: ``requested``, ``issued``, ``sent`` (every
    delivery the learner chose went out). ``delivery``: ``email``, ``sms`` (a time-limited link
    to the PDF texted to ``phone``, the phone on file when requested) or ``both``."""

    __tablename__ = "invoice"
    #: The dashboard's count of invoices waiting.
    __table_args__ = (Index("ix_invoice_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(18))
    email: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="requested")
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[dt.datetime] = created_at()
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    delivery: Mapped[str] = mapped_column(String(8), default="email", server_default="email")
    phone: Mapped[str | None] = mapped_column(String(20))
    emailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    texted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ReconciliationRun(Model):
    """One reconciliation (对账) of one provider's bill for one day (Asia/Shanghai) against our
    payments and refunds. ``status``: ``ok`` (no difference), ``differences`` or ``failed`` (the
    bill could not be read: ``error`` says why, and the next run tries again). ``differences``
    is a JSON list, one object per differing payment or refund: ``merchant_ref``, ``kind``
    (``payment``, ``refund``), ``problem`` (``missing_here``: the provider has it and we do not;
    ``missing_there``: we have it and the bill does not; ``amount``; ``status``), ``ours_fen``,
    ``theirs_fen``, ``ours_status``, ``theirs_status``, ``refund_ref`` and ``region`` (our order's,
    empty when we know no such payment). A run of the same day and provider replaces the last."""

    __tablename__ = "reconciliation_run"
    __table_args__ = (UniqueConstraint("day", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    provider: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    checked: Mapped[int] = mapped_column(Integer, default=0)
    differences: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str] = mapped_column(String(500), default="")
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime)
