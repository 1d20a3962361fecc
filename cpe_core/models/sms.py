"""One-time SMS codes (短信验证码) for password reset: stored hashed, expiring, single use; and
the per-phone daily quota of codes sent."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class SmsCode(Model):
    __tablename__ = "sms_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    purpose: Mapped[str] = mapped_column(String(16), default="reset")
    code_hash: Mapped[str] = mapped_column(String(128))
    #: Naive UTC by the app's clock (not the database's), so tests can move time.
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SmsQuota(Model):
    """Codes sent to one phone on one Asia/Shanghai day: one row, so the daily limit is taken
    with a conditional UPDATE of it (counting ``sms_code`` rows, then inserting, let concurrent
    requests all see room for one more)."""

    __tablename__ = "sms_quota"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    sent: Mapped[int] = mapped_column(Integer, default=0)
