"""The yearly exam, by the region's exam policy: whether it is open (with every reason why
not), the paper drawn from the learner's own courses, answers saved as the learner goes, and a
timer kept by the server (``deadline_at`` plus the policy's grace)."""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from hookspecs import KIND_LABELS, PUBLIC, UNIT_LABELS, ExamPolicy, Reason

from .. import clock
from ..extensions import db
from ..transactions import begin_write
from ..models import Chapter, Course, CreditReview, ExamAnswer, ExamAttempt, Question, StudyPlanItem, User
from ..regions import RuleError, rules_for
from . import entitlement, ledger, years

_random = random.SystemRandom()  # the paper must not be predictable from earlier ones


@dataclass(frozen=True)
class ExamStatus:
    """``open`` with a reason, or closed with every reason why (all of them, not the first)."""

    policy: ExamPolicy | None
    open: bool
    reasons: tuple[Reason, ...]


def status(user_id: int, region: str, year: int) -> ExamStatus:
    policy = rules_for(region).exam_policy(year)
    if policy is None:
        return ExamStatus(None, False, (Reason("no_exam", "本地区本年度不设考试。"),))
    reasons = list(_credit_reasons(policy, user_id))
    required_minutes = policy.min_study_minutes
    if required_minutes:
        minutes = ledger.study_minutes(user_id, year)
        if minutes < required_minutes:
            reasons.append(
                Reason(
                    "study_minutes_missing",
                    f"考试需学习{required_minutes}分钟，已学习{minutes}分钟，"
                    f"还需学习{required_minutes - minutes}分钟。",
                )
            )
    if policy.credit_review and not reasons and not credits_merged(user_id, year):
        # Credits complete, waiting for the staff's 审核、合并 (:mod:`.credit_reviews`).
        reasons.append(Reason("credits_not_merged", "您的学分尚待审核、合并，审核合并后方可参加在线考试。"))
    reasons.extend(_window_reasons(policy))
    if policy.max_attempts is not None:
        used = db.session.scalar(
            select(func.count(ExamAttempt.id)).where(
                ExamAttempt.user_id == user_id, ExamAttempt.year == year
            )
        )
        if used >= policy.max_attempts:
            reasons.append(
                Reason("attempts_used_up", f"考试机会已用完（共{policy.max_attempts}次）。")
            )
    if reasons:
        return ExamStatus(policy, False, tuple(reasons))
    return ExamStatus(policy, True, (Reason("exam_open", "已满足考试条件，可以参加考试。"),))


def credits_merged(user_id: int, year: int) -> bool:
    """Whether staff reviewed and merged (审核、合并) the learner's credits of ``year``."""
    return db.session.scalar(
        select(CreditReview.id).where(CreditReview.user_id == user_id, CreditReview.year == year).limit(1)
    ) is not None


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str


def exam_credits(policy: ExamPolicy, user_id: int) -> dict[str, int]:
    """The learner's credits of the exam's year, per kind, as the exam counts them (without
    offsets where the policy says offsets do not count)."""
    return counted_credits(policy, *ledger.earned_by_source(user_id, policy.year))


def counted_credits(policy: ExamPolicy, earned: dict[str, int], offsets: dict[str, int]) -> dict[str, int]:
    """Ledger sums per kind (all sources; offsets alone) as the exam counts them."""
    if not policy.counts_offsets:
        return {kind: amount - offsets.get(kind, 0) for kind, amount in earned.items()}
    return earned


