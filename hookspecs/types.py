"""The value objects that hooks receive and return.

Every object here is a frozen dataclass: the core builds them, plugins read them, and plugins
return new ones. Money is always integer fen (1 yuan = 100 fen). Dates are calendar dates in
Asia/Shanghai; datetimes are timezone-aware.

Plugins import these from :mod:`hookspecs` and nothing from ``cpe_core``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "APPLICATION_STATUS_CODES",
    "SMS_PURPOSES",
    "SmsAccount",
    "SmsGateway",
    "SmsMessage",
    "PROFILE_COLUMNS",
    "AttachmentRule",
    "BillEntry",
    "Branding",
    "Cart",
    "CertificateTemplate",
    "CartItem",
    "CollectionStep",
    "Contact",
    "CreditExport",
    "EXPORT_FIELDS",
    "ExportColumn",
    "DEMO_STAGES",
    "DemoAccount",
    "DemoApplication",
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
    "InstitutionPolicy",
    "FormField",
    "HelpPage",
    "KINDS",
    "KIND_LABELS",
    "LearnerFacts",
    "LearnerYear",
    "LearningResources",
    "PROVIDER_MODES",
    "ResourceProvider",
    "Notice",
    "OffsetField",
    "OffsetRole",
    "OffsetType",
    "PROFESSIONAL",
    "PaymentInstruction",
    "PaymentNotification",
    "PaymentProvider",
    "PaymentProviderError",
    "PaymentRequest",
    "PaymentStatus",
    "InvalidNotification",
    "InvoiceDelivery",
    "RefundResult",
    "PUBLIC",
    "PurchaseMode",
    "RATING_TARGETS",
    "RatingPolicy",
    "Quote",
    "QuoteLine",
    "ROLES",
    "Reason",
    "RegionInfo",
    "RegistrationQuestion",
    "PrivacyNotice",
    "RegistrationSpec",
    "SmsPolicy",
    "Requirements",
    "StudyPlanPolicy",
    "UNIT_LABELS",
    "YEAR_SETTING_TYPES",
    "YearSetting",
    "YearSettings",
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
class HelpPage:
    """The region's help page (帮助中心): its user manual (用户操作手册) as titled sections in
    order, the browsers it recommends, and its customer-service channels as ``(label, value)``
    pairs (客服电话, 工作时间 ...)."""

    manual: tuple[tuple[str, str], ...] = ()
    browsers: tuple[str, ...] = ()
    channels: tuple[tuple[str, str], ...] = ()
    manual_title: str = "用户操作手册"


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
    #: Only a fallback: the core opens a region's site on the programme year whose period
    #: (``cpe_year_requirements``) contains today, so no plugin release is needed when the
    #: calendar moves on. This year is used only when no offered year's period contains today.
    current_year: int = 2024
    #: How learners sign in: ``"id_number"`` (身份证号) or ``"member_number"`` (会员号).
    login_field: str = "id_number"
    #: Codes of the payment providers the region offers, in display order (e.g.
    #: ``("wechatpay", "alipay")``); empty means every enabled provider.
    payment_providers: tuple[str, ...] = ()
    #: What the region calls its offset section in menus and headings, e.g. ``"学时申请"``
    #: where hours are applied for rather than offset; empty means "<unit>抵免" (学分抵免).
    offsets_title: str = ""
    #: What the region calls its course catalogue in menus and headings, e.g. ``"推荐学习"``
    #: where members try the institutes' courses before choosing one; empty means "课程中心".
    #: When the year's courses belong to several institutions, the page groups them by
    #: institution either way.
    courses_title: str = ""
    #: The help page (``/<region>/help``: user manual, browsers, customer service); None: the
    #: region has none (the FAQ and the contact in the footer remain).
    help: HelpPage | None = None
    #: The stages a continuing-education record passes on its way to the authority, in order,
    #: each ``(stage, status when passed)``, e.g. ``("远程机构", "已回传")``. Given, learners get
    #: 往年继续教育查询 (their records by year, with each stage's time, status and remark), and
    #: staff import records kept before this platform (``cpe records import``).
    record_stages: tuple[tuple[str, str], ...] = ()
    #: Learners sign in once a day on their home page (我的签到), which lists their days.
    check_in: bool = False


# --- Year settings (年度设置) ------------------------------------------------------------------

#: The kinds of value a :class:`YearSetting` holds: a calendar ``date``, an aware ``datetime``
#: (Asia/Shanghai), an amount of money in integer ``fen``, or a whole number ``int``.
YEAR_SETTING_TYPES: tuple[str, ...] = ("date", "datetime", "fen", "int")

#: The year's values of a region's :class:`YearSetting` declarations, by key: each the plugin's
#: default unless the region's admin set another on the 年度设置 page. Read-only.
YearSettings = Mapping[str, Any]

_SETTING_KEY = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


@dataclass(frozen=True)
class YearSetting:
    """A value that a region's yearly notice sets anew (the study period, the exam window, an
    invoice window, a price...), declared by the plugin with its type, bounds and default.

    The core shows every declaration of a year on the region admin's 年度设置 page, checks what
    the admin enters against ``minimum``/``maximum``/``not_before``, stores it with an audit
    entry, and passes the year's values to the year-scoped hooks as ``settings``
    (:data:`YearSettings`). A plugin therefore states its rule for *any* year as defaults, and a
    deployer changes one year's values without a code release.

    :param key: lowercase ASCII, digits and ``_``; unique within the region.
    :param label: the Chinese label on the admin page.
    :param type: one of :data:`YEAR_SETTING_TYPES`.
    :param default: the value when the admin set none; of ``type`` (``datetime`` aware), or
        None only when ``optional``.
    :param minimum: the least value allowed (inclusive), or None.
    :param maximum: the greatest value allowed (inclusive), or None.
    :param not_before: the key of another setting of the same type this one may not precede
        (e.g. the period's end after its start).
    :param optional: the admin may clear it (its value is then None, e.g. "no limit").
    :param help: one Chinese sentence under the field (where the value comes from).
    """

    key: str
    label: str
    type: str
    default: Any
    minimum: Any = None
    maximum: Any = None
    not_before: str | None = None
    optional: bool = False
    help: str = ""

    def __post_init__(self) -> None:
        if not _SETTING_KEY.match(self.key):
            raise ValueError(f"YearSetting key {self.key!r}: lowercase letters, digits and _ only")
        if self.type not in YEAR_SETTING_TYPES:
            raise ValueError(f"YearSetting {self.key!r}: type {self.type!r} not one of {YEAR_SETTING_TYPES}")
        if self.default is None and not self.optional:
            raise ValueError(f"YearSetting {self.key!r}: a default is required unless optional")
        for name in ("default", "minimum", "maximum"):
            value = getattr(self, name)
            if value is not None and not _of_type(self.type, value):
                raise ValueError(f"YearSetting {self.key!r}: {name} {value!r} is not a {self.type}")
        if self.default is not None and self.problem(self.default) is not None:
            raise ValueError(f"YearSetting {self.key!r}: default {self.default!r} is out of its bounds")

    def problem(self, value: Any) -> str | None:
        """A Chinese sentence saying why ``value`` is not allowed (``not_before`` aside, which
        needs the other values), or None when it is."""
        if value is None:
            return None if self.optional else f"“{self.label}”不能为空。"
        if not _of_type(self.type, value):
            return f"“{self.label}”的格式不正确。"
        if self.minimum is not None and value < self.minimum:
            return f"“{self.label}”不能早于（小于）{_shown(self.type, self.minimum)}。"
        if self.maximum is not None and value > self.maximum:
            return f"“{self.label}”不能晚于（大于）{_shown(self.type, self.maximum)}。"
        return None


def _of_type(kind: str, value: Any) -> bool:
    if kind == "datetime":
        return isinstance(value, dt.datetime) and value.tzinfo is not None
    if kind == "date":
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(kind: str, value: Any) -> str:
    """A bound as the admin reads it."""
    if kind == "fen":
        return f"{value // 100}.{value % 100:02d}元"
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


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
    #: Where the learner's info collection on this platform stands, for regions that collect
    #: (their ``cpe_collection_steps`` returns steps): ``"draft"`` (never submitted, or edited
    #: since and not submitted again), ``"submitted"`` (awaiting a reviewer), ``"approved"`` or
    #: ``"rejected"`` (the reviewer's comment tells the learner what to correct). None when the
    #: region asks no collection steps (its learners are collected elsewhere) or when the caller
    #: does not know; a rule should then decide by ``collection_region`` alone.
    collection_status: str | None = None


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
    ``combinable``: the learner may buy this mode together with the region's other combinable
    modes of the year in one order (one 确认购买, one payment), e.g. 公需课 and 专业课.
    ``closes_on``: the last day what the mode opens may be studied (关闭时间), shown beside it.
    """

    code: str
    name: str
    description: str = ""
    available: bool = True
    reason: Reason | None = None
    locks_courses: bool = False
    combinable: bool = False
    closes_on: dt.date | None = None


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
    #: The institution (name) and level of the learner's enrolment (报名) for ``year``, when
    #: the learner has one; a region may price by them (e.g. a fee per level). None otherwise.
    institution: str | None = None
    level: str | None = None


@dataclass(frozen=True)
class QuoteLine:
    """One priced line; ``amount_fen`` must equal ``quantity * unit_price_fen``.

    A line also says which courses it opens for study once its order is paid (a ¥0 line at
    once). The region declares it; the core never guesses from a sku or a price. By default a
    line opens only the course whose cart item has the same ``sku`` (a per-course line, e.g.
    ``CartItem.sku`` copied into a credit purchase), and any other line opens nothing. Say more
    with one of:

    - ``opens_year=True``: every course of the cart's year in the region, including courses
      added to the plan after paying (an annual purchase, a year's fee);
    - ``opens_kind=KIND``: every course of that subject kind (:data:`PROFESSIONAL`,
      :data:`PUBLIC`) of the cart's year (a public-course package opens public courses only).

    ``opens_year`` wins when both are set. A refund of the order closes what it opened.
    """

    sku: str
    description: str
    quantity: int
    unit_price_fen: int
    #: Once paid, this line opens every course of the cart's year (see the class docstring).
    opens_year: bool = False
    #: Once paid, this line opens every course of this kind in the cart's year; None: no kind.
    opens_kind: str | None = None

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


# --- Payments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceDelivery:
    """When a requested e-invoice reaches the learner: ``due`` is the last day (Asia/Shanghai)
    it is sent by; ``promise`` the region's own words for it, e.g. "电子发票会在申请后的7个工作日
    之内发送到邮箱。"."""

    due: dt.date
    promise: str = ""



class PaymentProviderError(RuntimeError):
    """A provider call failed (network, refusal); the message is Chinese and shown as is."""


class InvalidNotification(ValueError):
    """A notification that must change nothing: bad signature, malformed body..."""


@dataclass(frozen=True)
class PaymentRequest:
    """What the core asks a provider to collect.

    ``merchant_ref`` is the core's unique reference of this payment attempt (the provider's
    ``out_trade_no``); ``notify_url`` is where the provider POSTs its asynchronous notification;
    ``return_url`` is where the learner comes back to.
    """

    merchant_ref: str
    amount_fen: int
    description: str
    notify_url: str
    return_url: str
    expires_at: dt.datetime | None = None
    #: Where the learner pays: ``"desktop"`` (a computer's browser: show a QR code or a page),
    #: ``"mobile"`` (a phone's browser: send it to the provider's phone page) or
    #: ``"mini_program"`` (inside the WeChat mini-program, which pays with ``payer_openid``).
    client: Literal["desktop", "mobile", "mini_program"] = "desktop"
    #: The learner's IP address as the site saw it (WeChat Pay's H5 payment requires it).
    payer_ip: str = ""
    #: The learner's openid in the mini-program (JSAPI payments); empty elsewhere.
    payer_openid: str = ""
    #: The region whose order this pays (a provider holding one merchant account per region
    #: uses it to choose the account; see :attr:`PaymentProvider.serves`).
    region: str = ""


@dataclass(frozen=True)
class PaymentInstruction:
    """What the learner is shown: ``kind`` ``"redirect"`` (send the browser to ``url``) or
    ``"qr"`` (render ``qr_payload`` as a QR code to scan; ``url`` may be a fallback link)."""

    kind: Literal["redirect", "qr", "jsapi"]
    url: str = ""
    qr_payload: str = ""
    #: ``kind`` ``"jsapi"``: what the mini-program passes to ``wx.requestPayment`` (timeStamp,
    #: nonceStr, package, signType, paySign), already signed.
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentNotification:
    """A verified notification: the signature was good. The core still checks the amount and
    the reference against its own records."""

    merchant_ref: str
    amount_fen: int
    paid: bool
    transaction_id: str = ""
    #: What the provider expects as the HTTP response body once the core accepted it.
    ack_body: str = "success"


@dataclass(frozen=True)
class PaymentStatus:
    """The answer to a query: whether ``merchant_ref`` is paid, and how much."""

    merchant_ref: str
    paid: bool
    amount_fen: int = 0
    transaction_id: str = ""


@dataclass(frozen=True)
class RefundResult:
    """A refund the provider accepted."""

    refund_ref: str
    amount_fen: int
    succeeded: bool = True


@dataclass(frozen=True)
class BillEntry:
    """One line of a provider's bill (对账单) for a day: a payment or a refund as the provider
    recorded it. ``kind`` is ``"payment"`` or ``"refund"``; ``status`` is the provider's word
    reduced to ``"paid"``, ``"refunded"`` or ``"other"``."""

    merchant_ref: str
    amount_fen: int
    kind: Literal["payment", "refund"] = "payment"
    status: str = "paid"
    transaction_id: str = ""
    refund_ref: str = ""


@runtime_checkable
class PaymentProvider(Protocol):
    """The interface a payment provider implements (WeChat Pay, Alipay, the sandbox).

    Every method may raise :class:`PaymentProviderError` with a Chinese message; the core then
    leaves the order payable and shows the message.
    """

    #: Stable code, e.g. ``"wechatpay"``; ``name`` is shown to learners (``"微信支付"``).
    code: str
    name: str

    def create(self, request: PaymentRequest) -> PaymentInstruction:
        """Open a payment with the provider and say what the learner scans or is sent to."""

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> PaymentNotification:
        """Check the signature of an asynchronous notification and parse it; raise
        :class:`InvalidNotification` if it is not authentic or cannot be read."""

    def query(self, merchant_ref: str) -> PaymentStatus:
        """Ask the provider whether ``merchant_ref`` is paid (for a late notification)."""

    def refund(self, merchant_ref: str, refund_ref: str, amount_fen: int) -> RefundResult:
        """Refund ``amount_fen`` of the paid ``merchant_ref``; ``refund_ref`` is unique."""

    # Optional, looked up with getattr (a provider without them works as before):
    #
    # ``kind: str`` -- what a region names in ``RegionInfo.payment_providers`` (default: ``code``);
    #     several providers of one kind (one merchant account each) share it.
    # ``serves(region: str) -> bool`` -- whether this provider's merchant account takes the
    #     payments of ``region`` (default: every region).
    # ``close(merchant_ref: str) -> None`` -- close an unpaid payment at the provider (the order
    #     was cancelled, or the learner chose another provider), so it can no longer be paid.
    # ``bill(day: datetime.date) -> list[BillEntry]`` -- the provider's bill of ``day``
    #     (Asia/Shanghai) for reconciliation (对账); raise PaymentProviderError when not ready.


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
    #: When set, the learner's list of applications of this type can be queried by this field
    #: (text containing what is typed, case-insensitive), under this label, on the site
    #: (``?f_<name>=``) and in the API (``GET /api/v1/me/offsets?<name>=``); empty: no query.
    filter_label: str = ""


#: The status codes of an offset or hour application, in the order an application moves through
#: them. They are stable (stored, filtered on, returned by the API as ``status``); a region only
#: renames them for people through the ``cpe_application_statuses`` hook.
APPLICATION_STATUS_CODES: tuple[str, ...] = ("draft", "submitted", "approved", "rejected")


@dataclass(frozen=True)
class EvidenceRules:
    """What evidence an application may carry."""

    max_files: int = 3
    #: Files an application needs to be submitted for review; a draft may be saved with fewer.
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
    ``quantity_field`` names the ``int`` field of ``fields`` whose value is the number of units
    claimed (days, hours) for ``per_unit`` roles; None means one unit.
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
    quantity_field: str | None = None

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
    #: The region's staff review and merge (审核、合并) each learner's credits of the year before
    #: the exam opens: once the credits meet the requirement the learner waits in the staff's
    #: 学分审核 queue, confirmed in batches; until then the exam stays closed.
    credit_review: bool = False
    #: The rule in the region's words, shown on the exam page while the credits wait.
    credit_review_note: str = ""

    @property
    def full_marks(self) -> int:
        return sum(section.count * section.points for section in self.sections)


# --- Certificates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateTemplate:
    """How a region words the certificate it issues for a year (合格证, 学时证明...).

    ``title`` is printed as the heading; ``statement`` is one sentence under the learner's
    details and may use ``{name}`` and ``{year}``. ``issuer`` is printed at the foot, and is the
    institution shown when the learner has no enrolment naming one. ``serial_prefix`` (ASCII
    letters or digits) starts every serial number. With ``selectable_records`` the learner picks
    which ledger records the certificate lists (an hours certificate) and no exam or completed
    year is required; otherwise the certificate covers the whole year and needs the exam passed
    (or, where the region holds no exam, the year's requirement met).
    """

    region: str
    year: int
    title: str
    statement: str
    issuer: str
    serial_prefix: str
    selectable_records: bool = False


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
    #: The training institution and level of the learner's live enrolment of the year (a hub's
    #: 报名记录), None without one.
    institution: str | None = None
    level: str | None = None
    #: The learner's 主管部门 (the finance bureau in charge of them), where the region asks it.
    department: str | None = None


#: What an :class:`ExportColumn` can show: these :class:`LearnerYear` fields, or
#: ``credits.<kind>`` (one kind's amount, 0 when none) for each kind of :data:`KINDS`.
EXPORT_FIELDS: tuple[str, ...] = (
    "learner_id", "name", "id_number", "year", "total", "complete", "exam_score", "study_minutes",
    "member_number", "member_type", "institution", "level", "department",
) + tuple(f"credits.{kind}" for kind in KINDS)


@dataclass(frozen=True)
class ExportColumn:
    """One column of a credit export, described as data so the core can compute it in the
    database (a 100,000-row CSV then costs no Python per row) and in Python (XLSX, pushes).

    :param title: the column's header.
    :param field: one of :data:`EXPORT_FIELDS`, e.g. ``"id_number"`` or
        ``"credits.professional"``; None for a column that shows ``constant`` in every row.
    :param labels: write ``labels[value]`` instead of the value, e.g. ``{True: "是", False: "否"}``
        for ``complete``; keys are of the field's type (text, int, or bool for ``complete``).
    :param empty: written for a missing value (None or ``""``, e.g. no exam score yet) and,
        with ``labels``, for a value not listed.
    :param fallback: another field whose value is used when ``field``'s is None or ``""``
        (e.g. the ID number for a member without a member number).
    :param constant: the value of a ``field=None`` column.

    Without labels, ``complete`` is written as 1 or 0. :meth:`value` is the reference meaning;
    the core's SQL gives the same cells.
    """

    title: str
    field: str | None = None
    labels: Mapping[object, object] | None = None
    empty: object = ""
    fallback: str | None = None
    constant: object = None

    def __post_init__(self) -> None:
        for name in (self.field, self.fallback):
            if name is not None and name not in EXPORT_FIELDS:
                raise ValueError(f"ExportColumn {self.title!r}: unknown field {name!r}; one of {EXPORT_FIELDS}")

    def value(self, record: LearnerYear) -> object:
        """This column's cell for ``record``."""
        if self.field is None:
            return self.constant
        value = _export_field(record, self.field)
        if self.fallback is not None and (value is None or value == ""):
            value = _export_field(record, self.fallback)
        if value is None or value == "":
            return self.empty
        if self.labels is not None:
            return self.labels.get(value, self.empty)
        return int(value) if isinstance(value, bool) else value


def _export_field(record: LearnerYear, name: str) -> object:
    if name.startswith("credits."):
        return record.credits.get(name.removeprefix("credits."), 0)
    return getattr(record, name)


@dataclass(frozen=True)
class CreditExport:
    """How a region reports credits: either ``fields`` (preferred: a tuple of
    :class:`ExportColumn`, from which ``columns`` and ``row`` are derived, and which the core
    computes in SQL for CSV files) or ``columns`` and a ``row`` callable that turns a
    :class:`LearnerYear` into one output row in the order of ``columns`` (run in Python for
    every learner, so slower for large exports). ``formats`` lists what the region supports
    (``csv``, ``xlsx``, ``push``). For ``push``, ``push_url_setting`` names the config key
    holding the receiver URL, ``push_token_setting`` the key holding its bearer token (None: no
    credentials), ``push_ready`` decides which records may be sent at all, and ``push_statuses``
    lists the ``(code, Chinese label)`` pairs a pushed record moves through on the receiver's
    side, in order; the first is the status of a record the receiver has just accepted.
    ``push_required`` False marks a push a deployment may leave unconfigured (e.g. registering
    credits back to a hub the deployment may not serve): ``cpe check --deploy`` then warns
    instead of refusing."""

    region: str
    year: int
    columns: tuple[str, ...] = ()
    row: Callable[[LearnerYear], tuple[object, ...]] | None = None
    formats: tuple[str, ...] = ("csv", "xlsx")
    push_url_setting: str | None = None
    push_ready: Callable[[LearnerYear], bool] | None = None
    push_token_setting: str | None = None
    push_statuses: tuple[tuple[str, str], ...] = ()
    fields: tuple[ExportColumn, ...] = ()
    push_required: bool = True

    def __post_init__(self) -> None:
        if self.fields:
            if self.row is not None:
                raise TypeError("CreditExport: give either fields or row, not both")
            titles = tuple(column.title for column in self.fields)
            if self.columns and tuple(self.columns) != titles:
                raise ValueError(f"CreditExport: columns {self.columns} differ from the fields' titles {titles}")
            fields = tuple(self.fields)
            object.__setattr__(self, "columns", titles)
            object.__setattr__(self, "row", lambda record: tuple(c.value(record) for c in fields))
        elif self.row is None or not self.columns:
            raise TypeError("CreditExport needs fields, or columns and row")


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
    #: The subject category (课程分类) the course is listed under, e.g. 行政事业.
    category: str = ""


@dataclass(frozen=True)
class DemoInstitution:
    """A training institution (培训机构 / 网校) of the demo. The details are what a learner sees
    under 查看 before enrolling: ``url`` is where 进入网校 leads (the institution's own site; a
    path such as ``"/<region>/"`` for a region served by the same deployment), ``fees`` the
    institution's prices in its words."""

    name: str
    level: str | None = None
    url: str = ""
    introduction: str = ""
    contact: str = ""
    fees: str = ""


#: Where a demo learner stands in the year's journey when ``cpe demo load`` has run, so that
#: each step can be tried at once. The core takes every step through its own services and
#: rules (the region's sandbox payment, the ledger, the exam), never around them:
#:
#: * ``new``: registered (and collected, where ``collection_region`` is set), nothing more;
#: * ``paid``: the institution chosen (the policy's first, at its first level), ``courses``
#:   in the plan and every purchase mode on offer bought; nothing studied;
#: * ``ready_for_exam``: as ``paid``, and every course of the plan studied to its end (each
#:   chapter's full time watched and its exercise passed, so study minutes count as well);
#: * ``certified``: as ``ready_for_exam``, the year's exam passed (where the region holds one)
#:   and the certificate issued.
DEMO_STAGES: tuple[str, ...] = ("new", "paid", "ready_for_exam", "certified")


@dataclass(frozen=True)
class DemoAccount:
    """A demo account; ``role`` is one of :data:`ROLES`. ``login`` is an ID number or member
    number, depending on the region's ``login_field``. A learner's ``stage`` (one of
    :data:`DEMO_STAGES`) says how far through the year the loader takes it, with ``courses``
    (demo course codes) as its plan; with no ``courses`` the plan is the core's one-click
    selection, which meets the year's requirement."""

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
    stage: str = "new"
    courses: tuple[str, ...] = ()
    #: For regions that collect (``cpe_collection_steps``): ``"submitted"`` leaves the
    #: collection waiting in the reviewers' queue; None approves it when ``collection_region``
    #: is set.
    collection_status: str | None = None
    #: Info-collection answers by field name (``FormField.name``) for a collection the loader
    #: fills in; a field not given takes the account's profile value, a choice its first one.
    answers: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.stage not in DEMO_STAGES:
            raise ValueError(f"DemoAccount {self.login}: stage {self.stage!r} is not one of {DEMO_STAGES}")


@dataclass(frozen=True)
class DemoApplication:
    """An offset or hour application (学分抵免, 学时申请) a demo learner has submitted, waiting in
    the reviewers' queue: ``offset_type`` and ``role`` are codes of the region's
    :class:`OffsetType`, ``fields`` its form's values (dates as ``YYYY-MM-DD`` strings). The
    loader attaches a small generated image as evidence when the type takes any."""

    login: str
    offset_type: str
    role: str
    fields: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoData:
    """What ``cpe demo load`` creates for a region (idempotently, keyed by codes and logins).

    ``year`` is the programme year the content is for (the one the core asked for). Settings
    (``year_settings``) are stored as the region admin's values of that year, audited as the
    demo loader's, e.g. to open an exam window early so the whole journey can be tried on any
    date; each value is still checked against the plugin's declared bounds."""

    year: int
    institutions: tuple[DemoInstitution, ...] = ()
    courses: tuple[DemoCourse, ...] = ()
    accounts: tuple[DemoAccount, ...] = ()
    applications: tuple[DemoApplication, ...] = ()
    year_settings: Mapping[str, object] = field(default_factory=dict)


# --- Registration and info collection (信息采集) --------------------------------------------

#: The learner-profile columns a form field may fill (anything else goes to ``details``).
PROFILE_COLUMNS: tuple[str, ...] = (
    "name", "phone", "email", "id_number", "member_number", "member_type", "qualification_level",
    "qualified_year", "work_start_year", "employer", "collection_region", "collection_area",
    "is_student", "department",
)


@dataclass(frozen=True)
class FormField:
    """One field of a registration or collection form.

    ``type`` is ``text``, ``int`` (a whole number, e.g. a year), ``choice`` (one of ``choices``,
    ``(value, Chinese label)`` pairs), ``bool`` (a yes/no question), ``phone`` (a mainland mobile
    number), ``id_number`` (a GB 11643 ID number), ``date`` (a day such as 出生日期, kept as
    ``YYYY-MM-DD``) or ``email`` (an e-mail address; ``name="email"`` fills the account's). ``name`` is one of :data:`PROFILE_COLUMNS`
    to fill that profile column; any other name is kept in the profile's ``details``. The core
    checks ``required``, the type and the choices, and answers in Chinese using ``label``.
    """

    name: str
    label: str
    type: str = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    max_length: int = 64


@dataclass(frozen=True)
class RegistrationQuestion:
    """A yes/no question asked before registering (e.g. "do you work in accounting here?")."""

    code: str
    text: str


@dataclass(frozen=True)
class PrivacyNotice:
    """The privacy notice (个人信息保护政策) a learner reads and accepts before registering, as
    《个人信息保护法》第十七条 asks: who handles the personal data, what is collected, why, how long
    it is kept, and how the learner exercises their rights. ``version`` names this text (a
    learner's acceptance records it); change it whenever the text changes. ``text`` is plain
    text, paragraphs separated by blank lines."""

    version: str
    title: str
    text: str

    def __post_init__(self) -> None:
        for name in ("version", "title", "text"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"PrivacyNotice.{name} must be a non-empty string")


@dataclass(frozen=True)
class RegistrationSpec:
    """How a region's learners register and sign in.

    ``identity_field`` is what the learner signs in with: ``"id_number"`` (身份证号, checked to
    GB 11643) or ``"member_number"`` (会员编号, checked by ``identity_pattern``). ``fields`` are
    asked besides the identity, the password and the captcha, in display order (``name`` is
    always asked, whether listed or not). ``questions`` are asked first; when there are any,
    at least one must be answered yes, else registration is refused with ``questions_refusal``.
    """

    identity_field: str = "id_number"
    identity_label: str = "身份证号"
    #: A regular expression the member number must match in full (member_number only).
    identity_pattern: str | None = None
    identity_error: str = ""
    fields: tuple[FormField, ...] = ()
    questions: tuple[RegistrationQuestion, ...] = ()
    questions_refusal: Reason | None = None
    #: Registration and sign-in ask for an image captcha.
    captcha: bool = True
    #: The notice shown at registration, which the learner must accept; None: the core's
    #: general notice naming the region's site (contract 1.5).
    privacy_notice: PrivacyNotice | None = None
    #: The name of one of ``fields``, a ``choice`` on a profile column, that learners also choose
    #: at sign-in (e.g. a 用户类型: "选择用户类型，输入用户名与密码"): a learner must choose
    #: their own (a wrong choice is refused like a wrong password); staff sign in without it.
    #: None: the sign-in asks no choice.
    login_choice: str | None = None

    def login_choice_field(self) -> FormField | None:
        """The :class:`FormField` named by ``login_choice``, or None."""
        return next((f for f in self.fields if f.name == self.login_choice), None) if self.login_choice else None


@dataclass(frozen=True)
class SmsPolicy:
    """How a region uses SMS verification codes (短信验证码).

    ``login``: learners may also sign in with a code texted to the phone on file (手机验证码登录):
    the login page gets a 验证码登录 tab and the API its ``login/sms-code`` and ``login/sms``
    endpoints. ``daily_limit``: how many codes one phone may receive per Asia/Shanghai day,
    password reset and sign-in together; None keeps the deployment's ``CPE_SMS_DAILY_LIMIT``
    (default 5).
    """

    login: bool = False
    daily_limit: int | None = None

    def __post_init__(self) -> None:
        if self.daily_limit is not None and (not isinstance(self.daily_limit, int) or self.daily_limit < 1):
            raise ValueError(f"SmsPolicy.daily_limit must be a positive integer, not {self.daily_limit!r}")


#: Why the core texts a learner: a password-reset code, a sign-in code, a link to an invoice.
#: A region's SMS account maps each to a template approved by the SMS provider.
SMS_PURPOSES: tuple[str, ...] = ("password_reset", "login", "invoice")


@dataclass(frozen=True)
class SmsMessage:
    """One text message the core sends.

    ``purpose``: one of :data:`SMS_PURPOSES`. ``params``: the template's variables by name, in
    the order the template uses them (``{"code": "123456", "minutes": "10"}`` for a code,
    ``{"number": ..., "link": ...}`` for an invoice); a gateway with named templates (Alibaba
    Cloud) sends them as JSON, one with numbered templates (Tencent Cloud: ``{1}``, ``{2}``)
    sends the values in this order. ``text``: the whole message in Chinese, for gateways that
    send free text (and the development outbox). It holds the code: never log it in production.
    """

    purpose: str
    params: Mapping[str, str]
    text: str

    def __post_init__(self) -> None:
        if self.purpose not in SMS_PURPOSES:
            raise ValueError(f"SmsMessage.purpose must be one of {SMS_PURPOSES}, not {self.purpose!r}")


@dataclass(frozen=True)
class SmsAccount:
    """What one region sends its texts with (the deployment's ``CPE_SMS_REGIONS``): the
    signature approved for it (签名) and the provider's template id
    for each purpose (``{"password_reset": "SMS_1234", ...}``)."""

    sign_name: str = ""
    templates: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class SmsGateway(Protocol):
    """An SMS provider (Alibaba Cloud, Tencent Cloud, the core's log), declared by
    :func:`~hookspecs.messaging.cpe_sms_gateways`.

    ``code`` is what ``CPE_SMS_REGIONS`` names (``"aliyun"``); ``missing`` the settings it
    still needs (keys, app id): a gateway with any missing is never used, and start-up and
    ``cpe check --deploy`` name them. Keep secrets out of ``repr`` and of every message.
    """

    code: str
    name: str
    missing: tuple[str, ...]

    def send(self, phone: str, message: SmsMessage, account: SmsAccount) -> bool:
        """Send ``message`` to the mainland number ``phone`` (11 digits) with ``account``'s
        signature and template; True once the provider accepted it, False when it refused
        (or the account has no template for the purpose). Raising counts as False; the core
        logs only the exception's type."""
        ...


@dataclass(frozen=True)
class AttachmentRule:
    """One attachment of info collection. The core sniffs the content (never trusts the name)
    against ``content_types`` and refuses files over ``max_bytes``. ``students_only``: asked only
    of learners who said they are students (``is_student``)."""

    code: str
    label: str
    required: bool = True
    students_only: bool = False
    content_types: tuple[str, ...] = ("image/jpeg",)
    max_bytes: int = 2 * 1024 * 1024


@dataclass(frozen=True)
class CollectionStep:
    """One step of the info-collection form (个人信息, 学历信息 ...), in order. The last step's
    submit sends the whole collection for review; until then every step may be saved and
    corrected."""

    code: str
    title: str
    fields: tuple[FormField, ...] = ()
    attachments: tuple[AttachmentRule, ...] = ()
    help: str = ""


# --- Institution choice ---------------------------------------------------------------------


@dataclass(frozen=True)
class InstitutionPolicy:
    """How a learner chooses where to study for one year (one institution per year).

    ``institutions`` are names of the region's institutions in display order; an empty tuple
    offers every institution of the region. ``levels`` (e.g. ``("初级及以下", "中级", "高级")``)
    must be chosen with the institution when not empty. ``member_types``: only learners of these
    member types choose (empty: everyone). ``cancellable_after_study``: False when a choice is
    final once the learner studied a chapter there. A paid choice is never cancellable.
    """

    region: str
    year: int
    institutions: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    member_types: tuple[str, ...] = ()
    cancellable_after_study: bool = True
    #: Shown above the choice, e.g. the rule in the region's own words.
    note: str = ""
    #: Enrol, then pay that enrolment (报名后缴费, as on some provincial platforms): the purchase
    #: modes are offered only once the learner has enrolled at an institution; each order pays
    #: that one enrolment (its institution and level reach ``cpe_quote`` in the cart);
    #: cancelling the enrolment before paying cancels its unpaid orders; a paid enrolment
    #: cannot be cancelled, and a refund of its order cancels it (the learner may enrol again).
    #: False: learners choose an institution and buy the year independently of that choice.
    enrol_then_pay: bool = False
    #: True for a hub (a provincial platform): learners pay and study at the institution's own
    #: site (进入网校, ``Institution.url``), so this site shows no course centre or study plan of
    #: its own, and credits come back to the enrolment (学分已登记).
    studies_at_institution: bool = False
    #: The region's own words for an enrolment's statuses, by code: ``selected`` (enrolled, not
    #: paid), ``paid``, ``cancelled``, ``completed`` (credits registered back, 学分已登记). A code
    #: left out keeps the core's label.
    status_labels: Mapping[str, str] = field(default_factory=dict)

    def applies_to(self, member_type: str | None) -> bool:
        return not self.member_types or member_type in self.member_types


# --- Learning resources (学习资源) -----------------------------------------------------------

#: How a provider of a region's 学习资源 teaches: ``distance`` (远程机构, online) or
#: ``face_to_face`` (面授机构, in a classroom), with the core's default Chinese labels.
PROVIDER_MODES: Mapping[str, str] = {"distance": "远程机构", "face_to_face": "面授机构"}


@dataclass(frozen=True)
class ResourceProvider:
    """One training provider on a region's 学习资源 list.

    ``name`` matching one of the region's institutions (the names ``cpe_institution_policy``
    offers) makes 去学习 lead to choosing it on this site; otherwise 去学习 leads to ``url``
    (the provider's own site, e.g. a face-to-face provider's sign-up page); with neither, the
    row has no 去学习. ``kinds`` are the subject kinds it teaches (:data:`KINDS`), each a tab.
    """

    name: str
    #: 行政区划: where the provider is registered, e.g. 广州市.
    area: str
    #: 客服电话.
    phone: str = ""
    kinds: tuple[str, ...] = KINDS
    #: One of :data:`PROVIDER_MODES`.
    mode: str = "distance"
    url: str = ""

    def __post_init__(self) -> None:
        if self.mode not in PROVIDER_MODES:
            raise ValueError(f"ResourceProvider {self.name}: mode {self.mode!r} is not one of {tuple(PROVIDER_MODES)}")
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"ResourceProvider {self.name}: unknown kind(s) {sorted(unknown)}")


