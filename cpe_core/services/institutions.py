"""The learner's training institution: the region's institution policy as it applies to them,
and their current enrolment of a year. Orders (what an enrolment costs) and the study plan
(choosing and cancelling) both read these, so they live below both."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hookspecs import KINDS, PROVIDER_MODES, InstitutionPolicy, LearningResources, ResourceProvider

from ..extensions import db
from ..models import Enrolment, Institution, User
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


@dataclass(frozen=True)
class ResourceRow:
    """One provider of the 学习资源 page, with where its 去学习 leads: ``institution`` when it
    is one of the region's institutions the learner may choose here, else ``provider.url``."""

    provider: ResourceProvider
    institution: Institution | None


@dataclass(frozen=True)
class ResourcesView:
    resources: LearningResources
    year: int
    kind: str
    mode: str | None
    query: str
    rows: list[ResourceRow]
    #: The subject kinds some provider teaches (the tabs) and the provider modes present.
    kinds: list[str]
    modes: list[str]


def learning_resources(user: User, year: int, *, kind: str | None = None, mode: str | None = None,
                       query: str = "") -> ResourcesView | None:
    """The region's 学习资源 for ``year`` as ``user`` sees it: the providers teaching ``kind``
    (the first tab by default), of ``mode`` (every mode when None), whose name contains
    ``query``. None when the region has no such list."""
    resources = rules_for(user.region).learning_resources(year)
    if resources is None:
        return None
    kinds = [k for k in KINDS if any(k in p.kinds for p in resources.providers)] or list(KINDS)
    kind = kind if kind in kinds else kinds[0]
    modes = [m for m in PROVIDER_MODES if any(p.mode == m for p in resources.providers)]
    mode = mode if mode in PROVIDER_MODES else None
    query = (query or "").strip()
    policy = institution_policy(user, year)
    choosable: dict[str, Institution] = {}
    if policy is not None and not policy.enrol_then_pay:
        rows = db.session.scalars(select(Institution).where(Institution.region == user.region))
        offered = set(policy.institutions)
        choosable = {i.name: i for i in rows if not offered or i.name in offered}
    found = [
        ResourceRow(provider, choosable.get(provider.name))
        for provider in resources.providers
        if kind in provider.kinds
        and (mode is None or provider.mode == mode)
        and (not query or query.casefold() in provider.name.casefold())
    ]
    return ResourcesView(resources, year, kind, mode, query, found, kinds, modes)
