"""Whether a learner may study in a year, by the region's eligibility hook (one place for the
site, the API and, before any payment, the order pages)."""
from __future__ import annotations

from hookspecs import Eligibility

from ..models import User
from ..regions import rules_for
from .learners import facts_for


def eligibility_for(user: User, year: int) -> Eligibility:
    """The region's answer for ``user`` in ``year``, with Chinese reasons."""
    return rules_for(user.region).eligibility(facts_for(user, year), year)


def as_json(answer: Eligibility) -> dict:
    return {
        "allowed": answer.allowed,
        "reasons": [{"code": r.code, "message": r.message} for r in answer.reasons],
    }
