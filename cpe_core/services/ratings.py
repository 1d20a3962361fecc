"""Ratings (评价): learners give 1 to 5 stars and a comment to what their region lets them rate
(``cpe_rating_policy``): a course of the year they studied, or the institution of their
enrolment. One rating per learner, item and year, changed in place; the course page shows the
average. Staff of the region may hide a comment, with a reason (audited); its stars still count.

The site and ``/api/v1`` call the functions here; errors are :class:`RuleError` (stable code,
Chinese message) or :class:`.identity.InvalidInput` for bad text.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..extensions import db
from ..models import Chapter, ChapterProgress, Course, Enrolment, Institution, Rating, User
from ..regions import RuleError, rules_for
from .not_found import RecordNotFound
from ..transactions import begin_write
from . import audit
from .input_rules import check_text

STARS = range(1, 6)
REASON_MAX = 200
MSG_NOT_RATEABLE = "本地区不开放此项评价。"
MSG_NOT_STUDIED = "学习过该课程后才能评价。"
MSG_NOT_ENROLLED = "报名该培训机构后才能评价。"
MSG_STARS = "请选择1至5星。"
MSG_REASON = "请填写隐藏原因。"
MSG_NOT_FOUND = "没有找到该评价。"


@dataclass(frozen=True)
class Summary:
    """An item's ratings: the average stars (one decimal; None when unrated), how many, and the
    comments shown (newest first; hidden ones only when asked for staff)."""

    average: float | None
    count: int
    ratings: list[Rating]


def _now():
    return clock.to_utc_naive(clock.now())


def find_course(region: str, course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or course.region != region:
        raise RecordNotFound("course_not_found", "没有找到该课程。")
    return course


def _allowed(region: str, target: str, year: int) -> None:
    if target not in rules_for(region).rating_policy(year).targets:
        raise RuleError("not_rateable", MSG_NOT_RATEABLE)


def _studied(user: User, course: Course) -> bool:
    return bool(db.session.scalar(select(exists().where(
        ChapterProgress.user_id == user.id, ChapterProgress.watched_seconds > 0,
        ChapterProgress.chapter_id == Chapter.id, Chapter.course_id == course.id,
    ))))


def may_rate(user: User | None, target: str, target_id: int, year: int | None = None) -> int:
    """The year ``user`` may rate item ``target``/``target_id`` for, else :class:`RuleError`
    (``not_rateable``, ``not_studied``, ``not_enrolled``). A course's year is its own; an
    institution's is ``year`` (the enrolment's)."""
    if user is None or user.role != "learner":
        raise RuleError("learners_only", "只有学员可以评价。")
    if target == "course":
        course = find_course(user.region, target_id)
        _allowed(user.region, target, course.year)
        if not _studied(user, course):
            raise RuleError("not_studied", MSG_NOT_STUDIED)
        return course.year
    if target == "institution":
        institution = db.session.get(Institution, target_id)
        if institution is None or institution.region != user.region or year is None:
            raise RecordNotFound("institution_not_found", "没有找到该培训机构。")
        _allowed(user.region, target, year)
        enrolled = db.session.scalar(select(exists().where(
            Enrolment.user_id == user.id, Enrolment.institution_id == target_id, Enrolment.year == year,
            Enrolment.status != "cancelled",
        )))
        if not enrolled:
            raise RuleError("not_enrolled", MSG_NOT_ENROLLED)
        return year
    raise RuleError("not_rateable", MSG_NOT_RATEABLE)


def rate(user: User, target: str, target_id: int, stars, comment: str = "", year: int | None = None) -> Rating:
    """Give or change ``user``'s rating of the item for its year; commits.

    One row per learner, item and year whatever the race: an INSERT ... ON CONFLICT DO UPDATE
    on the unique key, so two concurrent first ratings end as one, the later winning.
    """
    year = may_rate(user, target, target_id, year)
    if isinstance(stars, bool) or not isinstance(stars, int) or stars not in STARS:
        raise RuleError("invalid_stars", MSG_STARS)
    comment = check_text("评价内容", (comment or "").strip(),
                         rules_for(user.region).rating_policy(year).comment_max)
    user_id, region, now = user.id, user.region, _now()
    begin_write()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Rating).values(
        region=region, user_id=user_id, target=target, target_id=target_id, year=year, stars=stars,
        comment=comment, rated_at=now, updated_at=now,
    )
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "target", "target_id", "year"],
        set_={"stars": stars, "comment": comment, "updated_at": now},
    ))
    db.session.commit()
    return mine(user, target, target_id, year)


def mine(user: User | None, target: str, target_id: int, year: int) -> Rating | None:
    if user is None:
        return None
    return db.session.scalar(select(Rating).where(
        Rating.user_id == user.id, Rating.target == target, Rating.target_id == target_id, Rating.year == year,
    ))


def summary(target: str, target_id: int, *, with_hidden: bool = False) -> Summary:
    """The item's average over every year's ratings (hidden comments' stars included)."""
    where = (Rating.target == target, Rating.target_id == target_id)
    average, count = db.session.execute(select(func.avg(Rating.stars), func.count(Rating.id)).where(*where)).one()
    shown = select(Rating).where(*where)
    if not with_hidden:
        shown = shown.where(Rating.hidden_at.is_(None), Rating.comment != "")
    ratings = list(db.session.scalars(shown.order_by(Rating.updated_at.desc(), Rating.id.desc())))
    return Summary(round(float(average), 1) if average is not None else None, count, ratings)


#: Comments listed per institution on 查看 and 培训机构评价 (the newest; the average counts all).
COMMENTS_SHOWN = 20


def institutions_rated(region: str, *, with_hidden: bool = False) -> list[tuple[Institution, Summary]]:
    """Each institution of ``region`` with its :func:`summary` (查看 and 培训机构评价), in three
    queries whatever the number of institutions, the newest :data:`COMMENTS_SHOWN` comments each."""
    schools = db.session.scalars(select(Institution).where(Institution.region == region).order_by(Institution.id)).all()
    ids = [school.id for school in schools]
    rated = Rating.target == "institution", Rating.target_id.in_(ids)
    averages = {target_id: (average, count) for target_id, average, count in db.session.execute(
        select(Rating.target_id, func.avg(Rating.stars), func.count(Rating.id)).where(*rated).group_by(Rating.target_id))}
    newest = func.row_number().over(partition_by=Rating.target_id,
                                    order_by=(Rating.updated_at.desc(), Rating.id.desc())).label("n")
    shown = select(Rating.id, newest).where(*rated)
    if not with_hidden:
        shown = shown.where(Rating.hidden_at.is_(None), Rating.comment != "")
    shown = shown.subquery()
    comments: dict[int, list[Rating]] = {school_id: [] for school_id in ids}
    for rating in db.session.scalars(select(Rating).join(shown, shown.c.id == Rating.id)
                                     .where(shown.c.n <= COMMENTS_SHOWN)
                                     .order_by(Rating.updated_at.desc(), Rating.id.desc())):
        comments[rating.target_id].append(rating)
    found = []
    for school in schools:
        average, count = averages.get(school.id, (None, 0))
        found.append((school, Summary(round(float(average), 1) if average is not None else None, count,
                                      comments[school.id])))
    return found


def hide(staff: User, rating_id: int, reason: str) -> Rating:
    """Hide a rating's comment from everyone but staff, saying why; audited; commits."""
    rating = db.session.get(Rating, rating_id)
    if rating is None or not staff.may_review(rating.region):
        raise RecordNotFound("rating_not_found", MSG_NOT_FOUND)
    reason = check_text("隐藏原因", (reason or "").strip(), REASON_MAX)
    if not reason:
        raise RuleError("reason_required", MSG_REASON)
    if rating.hidden_at is not None:
        return rating
    begin_write()
    rating = db.session.get(Rating, rating_id)
    rating.hidden_at, rating.hidden_by_id, rating.hidden_reason = _now(), staff.id, reason
    audit.record("rating.hidden", f"rating:{rating.id}", actor=staff, region=rating.region,
                 before={"hidden": False}, after={"hidden": True, "reason": reason})
    db.session.commit()
    return rating


def as_json(rating: Rating, *, staff: bool = False) -> dict:
    data = {
        "id": rating.id, "target": rating.target, "target_id": rating.target_id, "year": rating.year,
        "stars": rating.stars, "comment": rating.comment if rating.hidden_at is None or staff else "",
        "hidden": rating.hidden_at is not None, "updated_at": clock.from_utc_naive(rating.updated_at).isoformat(),
    }
    if staff or rating.hidden_at is not None:
        data["hidden_reason"] = rating.hidden_reason
    return data
