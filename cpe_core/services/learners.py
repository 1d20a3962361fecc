"""What rules see of a learner."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from hookspecs import LearnerFacts

from ..extensions import db
from ..models import CreditRecord, User
from ..regions import rules_for


def offset_credits(user_id: int, year: int) -> dict[str, int]:
    """Approved offset credits of ``year``, per kind, from the ledger."""
    rows = db.session.execute(
        select(CreditRecord.kind, func.sum(CreditRecord.credits))
        .where(
            CreditRecord.user_id == user_id,
            CreditRecord.year == year,
            CreditRecord.source.in_(("offset", "import")),
        )
        .group_by(CreditRecord.kind)
    )
    totals: dict[str, int] = defaultdict(int)
    for kind, credits in rows:
        totals[kind] = int(credits or 0)
    return dict(totals)


def facts_for(user: User, year: int) -> LearnerFacts:
    """The :class:`~hookspecs.LearnerFacts` of ``user`` for rules about ``year``."""
    profile = user.profile
    # The status means something only where the region runs collection on this platform.
    collects = bool(user.region) and bool(rules_for(user.region).collection_steps())
    return LearnerFacts(
        learner_id=user.id,
        region=user.region or "",
        name=user.name,
        id_number=(profile.id_number or "") if profile else "",
        qualification_level=profile.qualification_level if profile else None,
        qualified_year=profile.qualified_year if profile else None,
        work_start_year=profile.work_start_year if profile else None,
        collection_region=profile.collection_region if profile else None,
        collection_area=profile.collection_area if profile else None,
        employer=profile.employer if profile else None,
        member_type=profile.member_type if profile else None,
        is_student=profile.is_student if profile else False,
        offset_credits=offset_credits(user.id, year),
        collection_status=profile.collection_status if (profile and collects) else None,
    )
