"""Studying: enrolment at an institution, the study plan and chapter progress."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, created_at
from .catalogue import Chapter, Course, Institution


class Enrolment(Model):
    """A learner's enrolment for a year (institution and level where the region has them).

    ``status``: ``selected`` (may still be cancelled), ``paid``, ``cancelled``, ``completed``.
    """

    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    level: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="selected")
    created_at: Mapped[dt.datetime] = created_at()

    institution: Mapped[Institution | None] = relationship()


class StudyPlanItem(Model):
    """A course in a learner's plan (个人教学计划). Removing sets ``removed_at``; the row and the
    chapter progress stay, so adding the course again restores the learning record."""

    __tablename__ = "study_plan_item"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    year: Mapped[int] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[dt.datetime] = created_at()
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: When the course opened for study (a paid order line covers it, or the region's study is
    #: free); None: not opened, nothing of it can be studied. Written only by
    #: :mod:`cpe_core.services.entitlement`, read by the heartbeat's access query.
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    course: Mapped[Course] = relationship()


class ChapterProgress(Model):
    """Server-side progress of one chapter: the furthest point played continuously and when the
    video and the exercise were completed."""

    __tablename__ = "chapter_progress"
    __table_args__ = (UniqueConstraint("user_id", "chapter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"))
    watched_seconds: Mapped[int] = mapped_column(Integer, default=0)
    last_heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    watched_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    exercise_passed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: Exercise submissions so far: the next exercise's questions are drawn for this number
    #: (see ``services.learning.exercise_questions``).
    exercise_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    chapter: Mapped[Chapter] = relationship()


class CheckIn(Model):
    """A learner's daily sign-in (我的签到): one per Asia/Shanghai day."""

    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created_at()
