"""Learning: chapter heartbeats, chapter exercises, and earning a course's credits.

Progress lives on the server only. A heartbeat says "the player is at ``position`` seconds";
the server counts at most the real time elapsed since it last counted (so progress can never
run faster than real time, whatever the player claims) and never more than the claimed position
(so seeking past what was watched earns nothing). A claim further ahead than the elapsed time
plus ``CPE_HEARTBEAT_SLACK_SECONDS`` is refused outright.

Real time is the learner's, not the chapter's: besides each chapter's own reference instant,
each learner has a study clock (``User.study_counted_until``), the instant up to which their
heartbeats of any chapter, course, tab or device have counted. A heartbeat counts no more than
the time since that instant and moves it on by what it counted, so two chapters played at once
share the real time instead of both counting it: the total counted never exceeds the
wall-clock time. :func:`_count` is that rule, for every path.

Concurrency: each heartbeat ends in a compare-and-swap on the values it read, the learner's
clock first (:func:`_cas_statements`): two tabs or two chapters heartbeating at once cannot both
count the same seconds: the loser's swap matches no row, it re-reads and finds the time already
consumed. Every heartbeat that counts a second moves the clock, so the clock alone decides.

Speed: the heartbeat is the hottest request of the platform. The usual one (the progress row
exists, the chapter is not finished by it) runs statement by statement, outside a transaction:
one SELECT checks the account (and, on the fast path in front of the app, its session), the
chapter and the plan and reads the progress and the learner's clock, then the compare-and-swap
commits on its own: on PostgreSQL one UPDATE of the progress row that carries the clock's UPDATE
as a CTE; elsewhere the two UPDATEs in one short transaction. The first heartbeat of a chapter
(which creates the row) and the one that finishes it (which may pass the chapter and earn the
course's credits, all or nothing) run in one write transaction, as every other write does.

Durability: only the usual progress-only heartbeat commits without waiting for the disk
(PostgreSQL's ``synchronous_commit`` off, set inside its own statement): a crash may take back a
few seconds of progress, which the next heartbeat counts again. The finishing heartbeat, which
can write the course's credits, commits durably like every other transaction.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import random
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import DateTime, Integer, and_, bindparam, exists, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased

from .. import clock
from ..extensions import db
from ..speed.held_connections import held_connections
from ..models import Chapter, ChapterProgress, Course, Question, StudyPlanItem, User
from ..regions import RuleError
from ..speed import raw_statements
from . import entitlement, ledger, sessions, years

#: Legacy platforms refused a record claiming more than the elapsed time plus 120 s.
DEFAULT_SLACK_SECONDS = 120
#: The most one heartbeat can count, however long ago the previous one was (a paused player
#: resumed after an hour does not bank an hour).
DEFAULT_MAX_STEP_SECONDS = 30
#: Unused real time carried to the next heartbeat, so whole-second rounding loses nothing.
CARRY_SECONDS = 2
#: How often the player sends a heartbeat while playing.
DEFAULT_INTERVAL_SECONDS = 10
#: How often the site's player sends its heartbeat through the site rather than the JSON API.
DEFAULT_ACTIVITY_SECONDS = 60
CAS_TRIES = 5
#: Retries when SQLite reports the database locked by another writer.
LOCK_TRIES = 30


def settings() -> tuple[int, int]:
    config = current_app.config
    return (
        int(config.get("CPE_HEARTBEAT_SLACK_SECONDS", DEFAULT_SLACK_SECONDS)),
        int(config.get("CPE_HEARTBEAT_MAX_STEP_SECONDS", DEFAULT_MAX_STEP_SECONDS)),
    )


def heartbeat_interval() -> int:
    return int(current_app.config.get("CPE_HEARTBEAT_INTERVAL_SECONDS", DEFAULT_INTERVAL_SECONDS))


def player_activity_interval() -> int:
    """How often (seconds) the site's player sends a heartbeat through the site's own URL, which
    stamps the idle sign-out's activity, so a learner watching a long chapter is never signed
    out for idleness. Its other heartbeats go to the JSON API's URL, which the heartbeat gateway
    answers in front of the app. ``CPE_PLAYER_ACTIVITY_SECONDS`` (default 60); it must stay well
    under ``CPE_IDLE_MINUTES``."""
    return int(current_app.config.get("CPE_PLAYER_ACTIVITY_SECONDS", DEFAULT_ACTIVITY_SECONDS))


class AccountRefused(RuleError):
    """The account may not study: ``login_required`` (no such user, or deactivated: as signed
    out) or ``learners_only`` (staff). ``status`` is the HTTP status the API answers."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(code, message)
        self.status = status


