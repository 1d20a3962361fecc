"""The value objects that hooks receive and return.

Every object here is a frozen dataclass: the core builds them, plugins read them, and plugins
return new ones. Money is always integer fen (1 yuan = 100 fen). Dates are calendar dates in
Asia/Shanghai; datetimes are timezone-aware.

Plugins import these from :mod:`hookspecs` and nothing from ``cpe_core``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Branding",
    "Cart",
    "CartItem",
    "Contact",
    "CreditExport",
    "DemoAccount",
    "DemoChapter",
    "DemoCourse",
    "DemoData",
    "DemoInstitution",
    "DemoQuestion",
    "Eligibility",
    "EvidenceRules",
    "ExamPolicy",
    "ExamSection",
    "FaqEntry",
    "KINDS",
    "KIND_LABELS",
    "LearnerFacts",
    "LearnerYear",
    "Notice",
    "OffsetField",
    "OffsetRole",
    "OffsetType",
    "PROFESSIONAL",
    "PUBLIC",
    "PurchaseMode",
    "Quote",
    "QuoteLine",
    "ROLES",
    "Reason",
    "RegionInfo",
    "Requirements",
    "UNIT_LABELS",
]


#: The two subject kinds every requirement is expressed in.
PROFESSIONAL = "professional"
PUBLIC = "public"
KINDS: tuple[str, ...] = (PROFESSIONAL, PUBLIC)
KIND_LABELS: Mapping[str, str] = {PROFESSIONAL: "专业科目", PUBLIC: "公需科目"}

Unit = Literal["credit", "hour"]
UNIT_LABELS: Mapping[str, str] = {"credit": "学分", "hour": "学时"}

#: The roles a user can hold inside one region (plus the deployment-wide ``site_admin``).
ROLES: tuple[str, ...] = ("learner", "reviewer", "admin", "site_admin")


# --- Region information and branding -------------------------------------------------------


@dataclass(frozen=True)
class Branding:
    """How a region's site looks. Colours are CSS hex strings such as ``"#0b5cad"``."""

    primary_color: str
    accent_color: str
    #: A complete inline SVG document, served as the region's logo.
    logo_svg: str
    #: One line under the site name, e.g. the authority that runs the programme.
    tagline: str = ""


@dataclass(frozen=True)
class Contact:
    """Where learners get help (联系我们)."""

    phone: str
    email: str = ""
    address: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Notice:
    """One entry of the region's notices (通知公告)."""

    slug: str
    title: str
    published: dt.date
    body: str


@dataclass(frozen=True)
class FaqEntry:
    """One entry of the region's FAQ (常见问题)."""

    question: str
    answer: str


@dataclass(frozen=True)
class RegionInfo:
    """Everything the core needs to run a region's branded site.

    ``code`` is the URL prefix (``/<code>/``) and the key every region-scoped row carries; it must
    be lowercase ASCII letters, digits or dashes, and unique across enabled plugins.
    """

    code: str
    name: str
    authority: str
    branding: Branding
    contact: Contact
    unit: Unit = "credit"
    notices: tuple[Notice, ...] = ()
    faq: tuple[FaqEntry, ...] = ()
    #: The year the site opens on by default (the current programme year).
    current_year: int = 2024
    #: How learners sign in: ``"id_number"`` (身份证号) or ``"member_number"`` (会员号).
    login_field: str = "id_number"


# --- Requirements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirements:
    """What a learner must earn in one programme year.

    ``period_start`` and ``period_end`` are inclusive calendar dates in Asia/Shanghai.
    ``minimums`` maps a kind (:data:`PROFESSIONAL`, :data:`PUBLIC`) to the least amount of that
    kind; kinds not present have no minimum of their own. Amounts are whole units.
    """

    region: str
    year: int
    period_start: dt.date
    period_end: dt.date
    total: int
    minimums: Mapping[str, int] = field(default_factory=dict)
    unit: Unit = "credit"
    #: Last day (Asia/Shanghai) to make up a missed previous year, if the region allows it.
    makeup_deadline: dt.date | None = None


# --- Learners and eligibility ---------------------------------------------------------------


