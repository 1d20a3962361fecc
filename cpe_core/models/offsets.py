"""Offset and hour applications (学分抵免, 学时申请) and their evidence files."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, created_at


class OffsetApplication(Model):
    """``status``: ``draft``, ``submitted``, ``approved``, ``rejected``. ``credits`` is the value
    the region's rules gave when it was submitted; the ledger is written on approval."""

    __tablename__ = "offset_application"
    #: The review queue, newest submission first, with or without a status (keyset paging).
    __table_args__ = (
        Index("ix_offset_application_queue", "region", "status", "submitted_at", "id"),
        Index("ix_offset_application_submitted", "region", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    offset_type: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    credits: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = created_at()
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    attachments: Mapped[list[OffsetAttachment]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )


class OffsetAttachment(Model):
    """An evidence file, stored outside the web root under a random ``storage_key``."""

    __tablename__ = "offset_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("offset_application.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)

    application: Mapped[OffsetApplication] = relationship(back_populates="attachments")