@dataclass(frozen=True)
class ChapterAccess:
    """What a heartbeat or an exercise needs to know about a chapter, read in one query."""

    chapter_id: int
    course_id: int
    region: str
    year: int
    position: int
    duration_seconds: int
    unlocked: bool
    #: ``(id, watched_seconds, last_heartbeat_at, watched_at, learner_clock)`` as read with the
    #: access check (``learner_clock``: the learner's ``User.study_counted_until``).
    progress: tuple | None = None


@dataclass(frozen=True)
class HeartbeatResult:
    chapter_id: int
    watched_seconds: int
    duration_seconds: int
    counted_seconds: int
    watched: bool

    def as_dict(self) -> dict:
        return {
            "chapter_id": self.chapter_id,
            "watched_seconds": self.watched_seconds,
            "duration_seconds": self.duration_seconds,
            "counted_seconds": self.counted_seconds,
            "watched": self.watched,
        }


@functools.cache
def _access_statement():
    """Built once: compiling this join on every heartbeat costs more than running it."""
    prev = aliased(Chapter)
    prev_progress = aliased(ChapterProgress)
    user_id, chapter_id = bindparam("user_id"), bindparam("chapter_id")
    # Driven by the user's row, so a missing chapter still answers whether the account may study.
    return (
        select(
            User.is_active_account,
            User.role,
            User.region,
            Chapter.id,
            Chapter.course_id,
            Chapter.position,
            Chapter.duration_seconds,
            Course.region,
            Course.year,
            StudyPlanItem.id,
            prev.id,
            prev_progress.exercise_passed_at,
            ChapterProgress.id,
            ChapterProgress.watched_seconds,
            ChapterProgress.last_heartbeat_at,
            ChapterProgress.watched_at,
            StudyPlanItem.opened_at,  # the entitlement module's decision (services/entitlement.py)
            User.study_counted_until,
            User.session_token,
        )
        .select_from(User)
        .outerjoin(Chapter, Chapter.id == chapter_id)
        .outerjoin(Course, Course.id == Chapter.course_id)
        .outerjoin(
            StudyPlanItem,
            and_(
                StudyPlanItem.course_id == Course.id,
                StudyPlanItem.user_id == user_id,
                StudyPlanItem.removed_at.is_(None),
            ),
        )
        .outerjoin(prev, and_(prev.course_id == Chapter.course_id, prev.position == Chapter.position - 1))
        .outerjoin(prev_progress, and_(prev_progress.chapter_id == prev.id, prev_progress.user_id == user_id))
        .outerjoin(ChapterProgress, and_(ChapterProgress.chapter_id == Chapter.id, ChapterProgress.user_id == user_id))
        .where(User.id == user_id)
    )


def chapter_access(user: User | int, chapter_id: int) -> ChapterAccess:
    """The chapter, checked to be in the learner's current plan and unlocked, in one query
    (which also checks the account and reads the learner's progress on it, for the heartbeat).

    :param user: the learner, or only their id (the API's heartbeat does not load the user).
    A chapter is unlocked when it is the first of its course or the previous chapter's
    exercise was passed (a chapter without questions passes when watched).
    :raises AccountRefused: the user does not exist, is deactivated, or is not a learner.
    :raises RuleError: ``chapter_not_found`` (also another region's), ``chapter_not_in_plan``,
        ``course_not_opened`` (not paid for: see :mod:`.entitlement`).
    """
    user_id = user if isinstance(user, int) else user.id
    # On the session's connection, without the ORM's result machinery (nothing here is an object).
    row = db.session.connection().execute(_access_statement(), {"user_id": user_id, "chapter_id": chapter_id}).first()
    return _access_from_row(row)


