"""Credits reviewed and merged (审核、合并) by a region's staff before its exam opens, where the
exam policy asks for it (``ExamPolicy.credit_review``): the queue of learners whose credits of
the year meet the exam's requirement and wait for review, and the batch confirmation. The exam
itself checks :func:`cpe_core.services.exams.credits_merged`."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import CreditRecord, CreditReview, User
from ..regions import RuleError, rules_for
from . import audit, exams, years


@dataclass(frozen=True)
class Waiting:
    """A learner whose credits of the year meet the exam's requirement, not yet merged."""

    user: User
    credits: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.credits.values())


def review_years(region: str) -> list[int]:
    """The years still open for study (the current one and make-up years), newest first, whose
    exam waits for the staff's review: where the 学分审核 queue has work."""
    rules = rules_for(region)
    found = []
    for year in years.open_years(region):
        policy = rules.exam_policy(year)
        if policy is not None and policy.credit_review:
            found.append(year)
    return found


def _policy(region: str, year: int):
    policy = rules_for(region).exam_policy(year)
    if policy is None or not policy.credit_review:
        raise RuleError("no_credit_review", "本地区本年度无需审核合并学分。")
    return policy


def queue(region: str, year: int) -> list[Waiting]:
    """Learners of ``region`` whose ``year`` credits (study and offsets, as the exam counts them)
    meet the exam's requirement and have not been merged, by name. Two statements whatever the
    length: the ledger's sums per learner, kind and source, then the learners."""
    policy = _policy(region, year)
    merged = select(CreditReview.user_id).where(CreditReview.year == year)
    rows = db.session.execute(
        select(CreditRecord.user_id, CreditRecord.kind, CreditRecord.source, func.sum(CreditRecord.credits))
        .where(CreditRecord.region == region, CreditRecord.year == year, CreditRecord.user_id.not_in(merged))
        .group_by(CreditRecord.user_id, CreditRecord.kind, CreditRecord.source)
    )
    earned: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    offsets: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for user_id, kind, source, credits in rows:
        earned[user_id][kind] += int(credits or 0)
        if source in ("offset", "import"):
            offsets[user_id][kind] += int(credits or 0)
    ready = {}
    for user_id in earned:
        counted = exams.counted_credits(policy, dict(earned[user_id]), dict(offsets[user_id]))
        if not exams.credit_shortfall(policy, counted):
            ready[user_id] = counted
    if not ready:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(ready), User.region == region)).all()
    return sorted((Waiting(user, ready[user.id]) for user in users), key=lambda w: (w.user.name, w.user.id))


def confirm(staff: User, region: str, year: int, user_ids: list[int]) -> int:
    """Merge the credits of the chosen learners of the queue (批量确认); learners not in it
    (merged meanwhile, or whose credits fell short) are left out. Returns how many were merged."""
    if not user_ids:
        raise RuleError("nothing_selected", "请选择要确认的学员。")
    waiting = {w.user.id: w for w in queue(region, year)}
    now = clock.to_utc_naive(clock.now())
    merged = 0
    for user_id in dict.fromkeys(user_ids):
        entry = waiting.get(user_id)
        if entry is None:
            continue
        db.session.add(CreditReview(user_id=user_id, region=region, year=year, credits=entry.total,
                                    merged_by=staff.id, merged_at=now))
        audit.record("credit_review.merge", f"user:{user_id}", actor=staff, region=region,
                     after={"year": year, "credits": entry.total})
        merged += 1
    try:
        db.session.commit()
    except IntegrityError:  # another reviewer merged one of them meanwhile (one review each)
        db.session.rollback()
        raise RuleError("credit_review_conflict", "部分学员的学分刚刚已被其他审核员确认，请刷新后重试。") from None
    return merged
