"""What an order may sell: the learner's study plan as the cart items a region's ``cpe_quote``
prices."""
from __future__ import annotations

from sqlalchemy import select

from hookspecs import CartItem

from ..extensions import db
from ..models import StudyPlanItem


def plan_items(user_id: int, year: int, *, unopened_only: bool = False) -> tuple[CartItem, ...]:
    """The learner's current study plan as cart items (only the courses not yet opened for
    study, with ``unopened_only``: what an order may still sell)."""
    query = (
        select(StudyPlanItem)
        .where(
            StudyPlanItem.user_id == user_id,
            StudyPlanItem.year == year,
            StudyPlanItem.removed_at.is_(None),
        )
        .order_by(StudyPlanItem.id)
    )
    if unopened_only:
        query = query.where(StudyPlanItem.opened_at.is_(None))
    items = db.session.scalars(query)
    return tuple(
        CartItem(
            sku=f"course:{item.course.code}",
            title=item.course.title,
            kind=item.course.kind,
            credits=item.course.credits,
            course_id=item.course_id,
        )
        for item in items
    )
