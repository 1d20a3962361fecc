"""Ratings (评价): a learner's stars and comment on an item the region lets them rate."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class Rating(Model):
    """One learner's rating of one item (``target``: ``course`` or ``institution``, with its id)
    for one year; edited in place. Staff hiding the comment keeps the stars in the average."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("user_id", "target", "target_id", "year"),
        Index("ix_rating_target", "target", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    target: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: Naive UTC by the app's clock.
    rated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    hidden_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
