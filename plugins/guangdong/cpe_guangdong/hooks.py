"""The Guangdong plugin's hook implementations: thin glue from the ``cpe`` specs to the rulebook.

Each function takes exactly the spec's argument names (a subset where the rule needs no more)
and delegates to :mod:`.rules`, :mod:`.content` or :mod:`.demo`. The core calls these only for
the region declared in :func:`cpe_regions`, so none of them checks which region it serves.
``cpe_send_sms`` is left to gateway plugins.
"""
from __future__ import annotations

import datetime as dt

from hookspecs import CollectionStep, RegistrationSpec
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
    InvoiceDelivery,
    LearningResources,
    StudyPlanPolicy,
    YearSetting,
    YearSettings,
    hookimpl,
)

from . import accounts, content, demo, rules

#: The cpe hook contract versions these hooks are written for (see hookspecs.CONTRACT_VERSION).
CPE_CONTRACT = ">=1.7,<2"  # privacy_notice (1.6); 学习资源, invoice delivery, combinable modes, help, past records, check-in (1.7)


@hookimpl
def cpe_regions() -> list[RegionInfo]:
    """Declare 广东省会计人员继续教育 (code ``guangdong``)."""
    return [content.region_info()]


@hookimpl
def cpe_year_settings(year: int) -> list[YearSetting]:
    """The period, the public exam's window and study minutes, the two prices, the invoice window."""
    return rules.year_settings(year)


@hookimpl
def cpe_year_requirements(year: int, settings: YearSettings) -> Requirements:
    """90 credits in the calendar year: 30 public, 60 professional, no make-up."""
    return rules.year_requirements(year, settings)


@hookimpl
def cpe_check_eligibility(learner: LearnerFacts, year: int) -> Eligibility:
    """Collected in Guangdong outside Shenzhen, qualified or working, obligation started."""
    return rules.check_eligibility(learner, year)


@hookimpl
def cpe_purchase_modes(learner: LearnerFacts, year: int, settings: YearSettings) -> list[PurchaseMode]:
    """公需课 (¥0) and 专业课 (¥90), both needed for the year."""
    return rules.purchase_modes(learner, year, settings)


@hookimpl
def cpe_quote(cart: Cart, settings: YearSettings) -> Quote | None:
    """One line for the year type bought; None for a mode Guangdong does not sell."""
    return rules.quote(cart.year, cart.mode, settings)


@hookimpl
def cpe_offset_types(year: int) -> list[OffsetType]:
    """No offsets in Guangdong: an empty catalogue."""
    return rules.offset_types(year)


@hookimpl
def cpe_exam_policy(year: int, settings: YearSettings) -> ExamPolicy:
    """The public-course exam; professional courses are not examined."""
    return rules.exam_policy(year, settings)


@hookimpl
def cpe_credit_export(year: int) -> CreditExport:
    """Records pushed to 广东省会计信息服务平台, or written as CSV/XLSX."""
    return rules.credit_export(year)


@hookimpl
def cpe_demo_data(year: int, today: dt.date) -> DemoData:
    """Schools, the year's courses and learners at each stage for trying the Guangdong site."""
    return demo.demo_data(year, today)


@hookimpl
def cpe_certificate_template(year: int) -> CertificateTemplate:
    """The 合格证 after the public-course exam is passed."""
    return rules.certificate_template(year)


@hookimpl
def cpe_registration_form() -> RegistrationSpec:
    """Who registers here and with what (see :mod:`.accounts`)."""
    return accounts.REGISTRATION


@hookimpl
def cpe_collection_steps() -> list[CollectionStep]:
    """个人信息, 学历信息, 工作信息, 专业技术信息, 提交, with the jpg/jpeg attachments."""
    return list(accounts.COLLECTION_STEPS)


@hookimpl
def cpe_institution_policy(year: int) -> InstitutionPolicy | None:
    """Where learners study this year: see :func:`.rules.institution_policy`."""
    return rules.institution_policy(year)


@hookimpl
def cpe_learning_resources(year: int) -> LearningResources:
    """学习资源: the schools and face-to-face providers, see :func:`.rules.learning_resources`."""
    return rules.learning_resources(year)


@hookimpl
def cpe_study_plan_policy(year: int) -> StudyPlanPolicy:
    """"在没有听课的情况下也可以点击取消选择": see :func:`.rules.study_plan_policy`."""
    return rules.study_plan_policy(year)


@hookimpl
def cpe_invoice_deadline(paid_on: dt.date, year: int, settings: YearSettings) -> dt.date:
    """"自购买之日起，可在一个月内申请发票": see :func:`.rules.invoice_request_deadline`."""
    return rules.invoice_request_deadline(paid_on, rules.values(year, settings)["invoice_window_months"])


@hookimpl
def cpe_invoice_delivery(requested_on: dt.date) -> InvoiceDelivery:
    """"电子发票会在申请后的7个工作日之内发送到邮箱": see :func:`.rules.invoice_delivery`."""
    return rules.invoice_delivery(requested_on)
