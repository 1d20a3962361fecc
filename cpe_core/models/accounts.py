"""People: users of every role and a learner's profile in one region."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, created_at

#: Between the user id and the session token in :meth:`User.get_id` (tokens are URL-safe base64).
ID_SEPARATOR = ":"


class User(UserMixin, Model):
    """An account. ``region`` is None only for a deployment-wide ``site_admin``.

    ``login`` is what the region signs in with (ID number, member number or a staff name) and
    is unique within the region, so the same person can hold accounts in two regions.

    ``session_token`` is the account's one live session (:mod:`cpe_core.services.sessions`):
    made at sign-in, carried by the session cookie (:meth:`get_id`) and API tokens, None when
    signed out. ``study_counted_until`` is the learner's study clock: the instant up to which
    heartbeats of any chapter have counted time (:mod:`cpe_core.services.learning`).
    """

    __tablename__ = "user"
    __table_args__ = (
        UniqueConstraint("region", "login"),
        # Staff search a province's learners by exact phone (:mod:`cpe_core.services.learner_search`)
        # and by part of a name: trigram GIN indexes on PostgreSQL (pg_trgm, migration 0022),
        # which serve ``LIKE``; other databases get plain indexes and scan. The second holds
        # only names of 4 characters or more: a part of two characters in the middle of a name
        # has no trigram of its own, and is looked for there (see the search service).
        Index("ix_user_phone", "phone"),
        Index("ix_user_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        Index("ix_user_long_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"},
              postgresql_where=text("length(name) >= 4")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str | None] = mapped_column(String(32), index=True)
    login: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    password_hash: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str | None] = mapped_column(String(32))
    study_counted_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = created_at()
    #: When the learner closed the account (naive UTC); the retention job anonymises what the
    #: closure kept once ``CPE_RETAIN_CLOSED_ACCOUNT_DAYS`` have passed.
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)

    profile: Mapped[LearnerProfile | None] = relationship(back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.is_active_account

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the account and its live session,
        ``"<id>:<session_token>"`` (Flask-Login's "alternative id"), so a cookie dies with its
        session (see :meth:`read_id`)."""
        return f"{self.id}{ID_SEPARATOR}{self.session_token or ''}"

    @staticmethod
    def read_id(alternative_id: str) -> tuple[int, str] | None:
        """``(user id, session token)`` of a :meth:`get_id` value, None if it is not one."""
        number, separator, token = str(alternative_id).partition(ID_SEPARATOR)
        if not separator or not token or not number.isascii() or not number.isdigit():
            return None
        return int(number), token

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
    #: The collection queue (信息采集 waiting for a reviewer), in learner order.
    __table_args__ = (Index("ix_learner_profile_collection_status", "collection_status", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    member_number: Mapped[str | None] = mapped_column(String(32), index=True)
    member_type: Mapped[str | None] = mapped_column(String(32))
    qualification_level: Mapped[str | None] = mapped_column(String(32))
    qualified_year: Mapped[int | None] = mapped_column(Integer)
    work_start_year: Mapped[int | None] = mapped_column(Integer)
    employer: Mapped[str | None] = mapped_column(String(128))
    #: 主管部门: the finance bureau in charge of the learner (e.g. 和平区财政局), where asked.
    department: Mapped[str | None] = mapped_column(String(64))
    collection_region: Mapped[str | None] = mapped_column(String(32))
    collection_area: Mapped[str | None] = mapped_column(String(64))
    collection_status: Mapped[str] = mapped_column(String(16), default="draft")
    is_student: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User] = relationship(back_populates="profile")


class WechatBinding(Model):
    """A WeChat mini-program identity (the ``openid`` WeChat gives for ``app_id``) bound to a
    learner's account of ``region``: once bound, the mini-program signs in with a ``wx.login``
    code alone. One WeChat identity per account of a region, one account per identity."""

    __tablename__ = "wechat_binding"
    __table_args__ = (
        UniqueConstraint("region", "app_id", "openid", name="uq_wechat_binding_identity"),
        UniqueConstraint("user_id", "app_id", name="uq_wechat_binding_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    region: Mapped[str] = mapped_column(String(32))
    app_id: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64))
    bound_at: Mapped[dt.datetime] = mapped_column(DateTime)