def _access_from_row(row, session: str | None = None) -> ChapterAccess:
    """Judge a row of :func:`_access_statement` (see :func:`chapter_access`).

    :param session: the session token a session cookie claims, checked against the account's
        (:func:`sessions.verdict`, the check the app's user loader makes); None when the caller
        has checked the session already.
    """
    if row is None or not row[0]:
        raise AccountRefused("login_required", "请先登录。", 401)
    if session is not None and sessions.verdict(session, row[18], bool(row[0])) != sessions.LIVE:
        raise AccountRefused("login_required", "请先登录。", 401)
    if row[1] != "learner" or not row[2]:
        raise AccountRefused("learners_only", "仅学员可以使用此功能。", 403)
    if row[3] is None or row[7] != row[2]:
        raise RuleError("chapter_not_found", "没有这个章节。")
    if row[9] is None:
        raise RuleError("chapter_not_in_plan", "该课程不在您的学习计划中，请先选课。")
    if row[16] is None:
        raise entitlement.not_opened()
    unlocked = row[10] is None or row[11] is not None
    progress = (*row[12:16], row[17]) if row[12] is not None else None
    return ChapterAccess(row[3], row[4], row[7], row[8], row[5], row[6], unlocked, progress)


def _progress_row(user_id: int, chapter_id: int, create: bool = True) -> tuple | None:
    """``(id, watched_seconds, last_heartbeat_at, watched_at, learner_clock)`` as
    :attr:`ChapterAccess.progress`, creating the row if missing (with ``create``; else None)."""
    query = (
        select(
            ChapterProgress.id,
            ChapterProgress.watched_seconds,
            ChapterProgress.last_heartbeat_at,
            ChapterProgress.watched_at,
            User.study_counted_until,
        )
        .join(User, User.id == ChapterProgress.user_id)
        .where(ChapterProgress.user_id == user_id, ChapterProgress.chapter_id == chapter_id)
    )
    row = db.session.execute(query).first()
    if row is None:
        if not create:
            return None
        try:
            with db.session.begin_nested():
                db.session.add(ChapterProgress(user_id=user_id, chapter_id=chapter_id, watched_seconds=0))
        except IntegrityError:
            pass  # another tab created it first
        row = db.session.execute(query).first()
    return tuple(row)


def heartbeat(user: User | int, chapter_id: int, position: float) -> HeartbeatResult:
    """Record that the learner's player is at ``position`` seconds of the chapter; commit.

    :param user: the learner, or only their id: the account is checked with the chapter (see
        :func:`chapter_access`), so the caller need not load the user first.
    :raises AccountRefused: ``login_required``, ``learners_only``.
    :raises RuleError: ``chapter_not_found``, ``chapter_not_in_plan``, ``chapter_locked``,
        ``invalid_position``, ``heartbeat_too_fast`` (nothing is saved then).
    """
    _check_position(position)
    user_id = user if isinstance(user, int) else user.id
    # What the request read before (the site's signed-in user) is settled: the heartbeat's own
    # statements start afresh, in the mode they need.
    if db.session().in_transaction():
        db.session.commit()
    quick = quick_heartbeat(user_id, chapter_id, position)
    if quick is not None:
        return quick
    _begin(write=False)
    try:
        return _record(user_id, chapter_id, position)
    except BaseException:
        db.session.rollback()  # nothing half saved; the session leaves the single-statement mode
        raise


def _require_unlocked(access: ChapterAccess) -> None:
    if not access.unlocked:
        raise RuleError("chapter_locked", "请先完成上一章的随堂练习。")