@dataclass(frozen=True)
class LearningResources:
    """A region's 学习资源 for one year: the providers a learner may study with, distance and
    face-to-face, shown in tabs by subject kind and searchable by name.

    ``kind_labels`` and ``mode_labels`` name the tabs and the provider types in the region's
    words (a kind or mode left out keeps :data:`KIND_LABELS` / :data:`PROVIDER_MODES`)."""

    providers: tuple[ResourceProvider, ...] = ()
    title: str = "学习资源"
    note: str = ""
    kind_labels: Mapping[str, str] = field(default_factory=dict)
    mode_labels: Mapping[str, str] = field(default_factory=dict)

    def kind_label(self, kind: str) -> str:
        return self.kind_labels.get(kind) or KIND_LABELS.get(kind, kind)

    def mode_label(self, mode: str) -> str:
        return self.mode_labels.get(mode) or PROVIDER_MODES.get(mode, mode)


# --- Study plan -----------------------------------------------------------------------------


#: What a region may let its learners rate (评价): ``course``, a course of the year the learner
#: studied (watched some of a chapter); ``institution``, the institution of the learner's
#: enrolment for the year (not cancelled).
RATING_TARGETS: tuple[str, ...] = ("course", "institution")


@dataclass(frozen=True)
class RatingPolicy:
    """What learners of a region may rate (评价) in one year, and how long a comment may be.

    A rating is 1 to 5 stars and an optional comment, one per learner, item and year, which the
    learner may change; the course page shows the average. Staff may hide a comment (with a
    reason, audited); its stars still count.
    """

    #: Items of :data:`RATING_TARGETS` the learners may rate; empty: nothing.
    targets: tuple[str, ...] = ()
    comment_max: int = 500

    def __post_init__(self) -> None:
        unknown = [target for target in self.targets if target not in RATING_TARGETS]
        if unknown:
            raise ValueError(f"RatingPolicy.targets: unknown {unknown!r}; choose from {RATING_TARGETS!r}")
        if not isinstance(self.comment_max, int) or self.comment_max < 1:
            raise ValueError("RatingPolicy.comment_max must be a positive integer")


@dataclass(frozen=True)
class StudyPlanPolicy:
    """What a learner may do with the courses of their study plan (个人教学计划) in one year.

    ``started_removable``: True (the default) lets a learner remove a course they already
    started; its learning record is kept and comes back if the course is added again. False
    (e.g. a rule worded "在没有听课的情况下也可以点击取消选择") allows removing only a course with
    no watched time yet. Whatever the policy, required courses (``Course.required``)
    and courses locked by a paid credit purchase are never removable (the core's rules).
    """

    region: str
    year: int
    started_removable: bool = True
    #: The rule in the region's own words, shown on the plan page (e.g. "未听课的课程可取消选择").
    note: str = ""