@dataclass(frozen=True)
class LearnerFacts:
    """What the core knows about a learner, as far as rules need it.

    ``collection_region`` is the region code chosen at info collection (信息采集);
    ``collection_area`` the finer place inside it (city, district) as the learner gave it.
    """

    learner_id: int
    region: str
    name: str = ""
    id_number: str = ""
    qualification_level: str | None = None
    qualified_year: int | None = None
    work_start_year: int | None = None
    collection_region: str | None = None
    collection_area: str | None = None
    employer: str | None = None
    member_type: str | None = None
    is_student: bool = False
    #: Approved offset credits of the year in question, per kind (filled by the core).
    offset_credits: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """A machine-readable ``code`` (stable, for the API and tests) and a Chinese ``message``."""

    code: str
    message: str


@dataclass(frozen=True)
class Eligibility:
    """The answer to "may this learner study here this year?"."""

    allowed: bool
    reasons: tuple[Reason, ...] = ()

    @classmethod
    def ok(cls, code: str = "eligible", message: str = "符合本地区继续教育学习条件") -> Eligibility:
        return cls(True, (Reason(code, message),))

    @classmethod
    def refused(cls, *reasons: Reason) -> Eligibility:
        return cls(False, tuple(reasons))


# --- Pricing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseMode:
    """A way to buy a year, offered to a learner (年度购买, 学分购买, 专业课...).

    ``available`` is False with a ``reason`` when the mode exists but this learner cannot use it.
    ``locks_courses``: courses bought in this mode can no longer be removed or swapped.
    """

    code: str
    name: str
    description: str = ""
    available: bool = True
    reason: Reason | None = None
    locks_courses: bool = False


@dataclass(frozen=True)
class CartItem:
    """One thing the learner wants to buy: a course, or a year type such as a public package."""

    sku: str
    title: str
    kind: str | None = None
    credits: int = 0
    course_id: int | None = None


@dataclass(frozen=True)
class Cart:
    """What the core asks a region to price. ``items`` may be empty for whole-year modes."""

    region: str
    year: int
    mode: str
    learner: LearnerFacts
    items: tuple[CartItem, ...] = ()


@dataclass(frozen=True)
class QuoteLine:
    """One priced line; ``amount_fen`` must equal ``quantity * unit_price_fen``."""

    sku: str
    description: str
    quantity: int
    unit_price_fen: int

    @property
    def amount_fen(self) -> int:
        return self.quantity * self.unit_price_fen


@dataclass(frozen=True)
class Quote:
    """A priced cart. Every amount is integer fen; the total is the sum of the lines."""

    mode: str
    lines: tuple[QuoteLine, ...]
    locks_courses: bool = False

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


# --- Offsets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OffsetRole:
    """A role inside an offset kind and what it is worth.

    With ``per_unit`` unset the role is worth ``credits`` once; with ``per_unit`` set (``"day"``,
    ``"hour"``) it is worth ``credits`` for each unit the learner claims.
    """

    code: str
    label: str
    credits: int
    per_unit: str | None = None

    def credits_for(self, quantity: int = 1) -> int:
        if self.per_unit is None:
            return self.credits
        if quantity < 0:
            raise ValueError("quantity must not be negative")
        return self.credits * quantity


@dataclass(frozen=True)
class OffsetField:
    """A field the application form asks for. ``type`` is one of ``text``, ``int``, ``date``,
    ``cn_number`` (a periodical's 国内统一刊号 such as ``CN11-1234/F``) or ``choice``."""

    name: str
    label: str
    type: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceRules:
    """What evidence an application may carry."""

    max_files: int = 3
    min_files: int = 0
    #: Content types checked by sniffing the file, never by its name.
    content_types: tuple[str, ...] = ("image/jpeg", "image/png")
    max_bytes: int = 5 * 1024 * 1024
    #: An edit must upload evidence again; saving an edit without files clears the old ones.
    reupload_on_edit: bool = False


@dataclass(frozen=True)
class OffsetType:
    """One kind of activity that offsets credits (学分抵免) or earns hours (学时申请).

    ``kind`` is the subject kind the credits count as. ``needs_application`` is False for kinds
    registered by staff import (e.g. a national exam passed). ``max_credits`` caps one
    application's value; ``max_quantity`` caps the units claimed for ``per_unit`` roles.
    """

    code: str
    label: str
    kind: str
    roles: tuple[OffsetRole, ...]
    fields: tuple[OffsetField, ...] = ()
    evidence: EvidenceRules = field(default_factory=EvidenceRules)
    needs_application: bool = True
    description: str = ""
    max_credits: int | None = None
    max_quantity: int | None = None

    def role(self, code: str) -> OffsetRole:
        for role in self.roles:
            if role.code == code:
                return role
        raise KeyError(code)

    def credits_for(self, role_code: str, quantity: int = 1) -> int:
        """The credits an application of this type and role is worth, capped."""
        if self.max_quantity is not None and quantity > self.max_quantity:
            raise ValueError(f"quantity {quantity} exceeds the cap of {self.max_quantity}")
        value = self.role(role_code).credits_for(quantity)
        if self.max_credits is not None:
            value = min(value, self.max_credits)
        return value