def _check_position(position: object) -> None:
    if not isinstance(position, (int, float)) or isinstance(position, bool) or not math.isfinite(position) or position < 0:
        raise RuleError("invalid_position", "播放进度无效。")


def quick_heartbeat(user_id: int, chapter_id: int, position: float,
                    session: str | None = None) -> HeartbeatResult | None:
    """The usual heartbeat (the progress row exists, this one does not finish the chapter), in
    two statements on the connection this thread keeps (:mod:`cpe_core.speed.held_connections`): the
    access SELECT, then the compare-and-swap (:func:`_cas_statements`), each committing on its
    own; no ORM session, no SQLAlchemy execution context (they cost several times what the
    statements do). Needs an app context, not a request.

    :param session: the session token of the caller's session cookie, checked against the
        account's in the access SELECT (:func:`sessions.verdict`); None when the caller checked
        the session already (the app's user loader).
    :returns: None when this heartbeat needs :func:`heartbeat`'s full way: the chapter's first
        or finishing heartbeat, the learner's first, another tab counting first, or an error on
        the connection (which is then closed; nothing was written).
    :raises AccountRefused, RuleError: as :func:`heartbeat` (nothing written); AccountRefused
        ``login_required`` also for a session that is not the account's live one.
    """
    _check_position(position)
    slack, max_step = settings()
    now = clock.to_utc_naive(clock.now())
    engine = db.engine
    select_access, swap = _quick_statements(engine.dialect)
    connections = held_connections(engine)
    held = connections.get()
    try:
        _relax_durability(held)
        row = select_access.fetchone(held, {"user_id": user_id, "chapter_id": chapter_id})
        access = _access_from_row(row, session)
        _require_unlocked(access)
        if access.progress is None or access.progress[4] is None:
            return None
        count = _count(access, access.progress, min(float(position), float(access.duration_seconds)),
                       now, slack, max_step)
        if count.newly_watched:
            return None
        if not raw_statements.run_swap(held, swap, _swap_values(user_id, access.progress, count, now)):
            return None
    except engine.dialect.loaded_dbapi.Error:
        connections.discard()  # gone, or in a state nobody should inherit: the next use opens another
        return None
    return HeartbeatResult(access.chapter_id, count.new_watched, access.duration_seconds, count.advance,
                           count.new_watched >= access.duration_seconds)


def _relax_durability(held) -> None:
    """A held connection runs only the usual, progress-only heartbeat, whose commits need not
    wait for the disk (a crash costs a few seconds of progress, counted again by the next
    heartbeat). On SQLite that is the connection's ``synchronous`` setting, FULL on every other
    connection (see ``cpe_core._sqlite_pragmas``); PostgreSQL relaxes it inside the swap
    statement itself (:func:`_cas_statements`)."""
    if "relaxed" not in held.state:
        if raw_statements.is_sqlite(held):
            held.dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        held.state["relaxed"] = True


def _record(user_id: int, chapter_id: int, position: float) -> HeartbeatResult:
    access = chapter_access(user_id, chapter_id)
    _require_unlocked(access)
    # A chapter's first and finishing heartbeats come this way: study of a year whose period
    # (and make-up time) is over is refused before it can earn anything.
    years.require_counting(access.region, access.year)
    slack, max_step = settings()
    duration = access.duration_seconds
    position = min(float(position), float(duration))
    known = access.progress
    # The first heartbeat of a chapter creates its row; where the swap is two statements, they
    # need a transaction around them.
    write = known is None or len(_cas_statements(db.session.get_bind().dialect.name, False, False)) > 1
    begun = False  # how the session runs now: False statement by statement, True one write transaction
    for attempt in range(CAS_TRIES + LOCK_TRIES):
        try:
            if not db.session().in_transaction():
                begun = None
            if begun != write:
                if begun is not None:
                    db.session.commit()  # ends the run of single statements (nothing to commit)
                _begin(write)
                begun = write
            result = _try_heartbeat(user_id, access, position, slack, max_step, known, write)
        except OperationalError as error:
            # SQLite: another writer held the database longer than busy_timeout ("database is
            # locked"). Start again from fresh reads after a short, growing pause.
            if "locked" not in str(error.orig) or attempt >= CAS_TRIES + LOCK_TRIES - 1:
                raise
            db.session.rollback()
            known = None
            time.sleep(min(0.05, 0.002 * (attempt + 1)) * (1 + random.random()))
            continue
        known = None  # a retry reads afresh
        if result is _WRITE_TRANSACTION:
            write = True
        elif result is not None:
            return result
    raise RuleError("heartbeat_busy", "学习进度正在更新，请稍后重试。")