def summary(user_id: int, region: str, year: int, policy: ExamPolicy) -> list[SummaryRow]:
    """The exam page's 考试概况: until when study counts (学习截止), when the exam closes
    (测试截止), progress against each requirement the exam asks (credits per kind, minutes of
    study) and the result so far (通过情况). The figures are the ones :func:`status` judges."""
    rules = rules_for(region)
    unit = UNIT_LABELS[rules.info.unit]
    year_status = years.status(region, year)
    study_until = year_status.makeup_until or year_status.period_end
    rows = [SummaryRow("学习截止", f"{study_until:%Y-%m-%d}")]
    if policy.closes_at is not None:
        rows.append(SummaryRow("测试截止", clock.shanghai_text(policy.closes_at)))
    earned = exam_credits(policy, user_id)
    if policy.required_total:
        rows.append(SummaryRow("学习进度（合计）", f"{sum(earned.values())}/{policy.required_total}{unit}"))
    for kind, needed in policy.required_by_kind.items():
        rows.append(SummaryRow(f"学习进度（{KIND_LABELS.get(kind, kind)}）", f"{earned.get(kind, 0)}/{needed}{unit}"))
    if policy.min_study_minutes:
        rows.append(SummaryRow("学习时长", f"{ledger.study_minutes(user_id, year)}/{policy.min_study_minutes}分钟"))
    best = passed_attempt(user_id, region, year)
    rows.append(SummaryRow("通过情况", f"已通过（{best.score}分）" if best is not None else "未通过"))
    return rows


def _credit_reasons(policy: ExamPolicy, user_id: int) -> list[Reason]:
    return credit_shortfall(policy, exam_credits(policy, user_id))


def credit_shortfall(policy: ExamPolicy, earned: dict[str, int]) -> list[Reason]:
    """What the credits ``earned`` (as :func:`counted_credits` gives them) lack for the exam."""
    unit = UNIT_LABELS[rules_for(policy.region).info.unit]
    found = []
    total = sum(earned.values())
    if total < policy.required_total:
        found.append(
            Reason(
                "exam_total_missing",
                f"考试需取得{policy.required_total}{unit}，还差{policy.required_total - total}{unit}。",
            )
        )
    for kind, needed in policy.required_by_kind.items():
        have = earned.get(kind, 0)
        if have < needed:
            found.append(
                Reason(
                    f"exam_{kind}_missing",
                    f"考试需{KIND_LABELS.get(kind, kind)}{needed}{unit}，还差{needed - have}{unit}。",
                )
            )
    return found


def _window_reasons(policy: ExamPolicy) -> list[Reason]:
    now = clock.now()
    if policy.opens_at is not None and now < policy.opens_at:
        opens = clock.shanghai_text(policy.opens_at)
        return [Reason("window_not_open", f"考试尚未开放，开放时间：{opens}。")]
    if policy.closes_at is not None and now > policy.closes_at:
        closed = clock.shanghai_text(policy.closes_at)
        return [Reason("window_closed", f"考试已于{closed}关闭。")]
    return []


# --- Attempts: the drawn paper, answers saved as the learner goes, the server-kept timer -------

#: Chinese names of the question types, for messages and the paper.
QUESTION_TYPE_LABELS = {"single": "单选题", "truefalse": "判断题"}


class ExamRefused(RuleError):
    """A refused exam action; ``status`` is the HTTP status the views answer with."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(code, message)
        self.status = status


@dataclass(frozen=True)
class PaperQuestion:
    """One question as the learner sees it while the attempt is open: never the right answer."""

    id: int
    number: int
    question_type: str
    text: str
    options: tuple[str, ...]
    points: int
    choice: int | None


@dataclass(frozen=True)
class ReviewedQuestion:
    """One question after submission, with the right answer and the explanation."""

    id: int
    number: int
    question_type: str
    text: str
    options: tuple[str, ...]
    points: int
    choice: int | None
    answer: int
    explanation: str

    @property
    def correct(self) -> bool:
        return self.choice == self.answer


def _now_naive() -> dt.datetime:
    return clock.to_utc_naive(clock.now())


def _points_by_type(policy: ExamPolicy | None) -> dict[str, int]:
    return {section.question_type: section.points for section in (policy.sections if policy else ())}


def _question_pool(user_id: int, policy: ExamPolicy) -> dict[str, list[int]]:
    """Question ids per type from the chapters of the opened courses in the learner's plan."""
    query = (
        select(Question.id, Question.question_type)
        .join(Chapter, Chapter.id == Question.chapter_id)
        .join(Course, Course.id == Chapter.course_id)
        .join(StudyPlanItem, StudyPlanItem.course_id == Course.id)
        .where(
            StudyPlanItem.user_id == user_id,
            StudyPlanItem.year == policy.year,
            StudyPlanItem.removed_at.is_(None),
            entitlement.opened_clause(),  # never questions of a course not paid for
            Course.region == policy.region,
        )
        .order_by(Question.id)
    )
    if policy.question_source == "public_courses":
        query = query.where(Course.kind == PUBLIC)
    pool: dict[str, list[int]] = {}
    for question_id, question_type in db.session.execute(query):
        pool.setdefault(question_type, []).append(question_id)
    return pool


