"""Exam attempts: the drawn paper, saved answers and the score."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, created_at


class ExamAttempt(Model):
    """One sitting. ``deadline_at`` is set by the server at start; ``status`` is ``open`` or
    ``closed``; ``question_ids`` fixes the paper so answers outside it are refused."""

    __tablename__ = "exam_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer)
    question_ids: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[dt.datetime] = created_at()
    deadline_at: Mapped[dt.datetime] = mapped_column(DateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column()

    answers: Mapped[list[ExamAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )


class ExamAnswer(Model):
    __tablename__ = "exam_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempt.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    choice: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[dt.datetime] = created_at()

    attempt: Mapped[ExamAttempt] = relationship(back_populates="answers")
