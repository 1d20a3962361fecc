"""The CICPA plugin's hook implementations: thin glue from the cpe hook specs to
:mod:`cpe_cicpa.rules`, :mod:`cpe_cicpa.content` and :mod:`cpe_cicpa.demo`.

The core calls these only for the ``cicpa`` region declared in :func:`cpe_regions`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

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
    YearSetting,
    YearSettings,
    hookimpl,
)

from . import accounts, content, demo, rules

#: The cpe hook contract versions these hooks are written for (see hookspecs.CONTRACT_VERSION).
CPE_CONTRACT = ">=1.7,<2"  # RegistrationSpec.privacy_notice (1.6), login_choice (选择用户类型, 1.7)


@hookimpl
def cpe_regions() -> list[RegionInfo]:
    """Declare the CICPA site."""
    return [content.REGION_INFO]


@hookimpl
def cpe_year_settings(year: int) -> list[YearSetting]:
    """The year's first and last day."""
    return rules.year_settings(year)


@hookimpl
def cpe_year_requirements(year: int, settings: YearSettings) -> Requirements:
    """ANNUAL_HOURS hours in the calendar year, no per-kind minimum."""
    return rules.year_requirements(year, settings)


@hookimpl
def cpe_check_eligibility(learner: LearnerFacts) -> Eligibility:
    """Members only: practising CPAs and non-practising members."""
    return rules.check_eligibility(learner.member_type)


@hookimpl
def cpe_purchase_modes(learner: LearnerFacts, year: int) -> list[PurchaseMode] | None:
    """None: study at the national accounting institutes is not sold through this site (the
    seed shows no payment at all), so the core skips payment."""
    return None


@hookimpl
def cpe_quote(cart: Cart) -> Quote | None:
    """None: CICPA has no purchase modes, so no cart of its own can be priced."""
    return None


@hookimpl
def cpe_offset_types() -> list[OffsetType]:
    """Input-type, output-type and exemption hours, confirmed by the provincial institute."""
    return rules.offset_types()


@hookimpl
def cpe_application_statuses() -> Mapping[str, str]:
    """未确认, 已确认, 不予确认: the manual's words for the core's application statuses."""
    return rules.APPLICATION_STATUSES


@hookimpl
def cpe_exam_policy(region: str, year: int) -> ExamPolicy | None:
    """None: CICPA holds no yearly exam; earning the year's hours is enough."""
    return None


@hookimpl
def cpe_credit_export(year: int) -> CreditExport:
    """Hours per member and year, as CSV or Excel."""
    return rules.credit_export(year)


@hookimpl
def cpe_demo_data(year: int, today: dt.date) -> DemoData:
    """The three national institutes, the year's courses, members at each stage, the staff."""
    return demo.demo_data(year, today)


@hookimpl
def cpe_certificate_template(year: int) -> CertificateTemplate:
    """The 学时证明 listing the hour records the member selects."""
    return rules.certificate_template(year)


@hookimpl
def cpe_registration_form() -> RegistrationSpec:
    """Who registers here and with what (see :mod:`.accounts`)."""
    return accounts.REGISTRATION


@hookimpl
def cpe_institution_policy(year: int) -> InstitutionPolicy | None:
    """Where learners study this year: see :func:`.rules.institution_policy`."""
    return rules.institution_policy(year)