#: What :func:`_try_heartbeat` answers when the heartbeat needs one write transaction.
_WRITE_TRANSACTION = object()


def _begin(write: bool) -> None:
    """Start the session's next transaction as the heartbeat needs it: one write transaction
    (on SQLite it takes the write lock at BEGIN, so having read first never ends in "database is
    locked"), or none: each statement then commits on its own."""
    if db.session.get_bind().dialect.name == "sqlite":
        options = {"cpe_sqlite_begin": "BEGIN IMMEDIATE" if write else None}
    else:
        options = {} if write else {"isolation_level": "AUTOCOMMIT"}
    db.session.connection(execution_options=options)


@dataclass(frozen=True)
class _Count:
    """What one heartbeat counts, from the progress as read."""

    advance: int
    new_watched: int
    new_ref: dt.datetime
    new_clock: dt.datetime
    newly_watched: bool


def _count(access: ChapterAccess, known: tuple, position: float, now: dt.datetime, slack: int,
           max_step: int) -> _Count:
    """The heartbeat rule: count at most the real time since the chapter's reference instant
    and since the learner's study clock (whatever chapter it counted for), at most ``max_step``,
    never past the claimed position or the chapter's end.

    :param known: :attr:`ChapterAccess.progress` as read.
    :raises RuleError: ``heartbeat_too_fast`` when the claim runs ahead of the chapter's real
        time by more than ``slack``.
    """
    _progress_id, watched, ref, watched_at, learner_clock = known
    available = max(0.0, (now - ref).total_seconds()) if ref is not None else 0.0
    claimed = position - watched
    if claimed > available + slack:
        raise RuleError(
            "heartbeat_too_fast",
            "上报的观看进度超过了实际经过的时间，本次不计入学习进度，请正常播放。",
        )
    if learner_clock is not None:
        # Seconds another chapter (tab, device) counted since are this learner's already.
        available = min(available, max(0.0, (now - learner_clock).total_seconds()))
    duration = access.duration_seconds
    advance = int(max(0.0, min(claimed, available, float(max_step), float(duration - watched))))
    new_watched = watched + advance
    # The reference instants move by what was counted, but never lag more than the carry:
    # idle time is not banked, rounding leftovers are.
    carry_floor = now - dt.timedelta(seconds=CARRY_SECONDS)
    new_ref = now if ref is None else max(ref + dt.timedelta(seconds=advance), carry_floor)
    new_ref = min(new_ref, now)
    if learner_clock is None:
        new_clock = now
    else:
        # Never backwards (another server's clock may run behind): every counted second moves
        # the clock on, which is what lets the swap on the clock alone keep chapters apart.
        new_clock = max(learner_clock, min(max(learner_clock + dt.timedelta(seconds=advance), carry_floor), now))
    return _Count(advance, new_watched, new_ref, new_clock, watched_at is None and new_watched >= duration)


