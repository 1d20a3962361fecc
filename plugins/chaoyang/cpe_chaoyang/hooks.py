"""The hook implementations of the Chaoyang plugin: thin glue from the specs to :mod:`.rules`.

The core calls these only for the region declared in :func:`cpe_regions`, so no function here
checks which region it serves; the hooks that receive ``region`` simply do not take it.
``cpe_send_sms`` is left to the core's default (Chaoyang resets passwords by phone call).
"""
from __future__ import annotations

import datetime as dt

from hookspecs import RegistrationSpec
from hookspecs import (
    Cart,
    CertificateTemplate,
    CreditExport,
    DemoData,
    Eligibility,
    ExamPolicy,
    LearnerFacts,
    OffsetType,
    PurchaseMode,
    Quote,
    RegionInfo,
    Requirements,
    InstitutionPolicy,
    RatingPolicy,
    StudyPlanPolicy,
    YearSetting,
    YearSettings,
    hookimpl,
)

from . import accounts, content, demo, rules

#: The cpe hook contract versions these hooks are written for (see hookspecs.CONTRACT_VERSION).
CPE_CONTRACT = ">=1.7,<2"  # CreditExport.push_required (1.5), RegistrationSpec.privacy_notice (1.6), ExamPolicy.credit_review (1.7)


@hookimpl
def cpe_regions() -> list[RegionInfo]:
    """Declare 朝阳会计在线."""
    return [content.REGION_INFO]


@hookimpl
def cpe_year_settings(year: int) -> list[YearSetting] | None:
    """The period, make-up deadline, exam window, price per credit and exam attempt limit."""
    return rules.year_settings(year) if rules.is_offered(year) else None


@hookimpl
def cpe_year_requirements(year: int, settings: YearSettings) -> Requirements | None:
    """90 credits, at least 60 professional, from Y-02-01 to (Y+1)-01-31."""
    return rules.year_requirements(year, settings)


@hookimpl
def cpe_check_eligibility(learner: LearnerFacts, year: int) -> Eligibility:
    """Collected in 朝阳市 on the Liaoning platform, and past the year the obligation starts."""
    return rules.check_eligibility(learner, year)


@hookimpl
def cpe_purchase_modes(learner: LearnerFacts, year: int, settings: YearSettings) -> list[PurchaseMode]:
    """年度购买 without offsets, 学分购买 with them."""
    return rules.purchase_modes(learner, year, settings)


@hookimpl
def cpe_quote(cart: Cart, settings: YearSettings) -> Quote | None:
    """1 yuan per credit: the year's 90, or the selected courses' credits."""
    return rules.quote(cart, settings)


@hookimpl
def cpe_offset_types(year: int) -> list[OffsetType] | None:
    """The seven 视同培训 offsets of the yearly notice."""
    return rules.offset_types(year)


@hookimpl
def cpe_exam_policy(year: int, settings: YearSettings) -> ExamPolicy | None:
    """5 single choice + 5 true/false, 10 points each, 60 minutes, from the year's start to the
    make-up deadline for it."""
    return rules.exam_policy(year, settings)


@hookimpl
def cpe_credit_export(year: int) -> CreditExport | None:
    """The import sheet of the Liaoning provincial platform."""
    return rules.credit_export(year)


@hookimpl
def cpe_demo_data(year: int, today: dt.date) -> DemoData:
    """朝阳市会计学会, the year's nine courses, learners at each stage and two staff."""
    return demo.demo_data(year, today)


@hookimpl
def cpe_certificate_template(year: int) -> CertificateTemplate | None:
    """The 合格证 (exam passed), issued in the name of the Chaoyang Accounting Society."""
    return rules.certificate_template(year)


@hookimpl
def cpe_registration_form() -> RegistrationSpec:
    """Who registers here and with what (see :mod:`.accounts`)."""
    return accounts.REGISTRATION


@hookimpl
def cpe_institution_policy(year: int) -> InstitutionPolicy | None:
    """Where learners study this year: see :func:`.rules.institution_policy`."""
    return rules.institution_policy(year)


@hookimpl
def cpe_study_plan_policy(year: int) -> StudyPlanPolicy | None:
    """A started course can be removed and comes back with its record: see
    :func:`.rules.study_plan_policy`."""
    return rules.study_plan_policy(year)


@hookimpl
def cpe_rating_policy(year: int) -> RatingPolicy:
    """Learners rate the courses they studied (the training flow's course page: "c.为课程评价")."""
    return RatingPolicy(targets=("course",))


@hookimpl
def cpe_collection_steps() -> None:
    """None: info collection is done on the Liaoning platform; registration only records where
    (the ``collection_region`` choice), which the eligibility hook judges."""
    return None
