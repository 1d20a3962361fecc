"""The study plan (个人教学计划), the institution choice, and what the learner pages show.

Every page helper here runs a fixed number of SQL queries whatever the number of courses:
aggregates are computed in SQL, grouped per course, never one query per course.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from hookspecs import KIND_LABELS, InstitutionPolicy, Requirements, StudyPlanPolicy

from .. import clock
from ..extensions import db
from ..models import (
    Chapter,
    ChapterProgress,
    Course,
    CreditRecord,
    Enrolment,
    Institution,
    Order,
    StudyPlanItem,
    User,
)
from ..regions import RuleError, rules_for
from . import entitlement, ledger, orders, registrations, years
from .institutions import current_enrolment, institution_policy  # noqa: F401 (callers use them here too)
from .learners import facts_for


# --- institution choice --------------------------------------------------------------------


def institutions_on_offer(user: User, policy: InstitutionPolicy) -> list[Institution]:
    rows = list(db.session.scalars(select(Institution).where(Institution.region == user.region).order_by(Institution.id)))
    if not policy.institutions:
        return rows
    by_name = {inst.name: inst for inst in rows}
    return [by_name[name] for name in policy.institutions if name in by_name]


def choose_institution(user: User, year: int, institution_id: int | None, level: str | None) -> Enrolment:
    """Enrol ``user`` at an institution for ``year`` (one at a time); commit."""
    policy = institution_policy(user, year)
    if policy is None:
        raise RuleError("no_institution_choice", "本地区无需选择培训机构。")
    offered = {inst.id: inst for inst in institutions_on_offer(user, policy)}
    if institution_id not in offered:
        raise RuleError("unknown_institution", "请选择列表中的培训机构。")
    if policy.levels and level not in policy.levels:
        raise RuleError("unknown_level", "请选择级别（" + "、".join(policy.levels) + "）。")
    if policy.levels and offered[institution_id].level and offered[institution_id].level != level:
        # An institution that serves one level only (Institution.level) takes no other.
        raise RuleError("institution_other_level", f"该培训机构仅招收{offered[institution_id].level}学员，请重新选择。")
    existing = current_enrolment(user, year)
    if existing is not None and existing.institution_id is None:
        # Paid before choosing (the order created the enrolment): the choice completes it.
        existing.institution_id = institution_id
        existing.level = level if policy.levels else None
        db.session.commit()
        return existing
    if existing is not None:
        raise RuleError("institution_already_chosen", "本年度已选择培训机构，如需更换请先取消原选择。")
    enrolment = Enrolment(
        user_id=user.id, region=user.region, year=year, institution_id=institution_id,
        level=level if policy.levels else None, status="selected",
    )
    db.session.add(enrolment)
    db.session.commit()
    return enrolment


def cancel_institution(user: User, year: int) -> None:
    """Cancel the year's choice so the learner can switch; refused once paid (or studied,
    where the region says so); commit."""
    enrolment = current_enrolment(user, year)
    if enrolment is None:
        raise RuleError("no_institution_chosen", "本年度尚未选择培训机构。")
    paid = db.session.scalar(
        select(Order.id).where(Order.user_id == user.id, Order.year == year, Order.status == "paid").limit(1)
    )
    if enrolment.status != "selected" or paid is not None:
        raise RuleError("institution_paid", "已在该机构缴费，不能取消选择；如需更换请先申请退费。")
    policy = rules_for(user.region).institution_policy(year)
    if policy is not None and not policy.cancellable_after_study:
        studied = db.session.scalar(
            select(ChapterProgress.id)
            .join(Chapter, Chapter.id == ChapterProgress.chapter_id)
            .join(Course, Course.id == Chapter.course_id)
            .where(
                ChapterProgress.user_id == user.id,
                Course.year == year,
                Course.institution_id == enrolment.institution_id,
                ChapterProgress.watched_seconds > 0,
            )
            .limit(1)
        )
        if studied is not None:
            raise RuleError("institution_studied", "已在该机构开始学习，本年度不能再更换。")
    # Its unpaid orders go with it; a payment that wins the race makes this refuse instead.
    orders.cancel_unpaid_orders_of(enrolment)
    db.session.commit()


def _institution_filter(user: User, year: int):
    """A WHERE clause limiting courses to the chosen institution, or None for the whole catalogue.
    :raises RuleError: ``institution_required`` when the region needs a choice first."""
    policy = institution_policy(user, year)
    if policy is None:
        return None
    enrolment = current_enrolment(user, year)
    if enrolment is None or enrolment.institution_id is None:
        raise RuleError("institution_required", "请先选择本年度的培训机构。")
    return (Course.institution_id == enrolment.institution_id) | Course.institution_id.is_(None)


# --- the plan ------------------------------------------------------------------------------


def _course_for(user: User, course_id: int, year: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or course.region != user.region:
        raise RuleError("course_not_found", "没有这门课程。")
    if course.year != year:
        raise RuleError("course_wrong_year", f"这门课程不属于{year}年度。")
    return course


def check_may_study(user: User, year: int, action: str = "选课") -> None:
    """Refuse (``RuleError``) when ``year`` no longer counts or the region's eligibility rule
    says no: asked before a course joins the plan and before an enrolment (报名)."""
    years.require_counting(user.region, year, action)
    answer = rules_for(user.region).eligibility(facts_for(user, year), year)
    if not answer.allowed:
        raise RuleError(answer.reasons[0].code, answer.reasons[0].message)


def add_course(user: User, course_id: int, year: int) -> StudyPlanItem:
    """Add a course to the plan, or restore it with its learning record; commit."""
    course = _course_for(user, course_id, year)
    check_may_study(user, year)
    allowed = _institution_filter(user, year)
    if allowed is not None and course.institution_id is not None:
        enrolment = current_enrolment(user, year)
        if course.institution_id != enrolment.institution_id:
            raise RuleError("course_other_institution", "这门课程不属于您选择的培训机构。")
    item = db.session.scalar(
        select(StudyPlanItem).where(StudyPlanItem.user_id == user.id, StudyPlanItem.course_id == course.id)
    )
    if item is not None and item.removed_at is None:
        raise RuleError("course_already_selected", "这门课程已在学习计划中。")
    if item is None:
        item = StudyPlanItem(user_id=user.id, course_id=course.id, year=year)
        db.session.add(item)
    else:
        item.removed_at = None  # the chapter progress was never deleted: learning resumes
    entitlement.refresh(user, year)  # opened if a paid order or free study covers it
    db.session.commit()
    return item


def removal_refusal(course: Course, *, locked: bool, started: bool, policy: StudyPlanPolicy) -> RuleError | None:
    """Why a selected course may not be removed from the plan, or None when it may.

    The one place the rule lives: :func:`remove_course` raises the answer and :func:`plan_view`
    shows it instead of the remove button, so the page and the refusal always agree."""
    if course.required:
        return RuleError("course_required", "必修课程不能移除。")
    if locked:
        return RuleError("course_locked", "该课程已按学分购买，不能移除或更换。")
    if started and not policy.started_removable:
        return RuleError("course_started", "已开始学习的课程不能移除。")
    return None


def _started(user: User, course: Course) -> bool:
    """Whether the learner has watched any of the course's video time."""
    return db.session.scalar(
        select(ChapterProgress.id)
        .join(Chapter, Chapter.id == ChapterProgress.chapter_id)
        .where(ChapterProgress.user_id == user.id, Chapter.course_id == course.id, ChapterProgress.watched_seconds > 0)
        .limit(1)
    ) is not None