def _try_heartbeat(user_id: int, access: ChapterAccess, position: float, slack: int, max_step: int,
                   known: tuple | None, write: bool):
    """One compare-and-swap attempt from the row as ``known`` (or read now); None when another
    tab changed the row first; ``_WRITE_TRANSACTION`` when, outside a write transaction, the row
    is missing or this heartbeat finishes the chapter."""
    now = clock.to_utc_naive(clock.now())
    if known is None:
        known = _progress_row(user_id, access.chapter_id, create=write)
        if known is None:
            db.session.rollback()
            return _WRITE_TRANSACTION
    try:
        count = _count(access, known, position, now, slack, max_step)
    except RuleError:
        db.session.rollback()
        raise
    if count.newly_watched and not write:
        db.session.rollback()  # passing the chapter and earning the credits go with it, or nothing
        return _WRITE_TRANSACTION
    connection = db.session.connection()
    values = _swap_values(user_id, known, count, now)
    for statement in _cas_statements(connection.dialect.name, known[4] is None, count.newly_watched):
        if connection.execute(statement, values).rowcount != 1:
            db.session.rollback()  # another tab or chapter counted first: read again
            return None
    if count.newly_watched:
        _after_watched(user_id, access, now)
    db.session.commit()
    return HeartbeatResult(access.chapter_id, count.new_watched, access.duration_seconds, count.advance,
                           count.new_watched >= access.duration_seconds)


def _swap_values(user_id: int, known: tuple, count: _Count, now: dt.datetime) -> dict:
    """The parameters of :func:`_cas_statements` for ``count`` from the values ``known``."""
    progress_id, watched, _ref, _watched_at, learner_clock = known
    # No key may be a column name of the tables updated: SQLAlchemy would add it to their SET.
    return {"learner_id": user_id, "clock": learner_clock, "new_clock": count.new_clock, "progress_id": progress_id,
            "watched": watched, "new_watched": count.new_watched, "new_ref": count.new_ref, "now": now}


@functools.cache
def _cas_statements(dialect: str, first: bool, finishing: bool) -> tuple:
    """The compare-and-swap on the values read, built once per shape; each statement must
    change exactly one row, else the heartbeat reads again. ``first`` when the learner's clock
    has never counted, ``finishing`` when the heartbeat also marks the chapter watched.

    The learner's clock is what is compared: every heartbeat that counts a second moves it
    (see :func:`_count`), so no other heartbeat of the learner counted since it was read if it
    still holds the value read. The progress row is compared on the seconds watched as well.
    On PostgreSQL this is one UPDATE of the progress row carrying the clock's UPDATE as a CTE
    (it runs first, and the progress row changes only if it did); elsewhere the two UPDATEs,
    which the caller runs in one transaction.
    """
    user, progress = User.__table__, ChapterProgress.__table__
    clock_swap = (
        update(user)
        .where(user.c.id == bindparam("learner_id"),
               user.c.study_counted_until.is_(None) if first
               else user.c.study_counted_until == bindparam("clock", type_=DateTime()))
        .values(study_counted_until=bindparam("new_clock", type_=DateTime()))
    )
    condition = [progress.c.id == bindparam("progress_id"), progress.c.watched_seconds == bindparam("watched")]
    values = {
        "watched_seconds": bindparam("new_watched", type_=Integer()),
        "last_heartbeat_at": bindparam("new_ref", type_=DateTime()),
    }
    if finishing:
        values["watched_at"] = bindparam("now", type_=DateTime())
    if dialect != "postgresql":
        return clock_swap, update(progress).where(*condition).values(**values)
    swapped = clock_swap.returning(user.c.id).cte("learner_clock")
    condition.append(exists(select(swapped.c.id)))
    if not finishing:
        # A progress-only heartbeat lost in a server crash costs the learner a few seconds,
        # which the next heartbeat counts again: not worth an fsync wait on every one.
        # set_config(..., true) is SET LOCAL inside the statement, so it also holds when the
        # UPDATE commits on its own. Never on the finishing heartbeat: its transaction can write
        # the course's credits, which must survive a crash (tests/test_durable_commits.py).
        condition.append(func.set_config("synchronous_commit", "off", True).is_not(None))
    return (update(progress).where(*condition).values(**values),)


