"""Image-captcha challenges handed to API clients (``POST /api/v1/captcha``).

API clients have no cookie session, so the challenge lives here: the answer only as a keyed
hash, with an expiry and a single use. The site keeps its challenges in the session instead.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class CaptchaChallenge(Model):
    __tablename__ = "captcha_challenge"

    #: A random, unguessable token given to the client (not a counter: ids must not be guessable).
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(128))
    #: Naive UTC by the app's clock (not the database's), so tests can move time.
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