def remove_course(user: User, course_id: int, year: int) -> None:
    """Take a course out of the plan, keeping its learning record, if the region's
    :class:`~hookspecs.StudyPlanPolicy` and the core's rules allow it; commit."""
    course = _course_for(user, course_id, year)
    item = db.session.scalar(
        select(StudyPlanItem).where(
            StudyPlanItem.user_id == user.id, StudyPlanItem.course_id == course.id, StudyPlanItem.removed_at.is_(None)
        )
    )
    if item is None:
        raise RuleError("course_not_selected", "这门课程不在学习计划中。")
    policy = rules_for(user.region).study_plan_policy(year)
    # Only ask the database whether the course was started when the answer matters.
    started = not policy.started_removable and _started(user, course)
    refusal = removal_refusal(course, locked=item.locked, started=started, policy=policy)
    if refusal is not None:
        raise refusal
    item.removed_at = clock.to_utc_naive(clock.now())
    db.session.commit()


def one_click_select(user: User, year: int) -> list[Course]:
    """一键选课: add required courses, then courses per kind until each minimum and the total
    of the year's requirement are met by the plan; commit. Returns the courses added."""
    requirements = rules_for(user.region).requirements(year)
    check_may_study(user, year)
    allowed = _institution_filter(user, year)
    query = select(Course).where(Course.region == user.region, Course.year == year)
    if allowed is not None:
        query = query.where(allowed)
    courses = list(db.session.scalars(query.order_by(Course.required.desc(), Course.id)))
    items = {
        item.course_id: item
        for item in db.session.scalars(select(StudyPlanItem).where(StudyPlanItem.user_id == user.id, StudyPlanItem.year == year))
    }
    selected = {cid for cid, item in items.items() if item.removed_at is None}
    totals: dict[str, int] = defaultdict(int)
    for course in courses:
        if course.id in selected:
            totals[course.kind] += course.credits
    added: list[Course] = []

    def take(course: Course) -> None:
        item = items.get(course.id)
        if item is None:
            db.session.add(StudyPlanItem(user_id=user.id, course_id=course.id, year=year))
        else:
            item.removed_at = None
        selected.add(course.id)
        totals[course.kind] += course.credits
        added.append(course)

    for course in courses:
        if course.required and course.id not in selected:
            take(course)
    for kind, minimum in requirements.minimums.items():
        for course in courses:
            if totals[kind] >= minimum:
                break
            if course.kind == kind and course.id not in selected:
                take(course)
    for course in courses:
        if sum(totals.values()) >= requirements.total:
            break
        if course.id not in selected:
            take(course)
    entitlement.refresh(user, year)
    db.session.commit()
    return added