@functools.cache
def _quick_statements(dialect) -> tuple:
    """The access SELECT and the usual compare-and-swap, ready to run on a held connection:
    ``(select, (statement, ...))``."""
    return (
        raw_statements.for_dialect(_access_statement(), dialect, "heartbeat_access"),
        tuple(raw_statements.for_dialect(statement, dialect, f"heartbeat_cas{number}")
              for number, statement in enumerate(_cas_statements(dialect.name, False, False))),
    )


def _after_watched(user_id: int, access: ChapterAccess, now: dt.datetime) -> None:
    """A chapter without questions is passed as soon as it is watched."""
    has_questions = db.session.scalar(select(Question.id).where(Question.chapter_id == access.chapter_id).limit(1))
    if has_questions is None:
        db.session.execute(
            update(ChapterProgress)
            .where(
                ChapterProgress.user_id == user_id,
                ChapterProgress.chapter_id == access.chapter_id,
                ChapterProgress.exercise_passed_at.is_(None),
            )
            .values(exercise_passed_at=now)
            .execution_options(synchronize_session=False)
        )
        complete_course_if_done(user_id, access.course_id)


# --- exercises -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    chosen: int
    correct: bool


@dataclass(frozen=True)
class ExerciseResult:
    passed: bool
    results: tuple[QuestionResult, ...]
    course_completed: bool = False


#: 随堂随练 has two questions (the seeds: "随堂随练有两道题"), drawn from the
#: chapter's question bank, which the exam draws from as well and so may hold more.
DEFAULT_EXERCISE_QUESTIONS = 2


def exercise_size() -> int:
    """How many questions one exercise shows: ``CPE_EXERCISE_QUESTIONS`` (default 2)."""
    return max(1, int(current_app.config.get("CPE_EXERCISE_QUESTIONS", DEFAULT_EXERCISE_QUESTIONS)))


def draw_exercise(bank: list[Question], user_id: int, chapter_id: int, attempt: int, size: int) -> list[Question]:
    """The ``size`` questions of ``bank`` this learner gets on this attempt, in bank order.

    Deterministic: the same learner, chapter and attempt number always get the same questions, so
    the server knows which were shown without storing them, and a page reloaded shows the same
    ones. The next attempt draws afresh. A bank no larger than ``size`` is shown whole.
    """
    if len(bank) <= size:
        return list(bank)
    seed = hashlib.sha256(f"exercise:{user_id}:{chapter_id}:{attempt}".encode()).digest()
    picked = sorted(random.Random(int.from_bytes(seed[:8], "big")).sample(range(len(bank)), size))
    return [bank[i] for i in picked]


def _bank(chapter_id: int) -> list[Question]:
    return list(db.session.scalars(select(Question).where(Question.chapter_id == chapter_id).order_by(Question.id)))


def _attempts(user_id: int, chapter_id: int) -> int:
    return db.session.scalar(
        select(ChapterProgress.exercise_attempts)
        .where(ChapterProgress.user_id == user_id, ChapterProgress.chapter_id == chapter_id)
    ) or 0


def exercise_questions(user: User | int, chapter_id: int) -> list[Question]:
    """The questions the learner's current exercise of the chapter shows (see :func:`draw_exercise`)."""
    user_id = user if isinstance(user, int) else user.id
    return draw_exercise(_bank(chapter_id), user_id, chapter_id, _attempts(user_id, chapter_id), exercise_size())