def _draw_paper(user_id: int, policy: ExamPolicy) -> list[int]:
    pool = _question_pool(user_id, policy)
    drawn: list[int] = []
    for section in policy.sections:
        candidates = pool.get(section.question_type, [])
        if len(candidates) < section.count:
            label = QUESTION_TYPE_LABELS.get(section.question_type, section.question_type)
            raise ExamRefused(
                "question_bank_too_small",
                f"您所选课程的题库中{label}不足{section.count}道，暂时无法组卷，请联系客服。",
            )
        drawn.extend(_random.sample(candidates, section.count))
    return drawn


def _lock_user(user_id: int) -> None:
    """Serialise starts of one learner (two tabs pressing 开始考试 at once get one attempt, and
    the attempts counted under the lock are all there are): a write transaction (on SQLite its
    lock is taken at BEGIN, since this one has read already), then the learner's row lock."""
    begin_write()
    db.session.execute(update(User).where(User.id == user_id).values(id=User.id))


def open_attempt(user_id: int, region: str, year: int) -> ExamAttempt | None:
    """The learner's attempt still in progress (after closing it if its time is up)."""
    attempt = db.session.scalar(
        select(ExamAttempt).where(
            ExamAttempt.user_id == user_id,
            ExamAttempt.region == region,
            ExamAttempt.year == year,
            ExamAttempt.status == "open",
        ).order_by(ExamAttempt.id.desc())
    )
    if attempt is not None and close_if_overdue(attempt):
        return None
    return attempt