# --- what the pages show -------------------------------------------------------------------


@dataclass
class CourseLine:
    """A course of the plan or the catalogue with the learner's progress on it."""

    course: Course
    chapters: int = 0
    duration_seconds: int = 0
    watched_seconds: int = 0
    chapters_done: int = 0
    selected: bool = False
    locked: bool = False
    #: For a selected course: whether it is open for study (paid for, or free): see :mod:`.entitlement`.
    opened: bool = False
    earned: bool = False
    #: For a selected course: why it may not be removed (None: it may be).
    removal_refusal: RuleError | None = None

    @property
    def removable(self) -> bool:
        return self.selected and self.removal_refusal is None

    @property
    def percent(self) -> int:
        if not self.duration_seconds:
            return 0
        return min(100, self.watched_seconds * 100 // self.duration_seconds)

    @property
    def started(self) -> bool:
        return self.watched_seconds > 0


@dataclass
class PlanView:
    year: int
    requirements: Requirements
    lines: list[CourseLine]
    catalogue: list[CourseLine]
    totals: dict[str, int] = field(default_factory=dict)
    progress: ledger.YearProgress | None = None
    policy: InstitutionPolicy | None = None
    enrolment: Enrolment | None = None
    institution_missing: bool = False
    plan_policy: StudyPlanPolicy | None = None

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def course_lines(user: User, courses: list[Course]) -> dict[int, CourseLine]:
    """Progress per course in three grouped queries (chapters, progress, ledger)."""
    ids = [c.id for c in courses]
    lines = {c.id: CourseLine(c) for c in courses}
    if not ids:
        return lines
    for course_id, count, duration in db.session.execute(
        select(Chapter.course_id, func.count(Chapter.id), func.coalesce(func.sum(Chapter.duration_seconds), 0))
        .where(Chapter.course_id.in_(ids))
        .group_by(Chapter.course_id)
    ):
        lines[course_id].chapters = int(count)
        lines[course_id].duration_seconds = int(duration)
    capped = case(
        (ChapterProgress.watched_seconds > Chapter.duration_seconds, Chapter.duration_seconds),
        else_=ChapterProgress.watched_seconds,
    )
    done = case(
        (and_(ChapterProgress.watched_at.is_not(None), ChapterProgress.exercise_passed_at.is_not(None)), 1), else_=0
    )
    for course_id, watched, chapters_done in db.session.execute(
        select(Chapter.course_id, func.coalesce(func.sum(capped), 0), func.coalesce(func.sum(done), 0))
        .join(ChapterProgress, ChapterProgress.chapter_id == Chapter.id)
        .where(Chapter.course_id.in_(ids), ChapterProgress.user_id == user.id)
        .group_by(Chapter.course_id)
    ):
        lines[course_id].watched_seconds = int(watched)
        lines[course_id].chapters_done = int(chapters_done)
    for (course_id,) in db.session.execute(
        select(CreditRecord.source_id).where(
            CreditRecord.user_id == user.id, CreditRecord.source == "course", CreditRecord.source_id.in_(ids)
        )
    ):
        lines[course_id].earned = True
    return lines


def plan_view(user: User, year: int) -> PlanView:
    """The plan with totals per kind, the catalogue to choose from, and the year's ledger."""
    rules = rules_for(user.region)
    requirements = rules.requirements(year)
    policy = institution_policy(user, year)
    enrolment = current_enrolment(user, year) if policy is not None else None
    if enrolment is not None and enrolment.institution_id is None:
        enrolment = None
    items = list(
        db.session.execute(
            select(StudyPlanItem.course_id, StudyPlanItem.locked, StudyPlanItem.removed_at,
                   StudyPlanItem.opened_at).where(StudyPlanItem.user_id == user.id, StudyPlanItem.year == year)
        )
    )
    active = {course_id: locked for course_id, locked, removed, _opened in items if removed is None}
    opened = {course_id for course_id, _locked, removed, opened_at in items if removed is None and opened_at}
    query = select(Course).where(Course.region == user.region, Course.year == year)
    if policy is not None:
        if enrolment is None:
            query = query.where(Course.id.in_(list(active) or [-1]))
        else:
            query = query.where(
                (Course.institution_id == enrolment.institution_id)
                | Course.institution_id.is_(None)
                | Course.id.in_(list(active) or [-1])
            )
    # By kind, then subject category (课程分类, e.g. 行政事业), the groups the plan page shows.
    courses = list(db.session.scalars(query.order_by(Course.kind, Course.category, Course.id)))
    lines = course_lines(user, courses)
    plan_policy = rules.study_plan_policy(year)
    totals: dict[str, int] = defaultdict(int)
    chosen, catalogue = [], []
    for course in courses:
        line = lines[course.id]
        if course.id in active:
            line.selected = True
            line.locked = bool(active[course.id])
            line.opened = course.id in opened
            line.removal_refusal = removal_refusal(course, locked=line.locked, started=line.started, policy=plan_policy)
            totals[course.kind] += course.credits
            chosen.append(line)
        else:
            catalogue.append(line)
    return PlanView(
        year=year,
        requirements=requirements,
        lines=chosen,
        catalogue=catalogue,
        totals=dict(totals),
        progress=ledger.progress(user.id, user.region, year),
        policy=policy,
        enrolment=enrolment,
        institution_missing=policy is not None and enrolment is None,
        plan_policy=plan_policy,
    )


@dataclass
class ChapterLine:
    chapter: Chapter
    watched_seconds: int = 0
    watched: bool = False
    passed: bool = False
    unlocked: bool = False

    @property
    def percent(self) -> int:
        if not self.chapter.duration_seconds:
            return 0
        return min(100, self.watched_seconds * 100 // self.chapter.duration_seconds)


@dataclass
class CourseView:
    course: Course
    chapters: list[ChapterLine]
    selected: bool
    locked: bool
    earned: bool
    #: Whether the selected course is open for study (see :mod:`.entitlement`).
    opened: bool = False

    @property
    def duration_seconds(self) -> int:
        return sum(c.chapter.duration_seconds for c in self.chapters)

    @property
    def watched_seconds(self) -> int:
        return sum(min(c.watched_seconds, c.chapter.duration_seconds) for c in self.chapters)

    @property
    def percent(self) -> int:
        total = self.duration_seconds
        return min(100, self.watched_seconds * 100 // total) if total else 0


def course_view(user: User | None, region: str, course_id: int) -> CourseView:
    """A course with its chapters and, for a signed-in learner, their progress (4 queries)."""
    course = db.session.get(Course, course_id)
    if course is None or course.region != region:
        raise RuleError("course_not_found", "没有这门课程。")
    chapters = list(db.session.scalars(select(Chapter).where(Chapter.course_id == course.id).order_by(Chapter.position)))
    progress: dict[int, ChapterProgress] = {}
    selected = locked = earned = opened = False
    if user is not None and chapters:
        progress = {
            p.chapter_id: p
            for p in db.session.scalars(
                select(ChapterProgress).where(
                    ChapterProgress.user_id == user.id, ChapterProgress.chapter_id.in_([c.id for c in chapters])
                )
            )
        }
        row = db.session.execute(
            select(StudyPlanItem.locked, CreditRecord.id, StudyPlanItem.opened_at)
            .outerjoin(
                CreditRecord,
                and_(
                    CreditRecord.user_id == StudyPlanItem.user_id,
                    CreditRecord.source == "course",
                    CreditRecord.source_id == StudyPlanItem.course_id,
                ),
            )
            .where(
                StudyPlanItem.user_id == user.id,
                StudyPlanItem.course_id == course.id,
                StudyPlanItem.removed_at.is_(None),
            )
        ).first()
        if row is not None:
            selected, locked, earned, opened = True, bool(row[0]), row[1] is not None, row[2] is not None
    lines = []
    previous_passed = True
    for chapter in chapters:
        p = progress.get(chapter.id)
        line = ChapterLine(
            chapter,
            watched_seconds=p.watched_seconds if p else 0,
            watched=bool(p and p.watched_at),
            passed=bool(p and p.exercise_passed_at),
            unlocked=opened and previous_passed,
        )
        previous_passed = line.passed
        lines.append(line)
    return CourseView(course, lines, selected, locked, earned, opened)


def credit_years(user: User) -> list[int]:
    """Years with ledger entries or plan items, newest first, always with the current year."""
    found = set(
        db.session.scalars(select(CreditRecord.year).where(CreditRecord.user_id == user.id).distinct())
    ) | set(db.session.scalars(select(StudyPlanItem.year).where(StudyPlanItem.user_id == user.id).distinct()))
    found.add(years.current_year(user.region))
    return sorted(found, reverse=True)


def ledger_entries(user: User, year: int) -> list[CreditRecord]:
    return list(
        db.session.scalars(
            select(CreditRecord).where(CreditRecord.user_id == user.id, CreditRecord.year == year).order_by(CreditRecord.id)
        )
    )


#: Where a ledger entry came from, in the 学分查询/学时查询 export; ``offset`` entries are named by
#: the region's offsets title (学分抵免, 学时申请).
SOURCE_LABELS = {"course": "课程学习", "import": "登记", "exam": "考试",
                 # credits an institution registered back to a hub (学分登记), one source per kind
                 **{source: "网校登记" for source in registrations.SOURCES.values()}}


def ledger_table(user: User, year: int) -> tuple[tuple[str, ...], list[list[object]]]:
    """学时查询的导出: the header and one row per ledger entry of ``year``, then the total, the
    requirement and whether the year is complete (as :func:`ledger.progress` measures it)."""
    rules = rules_for(user.region)
    unit = rules.unit_label
    header = ("年度", "来源", "名称", "分类", unit)
    rows: list[list[object]] = []
    for entry in ledger_entries(user, year):
        source = rules.offsets_title if entry.source == "offset" else SOURCE_LABELS.get(entry.source, entry.source)
        rows.append([year, source, entry.description, KIND_LABELS.get(entry.kind, entry.kind), entry.credits])
    progress = ledger.progress(user.id, user.region, year)
    rows.append([year, "合计", "", "", progress.total])
    rows.append([year, "本年度要求", "", "", progress.requirements.total])
    rows.append([year, "是否完成", "是" if progress.complete else "否", "", ""])
    return header, rows