def submit_exercise(user: User, chapter_id: int, answers: dict[int, int]) -> ExerciseResult:
    """Score the chapter's exercise against exactly the questions it showed the learner (one
    right answer passes); the next exercise then draws new ones. Commit.

    :param answers: question id -> chosen option index.
    :raises RuleError: ``chapter_not_found``, ``chapter_not_in_plan``, ``chapter_locked``,
        ``exercise_locked`` (video not watched yet), ``answers_incomplete``, ``invalid_answer``,
        ``exercise_changed`` (answers to questions this attempt did not show: a stale page, or
        another tab submitted first).
    """
    # One write transaction from the first read: every submission counts an attempt, and on
    # SQLite a transaction that read before another connection wrote cannot write after it.
    if db.session().in_transaction():
        db.session.commit()
    _begin(write=True)
    access = chapter_access(user, chapter_id)
    _require_unlocked(access)
    years.require_counting(access.region, access.year)
    progress = db.session.scalar(
        select(ChapterProgress).where(ChapterProgress.user_id == user.id, ChapterProgress.chapter_id == chapter_id)
    )
    if progress is None or progress.watched_at is None:
        raise RuleError("exercise_locked", "请先完整观看本章视频，再做随堂练习。")
    bank = _bank(chapter_id)
    attempt = progress.exercise_attempts or 0
    questions = draw_exercise(bank, user.id, chapter_id, attempt, exercise_size())
    if not questions:
        raise RuleError("no_exercise", "本章没有随堂练习。")
    shown = {q.id for q in questions}
    if any(q.id in answers and q.id not in shown for q in bank):
        raise RuleError("exercise_changed", "练习题目已更换，请按当前显示的题目重新作答。")
    if any(q.id not in answers for q in questions):
        raise RuleError("answers_incomplete", "请回答全部题目后再提交。")
    results = []
    for q in questions:
        chosen = answers[q.id]
        if not isinstance(chosen, int) or isinstance(chosen, bool) or not 0 <= chosen < len(q.options):
            raise RuleError("invalid_answer", "答案选项无效。")
        results.append(QuestionResult(q, chosen, chosen == q.answer))
    # Counted only against the draw it was scored on: a second tab that submitted the same draw
    # first has moved the learner on, and this one is refused.
    counted = db.session.execute(
        update(ChapterProgress)
        .where(ChapterProgress.id == progress.id, ChapterProgress.exercise_attempts == attempt)
        .values(exercise_attempts=attempt + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:
        db.session.rollback()
        raise RuleError("exercise_changed", "练习题目已更换，请按当前显示的题目重新作答。")
    passed = any(r.correct for r in results)
    completed = False
    if passed:
        now = clock.to_utc_naive(clock.now())
        db.session.execute(
            update(ChapterProgress)
            .where(ChapterProgress.id == progress.id, ChapterProgress.exercise_passed_at.is_(None))
            .values(exercise_passed_at=now)
            .execution_options(synchronize_session=False)
        )
        completed = complete_course_if_done(user, access.course_id)
    db.session.commit()
    return ExerciseResult(passed, tuple(results), completed)


def complete_course_if_done(user: User | int, course_id: int) -> bool:
    """Write the course's credits to the ledger once every chapter is watched and passed, for
    the course's year, while that year still counts: inside its period, or in its make-up time
    (the entry then says 补学). After that nothing is written (the heartbeat and the exercise
    refuse a closed year before it comes to this).

    :param user: the learner, or their id.
    """
    user_id = user if isinstance(user, int) else user.id
    if not entitlement.is_opened(user_id, course_id):
        return False  # nothing of a course not paid for reaches the ledger
    missing = db.session.scalar(
        select(func.count(Chapter.id))
        .outerjoin(
            ChapterProgress,
            and_(ChapterProgress.chapter_id == Chapter.id, ChapterProgress.user_id == user_id),
        )
        .where(
            Chapter.course_id == course_id,
            (ChapterProgress.id.is_(None))
            | ChapterProgress.watched_at.is_(None)
            | ChapterProgress.exercise_passed_at.is_(None),
        )
    )
    if missing:
        return False
    course = db.session.get(Course, course_id)
    status = years.status(course.region, course.year)
    if not status.counts:
        return False
    entry = ledger.record_credit(
        user_id=user_id,
        region=course.region,
        year=course.year,
        kind=course.kind,
        credits=course.credits,
        source="course",
        source_id=course.id,
        description=course.title if status.state == "open" else f"{course.title}（{course.year}年度补学）",
    )
    return entry is not None
