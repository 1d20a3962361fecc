"""The Hainan plugin's hooks: thin glue from the cpe hook specs to :mod:`.rules`.

The core calls them only for the ``hainan`` region declared in :func:`cpe_regions`, so none of
them checks which region it serves. Hooks left out fall back to the core's defaults: no offsets
(cpe_offset_types), no exam (cpe_exam_policy), SMS written to the log (cpe_send_sms).
"""
from __future__ import annotations

from hookspecs import (
    Cart,
    CreditExport,
    DemoData,
    Eligibility,
    InstitutionPolicy,
    LearnerFacts,
    PurchaseMode,
    Quote,
    RegionInfo,
    Requirements,
    hookimpl,
)

from . import content, rules

#: The cpe hook contract versions these hooks are written for.
CPE_CONTRACT = ">=1.2,<2"


@hookimpl
def cpe_regions() -> list[RegionInfo]:
    """Declare 海南省会计人员继续教育."""
    return [content.REGION_INFO]


@hookimpl
def cpe_year_requirements(year: int) -> Requirements:
    return rules.year_requirements(year)


@hookimpl
def cpe_check_eligibility(learner: LearnerFacts) -> Eligibility:
    return rules.check_eligibility(learner)


@hookimpl
def cpe_purchase_modes() -> list[PurchaseMode]:
    return rules.purchase_modes()


@hookimpl
def cpe_quote(cart: Cart) -> Quote | None:
    return rules.quote(cart)


@hookimpl
def cpe_institution_policy(year: int) -> InstitutionPolicy:
    return rules.institution_policy(year)


@hookimpl
def cpe_credit_export(year: int) -> CreditExport:
    return rules.credit_export(year)


@hookimpl
def cpe_demo_data(year: int) -> DemoData:
    return content.demo_data(year)
