"""Background jobs (exports, pushes, e-mails, certificate batches): their state lives in the
database, so every web process and every Celery worker, on whatever host, sees the same."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import User
from .base import Model, created_at


class Job(Model):
    """One background job. ``kind`` names what it does (``export``, ``invoice_mail``,
    ``certificates``), ``params`` its JSON-safe arguments; ``status`` is ``queued``, ``running``,
    ``done`` or ``failed``; ``done``/``total`` its progress; ``result`` where its output is (a
    file name under ``CPE_EXPORT_DIR``); ``message`` a summary for staff and ``error`` why it
    failed. A failed job that may be retried has ``next_try_at``."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    region: Mapped[str | None] = mapped_column(String(32), index=True)
    params: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = created_at()
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    creator: Mapped[User | None] = relationship(lazy="joined")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(99, (self.done or 0) * 100 // self.total) if self.total else 0