def start(user_id: int, region: str, year: int) -> ExamAttempt:
    """Start an attempt (or return the one in progress); refused with every reason if closed.

    The paper is drawn once and fixed in ``question_ids``; the deadline is the server's.
    """
    current = open_attempt(user_id, region, year)
    if current is not None:
        return current
    _lock_user(user_id)
    current = open_attempt(user_id, region, year)
    if current is not None:
        db.session.commit()
        return current
    state = status(user_id, region, year)
    if not state.open:
        db.session.rollback()
        raise ExamRefused(state.reasons[0].code, "".join(r.message for r in state.reasons), 403)
    policy = state.policy
    try:
        question_ids = _draw_paper(user_id, policy)
    except ExamRefused:
        db.session.rollback()
        raise
    started = clock.now()
    attempt = ExamAttempt(
        user_id=user_id,
        region=region,
        year=year,
        question_ids=question_ids,
        status="open",
        started_at=clock.to_utc_naive(started),
        deadline_at=clock.to_utc_naive(_deadline(started, policy)),
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _deadline(started: dt.datetime, policy: ExamPolicy) -> dt.datetime:
    """The time limit from the start, but never past the exam window's close."""
    deadline = started + dt.timedelta(minutes=policy.time_limit_minutes)
    if policy.closes_at is not None:
        deadline = min(deadline, policy.closes_at)
    return deadline


def get_attempt(user_id: int, attempt_id: int, region: str | None = None) -> ExamAttempt:
    """The learner's own attempt; another learner's is refused, an unknown one not found."""
    attempt = db.session.get(ExamAttempt, attempt_id)
    if attempt is None or (region is not None and attempt.region != region):
        raise ExamRefused("attempt_not_found", "没有找到这次考试。", 404)
    if attempt.user_id != user_id:
        raise ExamRefused("not_your_attempt", "这不是您的考试，无权查看或提交。", 403)
    return attempt


def remaining_seconds(attempt: ExamAttempt) -> int:
    """Seconds left on the server's timer (0 once the time limit is reached)."""
    left = (attempt.deadline_at - _now_naive()).total_seconds()
    return max(0, int(left))


def _overdue(attempt: ExamAttempt, policy: ExamPolicy | None) -> bool:
    grace = policy.grace_seconds if policy else 0
    return _now_naive() > attempt.deadline_at + dt.timedelta(seconds=grace)


def close_if_overdue(attempt: ExamAttempt) -> bool:
    """Close and score an open attempt whose time (plus grace) is up; True if it is closed."""
    if attempt.status != "open":
        return True
    if not _overdue(attempt, rules_for(attempt.region).exam_policy(attempt.year)):
        return False
    _finish(attempt)
    db.session.commit()
    return True


def _finish(attempt: ExamAttempt) -> bool:
    """Close ``attempt`` and score it with the saved answers; False if another request did.

    The conditional UPDATE on ``status = 'open'`` is the single point where an attempt closes:
    two tabs submitting at once both run it, and exactly one sees a row updated.
    """
    for tries_left in reversed(range(20)):
        try:
            closed = db.session.execute(
                update(ExamAttempt)
                .where(ExamAttempt.id == attempt.id, ExamAttempt.status == "open")
                .values(status="closed", submitted_at=_now_naive())
                .execution_options(synchronize_session=False)
            )
            break
        except OperationalError:
            # SQLite refuses one of two writers racing for its single lock (PostgreSQL waits):
            # let go of the read lock, give the other writer time to commit, and try again: the
            # retry sees its outcome.
            db.session.rollback()
            if not tries_left:
                raise
            time.sleep(0.05)
    if closed.rowcount != 1:
        db.session.rollback()
        db.session.refresh(attempt)
        return False
    policy = rules_for(attempt.region).exam_policy(attempt.year)
    points = _points_by_type(policy)
    rows = db.session.execute(
        select(Question.question_type, Question.answer, ExamAnswer.choice)
        .join(ExamAnswer, ExamAnswer.question_id == Question.id)
        .where(ExamAnswer.attempt_id == attempt.id)
    )
    score = sum(points.get(kind, 0) for kind, answer, choice in rows if answer == choice)
    passed = policy is not None and score >= policy.pass_mark
    db.session.execute(
        update(ExamAttempt)
        .where(ExamAttempt.id == attempt.id)
        .values(score=score, passed=passed)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(attempt)
    return True


def save_answers(user_id: int, attempt_id: int, choices: dict[int, int], region: str | None = None) -> ExamAttempt:
    """Save (or change) answers of an open attempt, all or none.

    Refused: another learner's attempt, a question outside the paper, a choice outside the
    question's options, an attempt already submitted, and anything after the time limit plus
    grace — in that case the attempt is closed and scored with what was saved before.
    """
    # Answers are ticked quickly, each saved by its own request: take the write lock first, so on
    # SQLite one save waits for the other instead of failing with "database is locked".
    begin_write()
    attempt = get_attempt(user_id, attempt_id, region)
    if attempt.status != "open":
        raise ExamRefused("attempt_closed", "本次考试已交卷，不能再修改答案。")
    if close_if_overdue(attempt):
        raise ExamRefused(
            "time_up", "考试时间已到，此后的答案不再保存；试卷已按已保存的答案自动交卷。"
        )
    paper = set(attempt.question_ids)
    questions = {
        q.id: q
        for q in db.session.scalars(select(Question).where(Question.id.in_(list(choices) or [0])))
    }
    for question_id, choice in choices.items():
        if question_id not in paper or question_id not in questions:
            raise ExamRefused("question_not_in_attempt", "该题目不在本次试卷中，答案未保存。", 422)
        if not isinstance(choice, int) or not 0 <= choice < len(questions[question_id].options):
            raise ExamRefused("invalid_choice", "所选答案不是该题的选项，答案未保存。", 422)
    # Lock the attempt row: a concurrent submit either waits for these answers or wins first,
    # in which case nothing is saved.
    still_open = db.session.execute(
        update(ExamAttempt)
        .where(ExamAttempt.id == attempt.id, ExamAttempt.status == "open")
        .values(status="open")
        .execution_options(synchronize_session=False)
    )
    if still_open.rowcount != 1:
        db.session.rollback()
        raise ExamRefused("attempt_closed", "本次考试已交卷，不能再修改答案。")
    saved = {
        a.question_id: a
        for a in db.session.scalars(select(ExamAnswer).where(ExamAnswer.attempt_id == attempt.id))
    }
    for question_id, choice in choices.items():
        if question_id in saved:
            saved[question_id].choice = choice
            saved[question_id].saved_at = _now_naive()
        else:
            db.session.add(
                ExamAnswer(attempt_id=attempt.id, question_id=question_id, choice=choice, saved_at=_now_naive())
            )
    db.session.commit()
    return attempt


def submit(user_id: int, attempt_id: int, region: str | None = None) -> ExamAttempt:
    """Hand in the attempt and score it at once; a second submit (another tab) is refused."""
    attempt = get_attempt(user_id, attempt_id, region)
    if attempt.status != "open":
        raise ExamRefused("already_submitted", "本次考试已交卷，请勿重复提交。")
    # End the read so the closing UPDATE opens the next transaction: SQLite then waits for a
    # concurrent writer instead of failing with "database is locked".
    db.session.commit()
    if not _finish(attempt):
        raise ExamRefused("already_submitted", "本次考试已交卷，请勿重复提交。")
    db.session.commit()
    return attempt


def _saved_choices(attempt: ExamAttempt) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(ExamAnswer.question_id, ExamAnswer.choice).where(ExamAnswer.attempt_id == attempt.id)
        ).all()
    )


