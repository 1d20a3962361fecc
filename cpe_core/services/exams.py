"""Whether a learner's exam is open, by the region's exam policy."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from hookspecs import KIND_LABELS, UNIT_LABELS, ExamPolicy, Reason

from .. import clock
from ..extensions import db
from ..models import ExamAttempt
from ..regions import rules_for
from . import ledger


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


def _credit_reasons(policy: ExamPolicy, user_id: int) -> list[Reason]:
    earned, offsets = ledger.earned_by_source(user_id, policy.year)
    if not policy.counts_offsets:
        earned = {kind: amount - offsets.get(kind, 0) for kind, amount in earned.items()}
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
        opens = policy.opens_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
        return [Reason("window_not_open", f"考试尚未开放，开放时间：{opens}。")]
    if policy.closes_at is not None and now > policy.closes_at:
        closed = policy.closes_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
        return [Reason("window_closed", f"考试已于{closed}关闭。")]
    return []
