"""What a region offers in a year, read from its hooks in one place.

The menu, the staff dashboard and the views all ask :func:`capabilities`; none of them checks a
region code or calls a hook for this on its own. A region whose exam policy is None has no exam
page, one without a certificate template no certificates page, one with no offset types no
application pages, one whose credit export has no ``push`` format no push button, one that sells
nothing no orders. A view reached anyway answers :class:`NotOffered` (404 with the reason).
"""
from __future__ import annotations

from dataclasses import dataclass

from werkzeug.exceptions import NotFound

from hookspecs import LearnerFacts

from ..regions import RuleError, rules_for
from .exports import export_of


@dataclass(frozen=True)
class Capabilities:
    """One region's offer in one programme year, each flag from the hook named beside it."""

    region: str
    year: int
    #: ``cpe_exam_policy`` answered: the region holds an exam that year.
    exam: bool
    #: ``cpe_certificate_template`` answered: the region issues certificates for the year.
    certificates: bool
    #: ``cpe_offset_types`` is not empty: the region grants offsets (学分抵免, 学时申请).
    offsets: bool
    #: Some offset type takes a learner's application (others are registered by staff import).
    offset_applications: bool
    #: ``cpe_credit_export`` answered: the region reports credits (files, and maybe pushes).
    export: bool
    #: The credit export offers ``push``: records are sent to a receiver.
    push: bool
    #: ``cpe_purchase_modes`` offers a mode: learners pay, so orders, refunds and invoices exist.
    sales: bool
    #: ``cpe_institution_policy`` answered: learners choose an institution that year.
    institution: bool
    #: The institution policy enrols before paying (报名后缴费): the enrolment records page.
    enrolment: bool
    #: ``cpe_collection_steps`` is not empty: learners fill info collection on this site.
    collection: bool
    #: Learners study courses on this site: not a hub whose institution policy sends them to the
    #: institution's own site (``studies_at_institution``).
    catalogue: bool = True
    #: The exam policy asks staff to review and merge credits first (学分审核).
    credit_review: bool = False
    #: ``cpe_learning_resources`` answered: the 学习资源 page lists the year's providers.
    resources: bool = False
    #: The export formats the region offers (``csv``, ``xlsx``, ``push``), in its order.
    export_formats: tuple[str, ...] = ()
    #: ``cpe_rating_policy`` lets learners rate institutions: staff see 培训机构评价.
    institution_ratings: bool = False


class NotOffered(NotFound):
    """A page or action for something the region does not offer: 404, with a Chinese reason the
    error page (or the API's ``{"error": {code, message}}``) shows."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(description=message)
        self.code = code
        self.message = message


#: Why each capability's pages are missing, in the learner's words.
MISSING = {
    "exam": ("no_exam", "本地区本年度不设考试。"),
    "certificates": ("no_certificates", "本地区本年度不颁发证书。"),
    "offsets": ("no_offsets", "本地区不受理{unit}抵免申请。"),
    "offset_applications": ("no_offset_applications", "本地区的{unit}抵免由工作人员统一登记，无需申请。"),
    "export": ("no_export", "本地区不上报{unit}。"),
    "push": ("no_push", "本地区不向省平台推送{unit}。"),
    "sales": ("free_region", "本地区学习免费，无需缴费。"),
    "institution": ("no_institution_choice", "本地区无需选择培训机构。"),
    "enrolment": ("no_enrolment", "本地区无需报名，请直接购买课程。"),
    "collection": ("no_collection", "本地区不在本平台进行信息采集。"),
    "institution_ratings": ("not_rateable", "本地区不评价培训机构。"),
    "credit_review": ("no_credit_review", "本地区本年度无需审核合并学分。"),
    "resources": ("no_learning_resources", "本地区没有学习资源列表。"),
    "catalogue": ("study_at_institution", "请在报名的培训机构网校学习：在【报名记录】中点击【进入网校】。"),
}


def capabilities(region: str, year: int) -> Capabilities:
    """What ``region`` offers in ``year``, asked of its hooks (once per request on a page)."""
    cache = _request_cache()
    key = (region, year)
    if cache is not None and key in cache:
        return cache[key]
    rules = rules_for(region)
    offset_types = rules.offset_types(year)
    try:
        export = export_of(rules, year)
    except RuleError:
        export = None
    try:
        modes = rules.purchase_modes(LearnerFacts(learner_id=0, region=region), year)
    except RuleError:
        modes = []
    policy = rules.institution_policy(year)
    exam_policy = rules.exam_policy(year)
    found = Capabilities(
        region=region,
        year=year,
        exam=exam_policy is not None,
        credit_review=exam_policy is not None and exam_policy.credit_review,
        certificates=rules.certificate_template(year) is not None,
        offsets=bool(offset_types),
        offset_applications=any(t.needs_application for t in offset_types),
        export=export is not None,
        push=export is not None and "push" in export.formats,
        sales=bool(modes),
        institution=policy is not None,
        enrolment=policy is not None and policy.enrol_then_pay,
        collection=bool(rules.collection_steps()),
        catalogue=policy is None or not policy.studies_at_institution,
        export_formats=tuple(export.formats) if export is not None else (),
        institution_ratings="institution" in rules.rating_policy(year).targets,
        resources=rules.learning_resources(year) is not None,
    )
    if cache is not None:
        cache[key] = found
    return found


def require(region: str, year: int, name: str) -> Capabilities:
    """The region's capabilities, or :class:`NotOffered` when it lacks ``name`` (a field of
    :class:`Capabilities`)."""
    found = capabilities(region, year)
    if not getattr(found, name):
        code, message = MISSING[name]
        raise NotOffered(code, message.format(unit=rules_for(region).unit_label))
    return found


def _request_cache() -> dict | None:
    from flask import g, has_app_context

    if not has_app_context():
        return None
    if "cpe_capabilities" not in g:
        g.cpe_capabilities = {}
    return g.cpe_capabilities
