"""One-time SMS codes (短信验证码) for password reset: stored hashed, expiring, single use."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
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
