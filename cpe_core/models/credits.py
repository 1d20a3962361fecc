"""The credit ledger, what is reported to authorities, and certificates."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, created_at


class CreditRecord(Model):
    """One entry of a learner's ledger for a year. ``source`` says where it came from
    (``course``, ``offset``, ``exam``, ``import``) and ``source_id`` which row; the unique key
    makes every source write at most once, so a retry can never count credits twice."""

    __tablename__ = "credit_record"
    __table_args__ = (UniqueConstraint("user_id", "year", "source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    credits: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = created_at()


class CreditReview(Model):
    """A learner-year's credits reviewed and merged (审核、合并) by the region's staff, for
    regions whose exam opens only after that (``ExamPolicy.credit_review``). ``credits`` is the
    total the reviewer confirmed; one review per learner and year."""

    __tablename__ = "credit_review"
    __table_args__ = (UniqueConstraint("user_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    credits: Mapped[int] = mapped_column(Integer)
    merged_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    merged_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PastRecord(Model):
    """A continuing-education record kept before this platform (往年继续教育), imported by staff:
    whose (ID number and name), which year, what (type, content, score or credits), its status,
    and the stages it passed (``steps``: ``{"stage", "status", "at", "remark"}`` in order)."""

    __tablename__ = "past_record"
    __table_args__ = (UniqueConstraint("region", "id_number", "year", "cpe_type", "content"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    cpe_type: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(32), default="")
    area: Mapped[str] = mapped_column(String(64), default="")
    study_mode: Mapped[str] = mapped_column(String(32), default="")
    steps: Mapped[list] = mapped_column(JSON, default=list)
    imported_at: Mapped[dt.datetime] = created_at()


class CreditPush(Model):
    """A learner-year sent to a provincial platform. ``idempotency_key`` is sent with every
    try so the receiver never records it twice; ``status`` follows the region's statuses.
    ``content_hash`` is the digest of the record the receiver accepted: when the learner's
    record changes afterwards, ``version`` goes up and the new content is sent under a new key."""

    __tablename__ = "credit_push"
    #: The second: the progress page's latest failures, found among a province's records.
    __table_args__ = (UniqueConstraint("region", "user_id", "year"),
                      Index("ix_credit_push_failures", "region", "status", "updated_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    year: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    content_hash: Mapped[str | None] = mapped_column(String(64))
    #: The version and digest the receiver last accepted (what it holds as the latest record
    #: while a newer version waits), so a change undone after a refused try can go back to it.
    accepted_version: Mapped[int | None] = mapped_column(Integer)
    accepted_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_response: Mapped[str | None] = mapped_column(Text)
    next_try_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = created_at()


class Certificate(Model):
    """An issued certificate (合格证 / 学时证明). ``fields`` holds exactly what was printed, so
    the verification page shows the same; ``sha256`` is the digest of the issued PDF."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(String(128), unique=True)
    fields: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = created_at()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ProgressSnapshot(Model):
    """A region-year's progress counts (complete / in progress / not started) as a background
    job last computed them (:mod:`cpe_core.services.progress`): the dashboard reads this one
    row and shows ``computed_at``, rather than aggregating a province's ledger per request."""

    __tablename__ = "progress_snapshot"
    __table_args__ = (UniqueConstraint("region", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    complete: Mapped[int] = mapped_column(Integer)
    in_progress: Mapped[int] = mapped_column(Integer)
    not_started: Mapped[int] = mapped_column(Integer)
    #: Naive UTC, when the counts were taken, and how long taking them took (milliseconds).
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
