"""Signed, timed tokens (itsdangerous) stamped and aged by the app's clock
(:mod:`cpe_core.clock`), like every other deadline: API tokens, 进入网校 hand-overs, invoice
links. itsdangerous takes the time from its signer, so the clock is given there."""
from __future__ import annotations

from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from .. import clock


class AppClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def timed_serializer(salt: str) -> URLSafeTimedSerializer:
    """A serializer signing with the app's secret key under ``salt``, on the app's clock."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=AppClockSigner)