def _questions_in_order(attempt: ExamAttempt) -> list[Question]:
    found = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))}
    return [found[qid] for qid in attempt.question_ids if qid in found]


def paper(attempt: ExamAttempt) -> list[PaperQuestion]:
    """The open paper with the learner's saved choices; the right answers are not in it."""
    points = _points_by_type(rules_for(attempt.region).exam_policy(attempt.year))
    saved = _saved_choices(attempt)
    return [
        PaperQuestion(q.id, number, q.question_type, q.text, tuple(q.options), points.get(q.question_type, 0), saved.get(q.id))
        for number, q in enumerate(_questions_in_order(attempt), 1)
    ]


def review(attempt: ExamAttempt) -> list[ReviewedQuestion]:
    """The submitted paper with right answers; refused while the attempt is open."""
    if attempt.status == "open":
        raise ExamRefused("attempt_open", "交卷后才能查看答案。", 403)
    points = _points_by_type(rules_for(attempt.region).exam_policy(attempt.year))
    saved = _saved_choices(attempt)
    return [
        ReviewedQuestion(
            q.id, number, q.question_type, q.text, tuple(q.options), points.get(q.question_type, 0),
            saved.get(q.id), q.answer, q.explanation,
        )
        for number, q in enumerate(_questions_in_order(attempt), 1)
    ]


def history(user_id: int, region: str, year: int) -> list[ExamAttempt]:
    """Every attempt of the learner's year, newest first (overdue ones closed and scored)."""
    attempts = db.session.scalars(
        select(ExamAttempt)
        .where(ExamAttempt.user_id == user_id, ExamAttempt.region == region, ExamAttempt.year == year)
        .order_by(ExamAttempt.id.desc())
    ).all()
    for attempt in attempts:
        close_if_overdue(attempt)
    return list(attempts)


def passed_attempt(user_id: int, region: str, year: int) -> ExamAttempt | None:
    """The learner's best passed attempt of the year, if any."""
    return db.session.scalar(
        select(ExamAttempt)
        .where(
            ExamAttempt.user_id == user_id,
            ExamAttempt.region == region,
            ExamAttempt.year == year,
            ExamAttempt.passed.is_(True),
        )
        .order_by(ExamAttempt.score.desc(), ExamAttempt.id)
        .limit(1)
    )
