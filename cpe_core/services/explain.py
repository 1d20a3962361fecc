"""A dry run of a region's rules for one learner (``cpe explain`` and the admin page).

It calls the same services the site does, so it cannot disagree with them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from hookspecs import Eligibility, Reason

from ..extensions import db
from .. import clock
from ..models import OffsetApplication, Order, StudyPlanItem, User
from ..regions import RuleError, rules_for
from . import exams, ledger, orders, years
from .money import format_fen
from .learners import facts_for
from .institutions import current_enrolment, institution_policy


@dataclass(frozen=True)
class Explanation:
    region: str
    year: int
    learner: User
    eligibility: Eligibility
    progress: ledger.YearProgress | None
    year_reason: Reason | None
    quotes: tuple[orders.Offer, ...]
    offsets: tuple[OffsetApplication, ...]
    exam: exams.ExamStatus | None
    findings: tuple[tuple[str, Reason], ...] = field(default=())


def explain(user: User, year: int) -> Explanation:
    region = user.region or ""
    rules = rules_for(region)
    facts = facts_for(user, year)
    findings: list[tuple[str, Reason]] = list(year_findings(region, year))

    eligibility = rules.eligibility(facts, year)
    findings.extend(("eligibility", reason) for reason in eligibility.reasons)

    progress = None
    year_reason = None
    try:
        progress = ledger.progress(user.id, region, year)
        findings.extend(("requirement", reason) for reason in progress.reasons())
    except RuleError as error:
        year_reason = Reason(error.code, error.message)
        findings.append(("requirement", year_reason))

    modes = rules.purchase_modes(facts, year)
    policy = institution_policy(user, year)
    if policy is not None and policy.studies_at_institution:
        findings.extend(("enrolment", reason) for reason in _enrolment_findings(user, year))
    elif not modes:
        findings.append(("price", Reason("free", "本地区学习免费，无需缴费。")))
    # What the learner already paid for the year, then what is still on offer: a mode paid
    # once is not quoted again.
    paid = _paid_orders(user.id, region, year)
    names = {mode.code: mode.name for mode in modes}
    for order in paid:
        name = "、".join(names.get(code, code) for code in orders.modes_of(order.mode))
        when = clock.shanghai_text(order.paid_at)
        findings.append(("price", Reason(
            f"paid_{order.mode}", f"已缴费：{name} {format_fen(order.total_fen)}（订单号{order.number}，{when}）。")))
    paid_modes = {code for order in paid for code in orders.modes_of(order.mode)}
    # The order page's own offers, so the figures here are the ones the learner is charged
    # (the plan's unopened courses, the enrolment's level where the region enrols first).
    quotes = tuple(offer for offer in orders.offers(user, year) if offer.mode.code not in paid_modes)
    for entry in quotes:
        if entry.quote is not None:
            reason = Reason(f"quote_{entry.mode.code}", f"{entry.mode.name}：{format_fen(entry.quote.total_fen)}")
        else:
            reason = entry.reason
        # One row per distinct reason: modes refused for one cause (a learner outside the
        # region) say it once.
        if reason is not None and ("price", reason) not in findings:
            findings.append(("price", reason))

    offsets = tuple(
        db.session.scalars(
            select(OffsetApplication)
            .where(OffsetApplication.user_id == user.id, OffsetApplication.year == year)
            .order_by(OffsetApplication.id)
        )
    )
    # The ledger, not the applications, is the truth: kind-1 offsets arrive by staff import.
    approved = sum(facts.offset_credits.values())
    title = rules.offsets_title
    findings.append(
        (
            "offsets",
            Reason(
                "offsets_approved" if approved else "no_offsets",
                f"已批准的{title}：{approved}{rules.unit_label}。" if approved else f"没有已批准的{title}。",
            ),
        )
    )

    exam = exams.status(user.id, region, year) if year_reason is None else None
    if exam is not None:
        findings.extend(("exam", reason) for reason in exam.reasons)
    return Explanation(
        region, year, user, eligibility, progress, year_reason, quotes, offsets, exam, tuple(findings)
    )


def _enrolment_findings(user: User, year: int) -> list[Reason]:
    """A hub's learner: where they enrolled, where they pay and study, what came back."""
    enrolment = current_enrolment(user, year)
    if enrolment is None:
        return [Reason("not_enrolled", f"尚未报名{year}年度网络培训：选择培训等级和培训机构后确认报名，"
                                        "再通过【进入网校】在网校缴费学习。")]
    school = enrolment.institution.name if enrolment.institution else ""
    found = [Reason("enrolled", f"已报名{school}（{enrolment.level or '—'}），在该网校缴费学习，本平台不收费。")]
    if enrolment.status == "paid":
        found.append(Reason("paid_at_institution", "已在网校缴费，不能取消报名；网校退费后自动取消报名。"))
    if enrolment.status == "completed":
        found.append(Reason("credits_registered", "网校已登记学分（学分已登记）。"))
    return found


STATE_WORDS = {
    "open": "学习期内，学习、申请和考试计入本年度",
    "makeup": "学习期已过，补学期内仍计入本年度",
    "closed": "学习及补学期均已截止，不再计入本年度",
    "upcoming": "学习期尚未开始",
}


def year_findings(region: str, year: int):
    """Which year applies today, where ``year`` stands, and where each of its settings came
    from (the plugin's default or the region's admin)."""
    current = years.current_year(region)
    yield "year", Reason("current_year", f"今天（{years.today():%Y-%m-%d}）适用{current}年度。")
    try:
        status = years.status(region, year)
    except RuleError as error:
        yield "year", Reason(error.code, error.message)
        return
    makeup = f"，补学截至{status.makeup_until:%Y-%m-%d}" if status.makeup_until else ""
    yield "year", Reason(
        f"year_{status.state}",
        f"{year}年度学习期{status.period_start:%Y-%m-%d}至{status.period_end:%Y-%m-%d}{makeup}："
        f"{STATE_WORDS[status.state]}。",
    )
    for item in years.values(region, year):
        who = ""
        if item.source == years.ADMIN:
            who = f"，{item.changed_by or '系统'}于{item.changed_at:%Y-%m-%d %H:%M}设置"
        yield "settings", Reason(
            f"setting_{item.setting.key}_{item.source}",
            f"{item.setting.label}：{years.shown(item.setting, item.value)}（{item.source_label}{who}）",
        )


def _paid_orders(user_id: int, region: str, year: int) -> list[Order]:
    return list(db.session.scalars(
        select(Order)
        .where(Order.user_id == user_id, Order.region == region, Order.year == year, Order.status == "paid")
        .order_by(Order.id)
    ))
