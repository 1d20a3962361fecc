"""Image-captcha challenges, for API clients (``POST /api/v1/captcha``) and the site
(``/<region>/captcha.png``, whose session cookie holds only the id).

The answer only as a keyed hash, with an expiry and a single use: the server, not a cookie the
client could read or replay, knows the answer and whether it was used.
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
