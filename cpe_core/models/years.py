"""What a region's admin set on the 年度设置 page: one row per changed value of a programme year.

A value the admin never changed has no row: the plugin's declared default applies, so a new
year needs no data. ``value`` is JSON: an ISO date or datetime string, an integer, or null for
an optional value the admin cleared.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class YearSettingValue(Model):
    __tablename__ = "year_setting_value"
    __table_args__ = (UniqueConstraint("region", "year", "key", name="uq_year_setting_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(48))
    value: Mapped[Any] = mapped_column(JSON(none_as_null=False), nullable=True)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: Naive UTC by the app's clock.
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
