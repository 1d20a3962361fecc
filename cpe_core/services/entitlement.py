"""Entitlement: which courses a learner may study. Decided here and nowhere else.

A course opens for study only through a paid order line that covers it, or because study is
free by the region's rule (its ``cpe_purchase_modes`` offers this learner nothing for the year).
What a line covers is the region's declaration on its quote (:class:`hookspecs.QuoteLine`),
stored on the order line:

- ``opens_year``: every course of the order's year in its region;
- ``opens_kind``: every course of that subject kind in the order's year;
- otherwise only ``course_id``: the plan course whose sku the line carries (a credit purchase);
  a line with none of these opens nothing.

An order covers nothing unless it is ``paid`` and the enrolment it pays (报名后缴费), if any, is
not cancelled: a refund, which makes the order ``refunded`` and cancels its enrolment, closes
again what it opened.

The decision is kept where study reads it: ``StudyPlanItem.opened_at``, written only by
:func:`refresh`. Every path that changes it calls :func:`refresh` in its own transaction: an
order paid (``orders._mark_paid``, the one way any order becomes paid: provider notification,
return page, ¥0 order, study card, enrolment order), a refund approved, a course added to the
plan. Why a stored column rather than an EXISTS the heartbeat embeds: the rule needs the
region's hook (free study), which SQL cannot call, and the heartbeat, the hottest request, then
reads one more column of the plan row it already joins, not a rule.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update

from .. import clock
from ..extensions import db
from ..models import Course, Enrolment, Order, OrderLine, StudyPlanItem, User
from ..regions import RuleError, rules_for
from .carts import plan_items
from .learners import facts_for

NOT_OPENED_CODE = "course_not_opened"
NOT_OPENED_MESSAGE = "该课程尚未开通，请先缴费开通该课程。"


def not_opened() -> RuleError:
    """The refusal for a course in the plan that is not opened (``course_not_opened``)."""
    return RuleError(NOT_OPENED_CODE, NOT_OPENED_MESSAGE)


@dataclass(frozen=True)
class Cover:
    """What one paid order line opens (see the module docstring)."""

    region: str
    year: int
    course_id: int | None
    opens_year: bool
    opens_kind: str | None

    def covers(self, course: Course) -> bool:
        if course.region != self.region or course.year != self.year:
            return False
        if self.opens_year:
            return True
        if self.opens_kind is not None:
            return course.kind == self.opens_kind
        return self.course_id == course.id


def _live(order_query):
    """Only orders that open anything: paid, and their enrolment (if any) not cancelled."""
    return (
        order_query.outerjoin(Enrolment, Enrolment.id == Order.enrolment_id)
        .where(Order.status == "paid", or_(Order.enrolment_id.is_(None), Enrolment.status != "cancelled"))
    )


def _covers_of(user_id: int, year: int, order_id: int | None = None) -> list[Cover]:
    query = _live(
        select(Order.region, Order.year, OrderLine.course_id, OrderLine.opens_year, OrderLine.opens_kind)
        .select_from(Order).join(OrderLine, OrderLine.order_id == Order.id)
    ).where(Order.user_id == user_id, Order.year == year)
    if order_id is not None:
        query = query.where(Order.id == order_id)
    return [Cover(*row) for row in db.session.execute(query)]


def is_free(user: User, year: int) -> bool:
    """Whether study is free for ``user`` in ``year`` by the region's rule: its purchase modes
    offer nothing (a region that sells nothing, e.g. one whose institutes are paid elsewhere)."""
    return not rules_for(user.region or "").purchase_modes(facts_for(user, year), year)


def refresh(user: User | int, year: int) -> None:
    """Recompute which of the learner's plan courses of ``year`` are open, in the caller's
    transaction (the caller commits). Idempotent: a course already open keeps its time."""
    user = user if isinstance(user, User) else db.session.get(User, user)
    rows = db.session.execute(
        select(StudyPlanItem.id, StudyPlanItem.opened_at, Course)
        .join(Course, Course.id == StudyPlanItem.course_id)
        .where(StudyPlanItem.user_id == user.id, StudyPlanItem.year == year)
    ).all()
    if not rows:
        return
    covers = _covers_of(user.id, year)
    free: bool | None = None  # asked of the region only when some course is not paid for
    opening, closing = [], []
    for item_id, opened_at, course in rows:
        is_open = any(cover.covers(course) for cover in covers)
        if not is_open:
            if free is None:
                free = is_free(user, year)
            is_open = free
        if is_open and opened_at is None:
            opening.append(item_id)
        elif not is_open and opened_at is not None:
            closing.append(item_id)
    if opening:
        db.session.execute(
            update(StudyPlanItem).where(StudyPlanItem.id.in_(opening), StudyPlanItem.opened_at.is_(None))
            .values(opened_at=clock.to_utc_naive(clock.now())).execution_options(synchronize_session=False)
        )
    if closing:
        db.session.execute(
            update(StudyPlanItem).where(StudyPlanItem.id.in_(closing))
            .values(opened_at=None).execution_options(synchronize_session=False)
        )
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, StudyPlanItem) and loaded.id in opening + closing:
            db.session.expire(loaded, ["opened_at"])  # a plan item already loaded reads the new state


def refresh_all(region: str | None = None) -> int:
    """:func:`refresh` every learner-year that has a plan (of ``region``, or every region);
    commit. Returns how many learner-years were recomputed (``cpe orders refresh-entitlements``)."""
    query = select(StudyPlanItem.user_id, StudyPlanItem.year).distinct()
    if region is not None:
        query = query.join(User, User.id == StudyPlanItem.user_id).where(User.region == region)
    pairs = db.session.execute(query.order_by(StudyPlanItem.user_id, StudyPlanItem.year)).all()
    for user_id, year in pairs:
        refresh(user_id, year)
        db.session.commit()
    return len(pairs)


def would_open(user: User, year: int, quote) -> bool:
    """Whether paying ``quote`` would open a plan course of ``year`` that is not open yet, its
    lines read as :func:`refresh` reads paid ones (:class:`Cover`)."""
    items = plan_items(user.id, year, unopened_only=True)
    by_sku = {item.sku: item.course_id for item in items}
    courses = db.session.scalars(select(Course).where(Course.id.in_(list(by_sku.values())))).all()
    covers = [Cover(user.region or "", year, by_sku.get(line.sku), line.opens_year, line.opens_kind)
              for line in quote.lines]
    return any(cover.covers(course) for cover in covers for course in courses)


def is_opened(user_id: int, course_id: int) -> bool:
    """Whether the course is open for this learner (read from the plan, as the heartbeat does)."""
    return db.session.scalar(
        select(StudyPlanItem.id).where(
            StudyPlanItem.user_id == user_id, StudyPlanItem.course_id == course_id, StudyPlanItem.opened_at.is_not(None)
        ).limit(1)
    ) is not None


def opened_clause():
    """A WHERE clause for queries joining :class:`StudyPlanItem`: only opened courses."""
    return StudyPlanItem.opened_at.is_not(None)


@dataclass(frozen=True)
class Opened:
    """What a paid order opened, as its page shows it."""

    #: The learner's current plan courses this order opens (and which are open).
    courses: list[Course]
    #: Besides single courses, the order opens the whole year (True) ...
    year: bool = False
    #: ... or every course of these kinds in the year.
    kinds: tuple[str, ...] = ()


def opened_by(order: Order) -> Opened:
    """The courses ``order`` opened: nothing unless it is paid (and its enrolment live)."""
    covers = _covers_of(order.user_id, order.year, order.id)
    if not covers:
        return Opened([])
    items = db.session.scalars(
        select(Course).join(StudyPlanItem, StudyPlanItem.course_id == Course.id)
        .where(StudyPlanItem.user_id == order.user_id, StudyPlanItem.year == order.year,
               StudyPlanItem.removed_at.is_(None), opened_clause())
        .order_by(Course.kind, Course.id)
    ).all()
    return Opened(
        courses=[course for course in items if any(cover.covers(course) for cover in covers)],
        year=any(cover.opens_year for cover in covers),
        kinds=tuple(sorted({cover.opens_kind for cover in covers if cover.opens_kind and not cover.opens_year})),
    )
