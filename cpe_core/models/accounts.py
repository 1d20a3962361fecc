"""People: users of every role and a learner's profile in one region."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, created_at


class User(UserMixin, Model):
    """An account. ``region`` is None only for a deployment-wide ``site_admin``.

    ``login`` is what the region signs in with (ID number, member number or a staff name) and
    is unique within the region, so the same person can hold accounts in two regions.
    """

    __tablename__ = "user"
    __table_args__ = (UniqueConstraint("region", "login"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str | None] = mapped_column(String(32), index=True)
    login: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    password_hash: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = created_at()

    profile: Mapped[LearnerProfile | None] = relationship(back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.is_active_account

    @property
    def is_staff(self) -> bool:
        return self.role in ("reviewer", "admin", "site_admin")

    def may_administer(self, region: str) -> bool:
        return self.role == "site_admin" or (self.role == "admin" and self.region == region)

    def may_review(self, region: str) -> bool:
        return self.may_administer(region) or (self.role == "reviewer" and self.region == region)


class LearnerProfile(Model):
    """What info collection (信息采集) and registration recorded about a learner.

    ``details`` keeps the region's extra, step-by-step form answers; ``collection_status`` is
    ``draft``, ``submitted`` or ``approved``.
    """

    __tablename__ = "learner_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    member_number: Mapped[str | None] = mapped_column(String(32), index=True)
    member_type: Mapped[str | None] = mapped_column(String(32))
    qualification_level: Mapped[str | None] = mapped_column(String(32))
    qualified_year: Mapped[int | None] = mapped_column(Integer)
    work_start_year: Mapped[int | None] = mapped_column(Integer)
    employer: Mapped[str | None] = mapped_column(String(128))
    collection_region: Mapped[str | None] = mapped_column(String(32))
    collection_area: Mapped[str | None] = mapped_column(String(64))
    collection_status: Mapped[str] = mapped_column(String(16), default="draft")
    is_student: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User] = relationship(back_populates="profile")
