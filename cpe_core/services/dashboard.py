"""Where a signed-in person starts: a learner's next step, a region's staff queues.

The home page shows a learner how far the year has come and what to do next; staff land on their
region's dashboard after signing in, with the queues waiting for them (counts), the exports and
the admin pages. What a region offers comes from :mod:`.capabilities`, never from a region code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import Chapter, ChapterProgress, Course, Invoice, LearnerProfile, OffsetApplication, Order, Refund, User
from ..regions import RuleError
from . import certificates, exams, ledger
from .capabilities import capabilities
from .eligibility import eligibility_for
from .study import current_enrolment, institution_policy, plan_view


@dataclass(frozen=True)
class NextStep:
    """What a learner should do next: a stable ``code`` (the page words it), the ``endpoint``
    that does it, and the figures the sentence needs."""

    code: str
    endpoint: str
    params: dict = field(default_factory=dict)
    #: The region's own reason, where one decides the step (eligibility refused).
    message: str = ""


@dataclass(frozen=True)
class LearnerHome:
    year: int
    progress: ledger.YearProgress | None
    step: NextStep
    #: 最近听课记录: the chapters the learner watched last, newest first.
    recent: list[RecentStudy] = field(default_factory=list)


@dataclass(frozen=True)
class RecentStudy:
    course: Course
    chapter: Chapter
    watched_seconds: int
    #: When the learner last watched it (naive UTC, as stored).
    at: object


#: How many chapters 最近听课记录 lists.
RECENT_STUDY_COUNT = 5


def recent_study(user: User, limit: int = RECENT_STUDY_COUNT) -> list[RecentStudy]:
    """最近听课记录: the chapters ``user`` watched last (by their last heartbeat), newest first;
    one statement."""
    rows = db.session.execute(
        select(ChapterProgress, Chapter, Course)
        .join(Chapter, Chapter.id == ChapterProgress.chapter_id)
        .join(Course, Course.id == Chapter.course_id)
        .where(ChapterProgress.user_id == user.id, ChapterProgress.last_heartbeat_at.is_not(None),
               Course.region == user.region)
        .order_by(ChapterProgress.last_heartbeat_at.desc(), ChapterProgress.id.desc())
        .limit(limit)
    )
    return [RecentStudy(course, chapter, progress.watched_seconds, progress.last_heartbeat_at)
            for progress, chapter, course in rows]


def learner_home(user: User, year: int) -> LearnerHome:
    """The learner's year so far and the next step, in the order the journey runs."""
    region = user.region or ""
    caps = capabilities(region, year)
    try:
        progress = ledger.progress(user.id, region, year)
    except RuleError as error:
        return LearnerHome(year, None, NextStep("year_not_offered", "region.notices", message=error.message))
    return LearnerHome(year, progress, _next_step(user, year, caps, progress), recent_study(user))


def _next_step(user: User, year: int, caps, progress: ledger.YearProgress) -> NextStep:
    profile = user.profile
    if caps.collection and (profile is None or profile.collection_status in ("draft", "rejected")):
        return NextStep("collection", "accounts.me")
    eligibility = eligibility_for(user, year)
    if not eligibility.allowed:
        return NextStep("not_eligible", "accounts.me", message=eligibility.reasons[0].message)
    if caps.institution and institution_policy(user, year) is not None and current_enrolment(user, year) is None:
        if caps.enrolment:
            return NextStep("enrol", "enrolments.enrolment_index")
        return NextStep("institution", "study.institution")
    if not progress.complete and not caps.catalogue:
        # A hub: study and payment happen at the institution's site, credits come back here.
        return NextStep("study_at_institution", "enrolments.enrolment_index",
                        {"missing": progress.missing_total or sum(progress.missing.values())})
    if not progress.complete:
        plan = plan_view(user, year)
        if not plan.lines:
            return NextStep("choose_courses", "study.plan")
        return NextStep("study", "study.plan", {"missing": progress.missing_total or sum(progress.missing.values())})
    if caps.exam and exams.passed_attempt(user.id, user.region, year) is None:
        return NextStep("exam", "exams.exam_page")
    if caps.certificates and not certificates.issued(user.id, user.region, year):
        return NextStep("certificate", "my_certificates.certificate_page")
    return NextStep("done", "study.credits")


#: A queue's count stops here ("999+"): past it the number tells staff nothing more, and
#: counting a province's queue to the last row would cost the dashboard a read per row.
COUNT_CAP = 999


@dataclass(frozen=True)
class Queue:
    """Work waiting for a region's staff: how many (at most :data:`COUNT_CAP` + 1), and the
    page that lists them."""

    code: str
    count: int
    endpoint: str
    params: dict = field(default_factory=dict)

    @property
    def shown(self) -> str:
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)


def _count(rows: Select) -> int:
    """How many rows ``rows`` (a SELECT of ids) gives, counting no further than the cap."""
    return int(db.session.scalar(select(func.count()).select_from(rows.limit(COUNT_CAP + 1).subquery())) or 0)


def staff_queues(staff: User, region: str, year: int) -> list[Queue]:
    """The region's queues this staff member works on, with counts (admins see more)."""
    caps = capabilities(region, year)
    found: list[Queue] = []
    if caps.offsets:
        waiting = _count(select(OffsetApplication.id)
                         .where(OffsetApplication.region == region, OffsetApplication.status == "submitted"))
        found.append(Queue("offsets", waiting, "offsets.queue", {"status": "submitted"}))
    if caps.collection:
        waiting = _count(
            select(User.id).join(LearnerProfile, LearnerProfile.user_id == User.id)
            .where(User.region == region, User.role == "learner", LearnerProfile.collection_status == "submitted")
        )
        found.append(Queue("collections", waiting, "learner_admin.search", {"collection": "submitted"}))
    if caps.sales and staff.may_administer(region):
        refunds = _count(
            select(Refund.id).join(Order, Order.id == Refund.order_id)
            .where(Order.region == region, Refund.kind == "request", Refund.status == "requested")
        )
        found.append(Queue("refunds", refunds, "commerce_admin.refund_list"))
        invoices = _count(
            select(Invoice.id).join(Order, Order.id == Invoice.order_id)
            .where(Order.region == region, Invoice.status == "requested")
        )
        found.append(Queue("invoices", invoices, "commerce_admin.invoice_list"))
    return found
