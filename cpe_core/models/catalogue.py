"""What is taught: institutions, courses, chapters and their questions."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model


class Institution(Model):
    """A school (培训机构 / 网校 / 国家会计学院) of a region; ``level`` for level-based choice."""

    __tablename__ = "institution"
    __table_args__ = (UniqueConstraint("region", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[str | None] = mapped_column(String(32))
    #: What 查看 shows and where 进入网校 leads (the institution's own site).
    url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    introduction: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact: Mapped[str] = mapped_column(String(200), default="", server_default="")
    fees: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: SHA-256 of the bearer token the institution pushes credit registrations with (学分登记);
    #: None: it may not push. Set by ``cpe institutions token``; the token itself is never stored.
    push_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class Course(Model):
    """A course of a region's catalogue for one year. ``credits`` are in the region's unit."""

    __tablename__ = "course"
    __table_args__ = (UniqueConstraint("region", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    credits: Mapped[int] = mapped_column(Integer)
    lecturer: Mapped[str] = mapped_column(String(64), default="")
    #: The subject category (课程分类) the course is listed under, e.g. 行政事业; "" for none.
    category: Mapped[str] = mapped_column(String(32), default="", server_default="")
    introduction: Mapped[str] = mapped_column(Text, default="")
    preview_url: Mapped[str | None] = mapped_column(String(255))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))

    institution: Mapped[Institution | None] = relationship()
    chapters: Mapped[list[Chapter]] = relationship(
        back_populates="course", order_by="Chapter.position", cascade="all, delete-orphan"
    )


class Chapter(Model):
    __tablename__ = "chapter"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    video_url: Mapped[str | None] = mapped_column(String(255))
    duration_seconds: Mapped[int] = mapped_column(Integer)
    handout_url: Mapped[str | None] = mapped_column(String(255))
    #: An uploaded handout file (see ``services.handouts``): its key in the upload storage, the
    #: name it was uploaded under (shown, never used as a path), its type and size. It takes
    #: precedence over ``handout_url``.
    handout_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    handout_filename: Mapped[str | None] = mapped_column(String(255))
    handout_content_type: Mapped[str | None] = mapped_column(String(128))
    handout_size: Mapped[int | None] = mapped_column(Integer)

    course: Mapped[Course] = relationship(back_populates="chapters")
    questions: Mapped[list[Question]] = relationship(
        back_populates="chapter", order_by="Question.id", cascade="all, delete-orphan"
    )


class Question(Model):
    """A single-choice or true/false question; ``answer`` is the index into ``options``."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"), index=True)
    question_type: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON)
    answer: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str] = mapped_column(Text, default="")

    chapter: Mapped[Chapter] = relationship(back_populates="questions")
