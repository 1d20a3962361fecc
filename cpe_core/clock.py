"""Time, in one place: deadlines are in Asia/Shanghai and tests need to move the clock.

The app's clock lives in ``app.extensions["cpe_clock"]``; services ask :func:`now` rather than
``datetime.now`` so a test can set the time with :class:`FixedClock`.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

SHANGHAI = ZoneInfo("Asia/Shanghai")


class SystemClock:
    """The real time, timezone-aware in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class FixedClock:
    """A clock that stands still until moved (tests set it with ``CPE_CLOCK``)."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)


def now() -> dt.datetime:
    """The current instant (aware) by the app's clock."""
    return current_app.extensions["cpe_clock"].now()


def today_in_shanghai() -> dt.date:
    """Today's calendar date in Asia/Shanghai, the date every deadline is written in."""
    return now().astimezone(SHANGHAI).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in Asia/Shanghai."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in Asia/Shanghai (deadlines are inclusive)."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)


def to_utc_naive(instant: dt.datetime) -> dt.datetime:
    """How instants are stored: naive UTC, identical on SQLite and PostgreSQL."""
    return instant.astimezone(dt.timezone.utc).replace(tzinfo=None)


def from_utc_naive(stored: dt.datetime) -> dt.datetime:
    return stored.replace(tzinfo=dt.timezone.utc)


#: How pages and exports write an instant: Shanghai wall time to the minute.
MINUTES = "%Y-%m-%d %H:%M"
SECONDS = "%Y-%m-%d %H:%M:%S"


def shanghai_text(instant: dt.datetime | None, pattern: str = MINUTES) -> str:
    """``instant`` as Asia/Shanghai wall time for people: every time a page or an export file
    shows goes through here (the Jinja filter ``shanghai``). A naive value is a stored one
    (naive UTC, see :func:`to_utc_naive`); None gives ``""``."""
    if instant is None:
        return ""
    if instant.tzinfo is None:
        instant = from_utc_naive(instant)
    return instant.astimezone(SHANGHAI).strftime(pattern)
