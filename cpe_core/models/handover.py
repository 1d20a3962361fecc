"""Institutions of a hub region: hand-overs to an institution served by the same deployment
(进入网校 without a second registration) and the credit registrations institutions send back."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, created_at


class Handover(Model):
    """One signed hand-over from a hub enrolment to the institution's region. ``nonce`` is in the
    signed token and is spent by the one redemption that sets ``used_at``; ``target_user_id`` is
    the account it signed in there, which later links that account's payments to the enrolment."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    source_user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    target_region: Mapped[str] = mapped_column(String(32))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[dt.datetime] = created_at()
    #: Naive UTC by the app's clock; None until redeemed.
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class CreditRegistration(Model):
    """A learner-year record an institution pushed to its hub (学分登记), under the pusher's
    idempotency key: a retry of the same key is answered 409 and changes nothing; a newer
    version (a new key) replaces the enrolment's registered credits."""

    __tablename__ = "credit_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    #: Credits per kind as registered, e.g. ``{"professional": 60, "public": 30}``.
    credits: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = created_at()