# --- Exams ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamSection:
    """``count`` questions of ``question_type`` (``single`` or ``truefalse``), ``points`` each."""

    question_type: str
    count: int
    points: int


@dataclass(frozen=True)
class ExamPolicy:
    """When a region's yearly exam opens and how it is set.

    The exam opens when the learner's ledger holds ``required_total`` and each of
    ``required_by_kind`` (offsets included when ``counts_offsets``), has studied at least
    ``min_study_minutes``, and now is inside ``opens_at``..``closes_at`` (aware datetimes; None
    means unbounded). Questions come from ``question_source``: ``"own_courses"`` (every course in
    the learner's plan) or ``"public_courses"`` (only public-kind courses).
    """

    region: str
    year: int
    title: str
    sections: tuple[ExamSection, ...]
    time_limit_minutes: int
    pass_mark: int
    required_total: int = 0
    required_by_kind: Mapping[str, int] = field(default_factory=dict)
    counts_offsets: bool = True
    min_study_minutes: int = 0
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    max_attempts: int | None = None
    grace_seconds: int = 30
    question_source: str = "own_courses"

    @property
    def full_marks(self) -> int:
        return sum(section.count * section.points for section in self.sections)


# --- Credit export --------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerYear:
    """One learner's ledger for one year, as exports see it."""

    learner_id: int
    region: str
    year: int
    name: str
    id_number: str
    credits: Mapping[str, int]
    total: int
    complete: bool
    exam_score: int | None = None
    study_minutes: int = 0
    member_number: str | None = None
    member_type: str | None = None


@dataclass(frozen=True)
class CreditExport:
    """How a region reports credits. ``row`` turns a :class:`LearnerYear` into one output row in
    the order of ``columns``; ``formats`` lists what the region supports (``csv``, ``xlsx``,
    ``push``). For ``push``, ``push_url_setting`` names the config key holding the receiver URL,
    and ``push_ready`` decides which records may be sent at all."""

    region: str
    year: int
    columns: tuple[str, ...]
    row: Callable[[LearnerYear], tuple[object, ...]]
    formats: tuple[str, ...] = ("csv", "xlsx")
    push_url_setting: str | None = None
    push_ready: Callable[[LearnerYear], bool] | None = None


# --- Demo data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoQuestion:
    """A chapter exercise or exam question. For ``truefalse``, options are ``("正确", "错误")``;
    ``answer`` is the index of the right option."""

    question_type: str
    text: str
    options: tuple[str, ...]
    answer: int
    explanation: str = ""


@dataclass(frozen=True)
class DemoChapter:
    title: str
    duration_seconds: int
    questions: tuple[DemoQuestion, ...] = ()


@dataclass(frozen=True)
class DemoCourse:
    code: str
    title: str
    kind: str
    credits: int
    lecturer: str
    introduction: str
    chapters: tuple[DemoChapter, ...]
    institution: str | None = None
    required: bool = False


@dataclass(frozen=True)
class DemoInstitution:
    name: str
    level: str | None = None


@dataclass(frozen=True)
class DemoAccount:
    """A demo account; ``role`` is one of :data:`ROLES`. ``login`` is an ID number or member
    number, depending on the region's ``login_field``."""

    login: str
    name: str
    password: str
    role: str = "learner"
    phone: str = ""
    qualification_level: str | None = None
    qualified_year: int | None = None
    collection_region: str | None = None
    collection_area: str | None = None
    employer: str | None = None
    member_type: str | None = None


@dataclass(frozen=True)
class DemoData:
    """What ``cpe demo load`` creates for a region (idempotently, keyed by codes and logins)."""

    year: int
    institutions: tuple[DemoInstitution, ...] = ()
    courses: tuple[DemoCourse, ...] = ()
    accounts: tuple[DemoAccount, ...] = ()
