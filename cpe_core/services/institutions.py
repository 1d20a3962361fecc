"""The learner's training institution: the region's institution policy as it applies to them,
and their current enrolment of a year. Orders (what an enrolment costs) and the study plan
(choosing and cancelling) both read these, so they live below both."""
from __future__ import annotations

from sqlalchemy import select

from hookspecs import InstitutionPolicy

from ..extensions import db
from ..models import Enrolment, User
from ..regions import rules_for


def institution_policy(user: User, year: int) -> InstitutionPolicy | None:
    """The region's policy if it applies to this learner, else None."""
    policy = rules_for(user.region).institution_policy(year)
    if policy is None:
        return None
    member_type = user.profile.member_type if user.profile else None
    return policy if policy.applies_to(member_type) else None


def current_enrolment(user: User, year: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.year == year, Enrolment.status != "cancelled")
        .order_by(Enrolment.id.desc())
        .limit(1)
    )
