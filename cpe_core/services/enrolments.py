"""Enrol, then pay (报名后缴费): the flow of regions whose institution policy says
``enrol_then_pay`` (a provincial platform's way: choose year, level and institution, confirm the
enrolment, then pay that enrolment's fee at the school).

The rules live where they already are: choosing and cancelling in :mod:`.study`, paying,
cancelling unpaid orders and releasing a refunded enrolment in :mod:`.orders`. This module
gives the flow its records (报名记录) and checks that the region offers it at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hookspecs import InstitutionPolicy

from .. import clock
from ..extensions import db
from ..labels import N_
from ..models import Enrolment, Institution, Order, User
from ..regions import RuleError, rules_for
from .not_found import RecordNotFound
from . import handover, ledger, study

STATUS_LABELS = {
    "selected": N_("已报名，待缴费"),
    "paid": N_("已缴费"),
    "cancelled": N_("已取消"),
    "completed": N_("学分已登记"),
}


@dataclass(frozen=True)
class EnrolmentRecord:
    """One line of the learner's 报名记录, with what the learner may do with it."""

    enrolment: Enrolment
    institution: str
    status_label: str
    credits: dict[str, int]
    order: Order | None
    #: The region of this deployment the institution's site is (进入网校 by hand-over), or None.
    served_region: str | None = None

    @property
    def enrolled_at(self) -> str:
        """When the learner enrolled, Asia/Shanghai, as the records table shows it."""
        return clock.shanghai_text(self.enrolment.created_at)

    @property
    def total_credits(self) -> int:
        return sum(self.credits.values())

    @property
    def payable(self) -> bool:
        return self.enrolment.status == "selected"

    @property
    def cancellable(self) -> bool:
        return self.enrolment.status == "selected"


def status_labels(region: str, year: int) -> dict:
    """The core's enrolment status labels, with the region's own words where its policy gives them."""
    policy = rules_for(region).institution_policy(year)
    return {**STATUS_LABELS, **(dict(policy.status_labels) if policy is not None else {})}


def policy_for(user: User, year: int) -> InstitutionPolicy:
    """The year's policy when the learner's region enrols before paying, else ``no_enrolment``."""
    policy = study.institution_policy(user, year)
    if policy is None or not policy.enrol_then_pay:
        raise RuleError("no_enrolment", "本地区无需报名，请直接购买课程。")
    return policy


def institutions(user: User, year: int) -> list[Institution]:
    return study.institutions_on_offer(user, policy_for(user, year))


def records(user: User) -> list[EnrolmentRecord]:
    """Every enrolment of the learner, newest first, with its latest order and the credits of
    its year."""
    found = []
    labels: dict[int, dict] = {}
    rows = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id.desc()))
    for enrolment in rows:
        if enrolment.year not in labels:
            labels[enrolment.year] = status_labels(user.region or "", enrolment.year)
        order = db.session.scalar(
            select(Order).where(Order.enrolment_id == enrolment.id).order_by(Order.id.desc()).limit(1)
        )
        earned, _offsets = ledger.earned_by_source(user.id, enrolment.year) if enrolment.status != "cancelled" else ({}, {})
        found.append(EnrolmentRecord(
            enrolment=enrolment,
            institution=enrolment.institution.name if enrolment.institution else "",
            status_label=labels[enrolment.year].get(enrolment.status, enrolment.status),
            credits=earned,
            order=order,
            served_region=handover.served_region(enrolment.institution),
        ))
    return found


def enrol(user: User, year: int, institution_id: int | None, level: str | None) -> Enrolment:
    """报名: enrol at an institution of the year's list at a level; one live enrolment a year."""
    policy_for(user, year)
    study.check_may_study(user, year, "报名")
    existing = study.current_enrolment(user, year)
    if existing is not None:
        raise RuleError("already_enrolled", f"您已报名{year}年度继续教育，如需更换培训机构请先取消报名。")
    return study.choose_institution(user, year, institution_id, level)


def enrolment_of(user: User, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        raise RecordNotFound("enrolment_not_found", "没有找到该报名记录。")
    return enrolment


def cancel(user: User, enrolment_id: int) -> Enrolment:
    """取消报名 before paying; its unpaid orders are cancelled with it. Commits."""
    enrolment = enrolment_of(user, enrolment_id)
    policy_for(user, enrolment.year)
    if enrolment.status == "cancelled":
        raise RuleError("enrolment_cancelled", "该报名已取消。")
    if enrolment.status != "selected":
        raise RuleError("enrolment_paid", "该报名已缴费，不能取消；如需更换机构请先申请退费，退费后自动取消报名。")
    study.cancel_institution(user, enrolment.year)
    db.session.refresh(enrolment)
    return enrolment


def pay(user: User, enrolment_id: int, mode: str) -> Order:
    """缴费: the order for this enrolment in ``mode`` (priced by the region's quote)."""
    from .orders import create_order

    enrolment = enrolment_of(user, enrolment_id)
    policy_for(user, enrolment.year)
    if enrolment.status == "cancelled":
        raise RuleError("enrolment_cancelled", "该报名已取消，不能缴费；请重新报名。")
    if enrolment.status != "selected":
        raise RuleError("already_paid", "该报名已缴费，无需重复缴费。")
    return create_order(user, enrolment.year, mode)
