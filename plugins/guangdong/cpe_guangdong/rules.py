"""The rulebook of 广东省会计人员继续教育 (Guangdong, excluding Shenzhen), as plain typed code.

Source: the seed ``guangdong-2021-learner-guide`` (2021年广东省会计专业技术人员继续教育电脑端网络
培训学习流程). Every number the seed states is a named constant below; where the seed is silent
the constant says so in a comment, with the reason for the value chosen.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from hookspecs import (
    CertificateTemplate,
    PROFESSIONAL,
    PUBLIC,
    CreditExport,
    ExportColumn,
    Eligibility,
    InstitutionPolicy,
    InvoiceDelivery,
    ExamPolicy,
    ExamSection,
    LearnerFacts,
    LearnerYear,
    LearningResources,
    OffsetType,
    PurchaseMode,
    Quote,
    QuoteLine,
    Reason,
    Requirements,
    ResourceProvider,
    StudyPlanPolicy,
    YearSetting,
    YearSettings,
)

REGION = "guangdong"
TZ = ZoneInfo("Asia/Shanghai")

# --- The year's requirement ----------------------------------------------------------------
# 温馨提示: "会计人员2021年度应完成不少于90学分的继续教育学习，其中公需科目学分不少于30学分，
# 专业科目学分不少于60学分。"
TOTAL_CREDITS = 90
MIN_PUBLIC_CREDITS = 30
MIN_PROFESSIONAL_CREDITS = 60

# "学分确认截止时间为2021年12月31日，过期不办理补学补登": the programme year is the calendar
# year and a missed year cannot be made up later.
PERIOD_START_MONTH_DAY = (1, 1)
DEADLINE_MONTH_DAY = (12, 31)
ALLOWS_MAKEUP = False


def period(year: int) -> tuple[dt.date, dt.date]:
    """The inclusive study period of programme ``year``: the calendar year."""
    return dt.date(year, *PERIOD_START_MONTH_DAY), dt.date(year, *DEADLINE_MONTH_DAY)


def year_requirements(year: int, settings: YearSettings | None = None) -> Requirements:
    """What a Guangdong learner must earn in ``year``: 90 credits, 30 public and 60 professional."""
    value = values(year, settings)
    start, end = value["period_start"], value["period_end"]
    return Requirements(
        region=REGION,
        year=year,
        period_start=start,
        period_end=end,
        total=TOTAL_CREDITS,
        minimums={PROFESSIONAL: MIN_PROFESSIONAL_CREDITS, PUBLIC: MIN_PUBLIC_CREDITS},
        unit="credit",
        makeup_deadline=None,  # ALLOWS_MAKEUP is False: 过期不办理补学补登
    )


# --- 年度设置: what a year's notice may set anew ---------------------------------------------
# The guide's dates and prices are those of 2021; each year's notice restates them, so they are
# declared with the guide's values as defaults and bounds that keep a slip from breaking a year.


def year_settings(year: int) -> list[YearSetting]:
    """The values of ``year`` the region's admin may set on 年度设置."""
    start, end = period(year)
    opens, closes = exam_window(year)
    return [
        YearSetting("period_start", "学习开始日期", "date", start,
                    minimum=dt.date(year, 1, 1), maximum=dt.date(year, 12, 31)),
        YearSetting("period_end", "学分确认截止日期", "date", end,
                    minimum=dt.date(year, 6, 30), maximum=dt.date(year + 1, 6, 30), not_before="period_start",
                    help="学习指南：学分确认截止时间为当年12月31日，过期不办理补学补登。"),
        YearSetting("exam_opens", "公需课考试开放时间", "datetime", opens,
                    minimum=_at(dt.date(year, 1, 1)), maximum=_at(dt.date(year, 12, 31))),
        YearSetting("exam_closes", "公需课考试关闭时间", "datetime", closes,
                    minimum=_at(dt.date(year, 1, 1)), maximum=_at(dt.date(year + 1, 6, 30), 23, 59, 59),
                    not_before="exam_opens"),
        YearSetting("exam_min_study_minutes", "考试所需学习时间（分钟）", "int", EXAM_MIN_STUDY_MINUTES,
                    minimum=0, maximum=10_000, help="学习指南的考试表：需要学习时间1393分钟。"),
        YearSetting("public_price", "公需课价格", "fen", PUBLIC_PRICE_FEN, minimum=0, maximum=100_000),
        YearSetting("professional_price", "专业课价格", "fen", PROFESSIONAL_PRICE_FEN, minimum=0, maximum=100_000),
        YearSetting("invoice_window_months", "发票申请期限（月）", "int", INVOICE_REQUEST_WINDOW_MONTHS,
                    minimum=1, maximum=12, help="自购买之日起，可在此期限内申请发票，逾期不可补开。"),
    ]


def values(year: int, settings: YearSettings | None) -> dict[str, Any]:
    """``settings`` completed with the defaults (a caller that passes none gets the guide's)."""
    found = {setting.key: setting.default for setting in year_settings(year)}
    found.update(settings or {})
    return found


def _at(day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ)


# --- Who may study here --------------------------------------------------------------------
# 注册: "您是否在广东省内(不含深圳市)从事会计工作" or "虽然您未从事会计工作，但是否在广东省内
# (不含深圳市)居住或者学习，并持有会计专业技术资格(初、中、高、正高级)证书(非会计从业资格证书)".
# The seed lists 正高级 beside 初/中/高, so it counts too. A level is matched by its prefix so
# "中级会计师" or "初级会计专业技术资格" are recognised; "会计从业资格" matches none of them,
# as the seed requires.
QUALIFICATION_LEVELS: tuple[str, ...] = ("初级", "中级", "高级", "正高级")
# 深圳市 runs its own programme; the platform serves "广东省内（不含深圳市）".
EXCLUDED_AREA = "深圳"

MSG_NOT_COLLECTED = (
    "您尚未在广东省会计信息服务平台完成信息采集，请先完成信息采集后再参加继续教育学习。"
)
MSG_COLLECTED_ELSEWHERE = (
    "您的信息采集行政区域不在广东省，继续教育学分将无法传送至广东省会计信息服务平台，"
    "请在信息采集所在地区参加学习。"
)
MSG_SHENZHEN = (
    "本平台面向广东省内（不含深圳市）的会计人员。深圳市会计人员继续教育由深圳市另行组织，"
    "请按深圳市的要求参加学习。"
)
MSG_NO_QUALIFICATION = (
    "本平台面向在广东省内（不含深圳市）从事会计工作，或持有会计专业技术资格（初级、中级、高级）"
    "证书的人员；会计从业资格证书不属于会计专业技术资格。"
)
MSG_ELIGIBLE = "符合广东省会计人员继续教育学习条件"
# Info collection on this platform (信息采集, steps personal..submit, then a reviewer). The guide:
# "学习完成前务必保证已信息采集,否则无法查询继续教育记录" — collection must be done before the
# year's study is complete, not before it starts. So a collection awaiting review lets the
# learner study (and says so); one never submitted, edited and not resubmitted, or rejected does
# not, and the reason says what to do.
MSG_COLLECTION_DRAFT = (
    "您的信息采集尚未提交（或修改后尚未重新提交），请在“信息采集”中完成各步骤并提交后再报名学习。"
)
MSG_COLLECTION_REJECTED = (
    "您的信息采集审核未通过，请在“信息采集”中按审核意见修改后重新提交，提交后即可报名学习。"
)
MSG_ELIGIBLE_UNDER_REVIEW = (
    "符合广东省会计人员继续教育学习条件；您的信息采集正在审核中，请留意审核结果，"
    "学习完成前须审核通过，否则无法查询继续教育记录。"
)


def qualification_level(level: str | None) -> str | None:
    """The recognised qualification level named by ``level`` (e.g. "中级会计师" -> "中级"), else None."""
    if not level:
        return None
    text = level.strip()
    for known in QUALIFICATION_LEVELS:
        if text.startswith(known):
            return known
    return None


def obligation_start_year(learner: LearnerFacts) -> int | None:
    """The first year ``learner`` must study: the year after the earlier of qualifying and
    starting accounting work; None when neither year is known."""
    years = [learner.work_start_year]
    if qualification_level(learner.qualification_level):
        years.append(learner.qualified_year)
    known = [year for year in years if year is not None]
    return min(known) + 1 if known else None


def _collection_refusal(learner: LearnerFacts) -> Reason | None:
    """Refuse learners not collected on the Guangdong platform, or collected in Shenzhen."""
    if learner.collection_region is None:
        return Reason("not_collected_here", MSG_NOT_COLLECTED)
    if learner.collection_region != REGION:
        return Reason("not_collected_here", MSG_COLLECTED_ELSEWHERE)
    if EXCLUDED_AREA in (learner.collection_area or ""):
        return Reason("shenzhen_excluded", MSG_SHENZHEN)
    # None: the caller does not know the status (e.g. a rule test); decide by the region alone.
    if learner.collection_status == "draft":
        return Reason("collection_not_submitted", MSG_COLLECTION_DRAFT)
    if learner.collection_status == "rejected":
        return Reason("collection_rejected", MSG_COLLECTION_REJECTED)
    return None


def check_eligibility(learner: LearnerFacts, year: int) -> Eligibility:
    """Decide whether ``learner`` may study in Guangdong in ``year``.

    In order: collected in Guangdong (``not_collected_here``), not in Shenzhen
    (``shenzhen_excluded``), the collection submitted (``collection_not_submitted``) and not
    rejected (``collection_rejected``), works in accounting or holds a qualification
    (``no_qualification``), and the obligation has started (``obligation_not_started``). A
    collection still awaiting review is eligible with ``collection_under_review``.
    """
    refusal = _collection_refusal(learner)
    if refusal is not None:
        return Eligibility.refused(refusal)
    works = learner.work_start_year is not None
    if not works and qualification_level(learner.qualification_level) is None:
        return Eligibility.refused(Reason("no_qualification", MSG_NO_QUALIFICATION))
    start = obligation_start_year(learner)
    if start is not None and year < start:
        return Eligibility.refused(
            Reason(
                "obligation_not_started",
                f"您自{start}年度起参加会计人员继续教育（取得会计专业技术资格或从事会计工作的次年），"
                f"{year}年度无需学习。",
            )
        )
    if learner.collection_status == "submitted":
        return Eligibility.ok(code="collection_under_review", message=MSG_ELIGIBLE_UNDER_REVIEW)
    return Eligibility.ok(message=MSG_ELIGIBLE)


# --- What is sold ----------------------------------------------------------------------------
# 网上报名: "2021年公需课 ¥0" and "2021年度广州市继续教育培训（专业课） ¥90", 60学分.
# Both types are needed: "只有公需课和专业课全部完成方可完成本年度继续教育的学习".
MODE_PUBLIC = "public"
MODE_PROFESSIONAL = "professional"
PUBLIC_CREDITS = 30
PROFESSIONAL_CREDITS = 60
PUBLIC_PRICE_FEN = 0  # ¥0: the core completes a zero order without payment
PROFESSIONAL_PRICE_FEN = 9000  # ¥90

MODES: dict[str, tuple[str, int, int]] = {
    # code: (name, credits, price in fen), in the order the school's page lists them
    MODE_PUBLIC: ("公需课", PUBLIC_CREDITS, PUBLIC_PRICE_FEN),
    MODE_PROFESSIONAL: ("专业课", PROFESSIONAL_CREDITS, PROFESSIONAL_PRICE_FEN),
}
#: What each year type opens once bought: its own subject kind only, so the free public
#: package never opens the ¥90 professional courses.
OPENS_KIND: dict[str, str] = {MODE_PUBLIC: PUBLIC, MODE_PROFESSIONAL: PROFESSIONAL}


def _yuan(fen: int) -> str:
    """A price as the learner reads it: "免费" or "¥90"."""
    if fen == 0:
        return "免费"
    return f"¥{fen // 100}" if fen % 100 == 0 else f"¥{fen / 100:.2f}"


def prices(year: int, settings: YearSettings | None) -> dict[str, int]:
    """The price of each year type in fen, as the year's settings give them."""
    value = values(year, settings)
    return {MODE_PUBLIC: value["public_price"], MODE_PROFESSIONAL: value["professional_price"]}


def purchase_modes(learner: LearnerFacts, year: int, settings: YearSettings | None = None) -> list[PurchaseMode]:
    """The year types a learner buys: 公需课 then 专业课; unavailable, with the reason, to a
    learner who may not study here. Neither type locks courses: a course not yet started can
    still be deselected (选课: "在没有听课的情况下也可以点击取消选择")."""
    eligibility = check_eligibility(learner, year)
    refusal = None if eligibility.allowed else eligibility.reasons[0]
    price_of = prices(year, settings)
    return [
        PurchaseMode(
            code=code,
            name=f"{year}年度{name}",
            description=f"{credits}学分，{_yuan(price_of[code])}；公需课和专业课均需完成",
            available=refusal is None,
            reason=refusal,
            # "已选择：<Y>年公需课；<Y>年度…（专业课）… 确认购买": both types in one order, each
            # shown with its 关闭时间, the end of the year's period (学分确认截止时间).
            combinable=True,
            closes_on=values(year, settings)["period_end"],
        )
        for code, (name, credits, _default_price) in MODES.items()
    ]


def quote(year: int, mode: str, settings: YearSettings | None = None) -> Quote | None:
    """Price one year type: one line "<Y>年度公需课（30学分）" at ¥0 or "<Y>年度专业课（60学分）"
    at ¥90, which opens the year's courses of that kind only; None for a mode Guangdong does
    not sell."""
    if mode not in MODES:
        return None
    name, credits, _default_price = MODES[mode]
    price = prices(year, settings)[mode]
    line = QuoteLine(
        sku=f"{REGION}-{year}-{mode}",
        description=f"{year}年度{name}（{credits}学分）",
        quantity=1,
        unit_price_fen=price,
        opens_kind=OPENS_KIND[mode],
    )
    return Quote(mode=mode, lines=(line,))


# --- Offsets ---------------------------------------------------------------------------------
def offset_types(year: int) -> list[OffsetType]:
    """Guangdong's learner guide knows no credit offsets: every credit is earned by study."""
    return []


# --- The exam --------------------------------------------------------------------------------
# 网上考试: "继续教育专业课不设置考试，公需课在完成30学分后需要…进行考试"; "公需课考试60分算作合格".
EXAM_REQUIRED_PUBLIC_CREDITS = 30
EXAM_PASS_MARK = 60
# The exam table: 需要学习时间 1393分钟, 开放时间 2021-06-01, 关闭时间 2021-12-31.
EXAM_MIN_STUDY_MINUTES = 1393
EXAM_OPENS_MONTH_DAY = (6, 1)
EXAM_CLOSES_MONTH_DAY = (12, 31)
# The seed is silent on the paper: 10 single-choice and 10 true/false questions of 5 points
# make a 100-point paper on which the seed's 60-point pass mark reads as usual, and 20
# questions fit the 60 minutes a learner expects from a short online exam.
EXAM_SINGLE_COUNT = 10
EXAM_TRUEFALSE_COUNT = 10
EXAM_POINTS_PER_QUESTION = 5
EXAM_TIME_LIMIT_MINUTES = 60
# The seed's exam table has a 考试机会 column, so attempts are counted, but it shows no number.
# Three lets a learner who fails retry twice after more study, while keeping the question bank
# from being guessed through by endless retakes.
EXAM_MAX_ATTEMPTS = 3


def exam_window(year: int) -> tuple[dt.datetime, dt.datetime]:
    """When the public-course exam of ``year`` is open: Y-06-01 00:00 to Y-12-31 23:59:59."""
    opens = dt.datetime(year, *EXAM_OPENS_MONTH_DAY, tzinfo=TZ)
    closes = dt.datetime(year, *EXAM_CLOSES_MONTH_DAY, 23, 59, 59, tzinfo=TZ)
    return opens, closes


def exam_policy(year: int, settings: YearSettings | None = None) -> ExamPolicy:
    """The public-course exam (公需课考试) of ``year``; professional courses have no exam."""
    value = values(year, settings)
    opens, closes = value["exam_opens"], value["exam_closes"]
    return ExamPolicy(
        region=REGION,
        year=year,
        title=f"{year}年公需课考试",
        sections=(
            ExamSection("single", EXAM_SINGLE_COUNT, EXAM_POINTS_PER_QUESTION),
            ExamSection("truefalse", EXAM_TRUEFALSE_COUNT, EXAM_POINTS_PER_QUESTION),
        ),
        time_limit_minutes=EXAM_TIME_LIMIT_MINUTES,
        pass_mark=EXAM_PASS_MARK,
        required_by_kind={PUBLIC: EXAM_REQUIRED_PUBLIC_CREDITS},
        counts_offsets=False,  # no offsets exist here; the 30 public credits are studied
        min_study_minutes=value["exam_min_study_minutes"],
        opens_at=opens,
        closes_at=closes,
        max_attempts=EXAM_MAX_ATTEMPTS,
        question_source="public_courses",
    )


# --- Reporting to the province ---------------------------------------------------------------
# "继续教育学分记录由系统自动发送至广东省会计信息服务平台，学员无需自行申报."
PUSH_URL_SETTING = "CPE_GUANGDONG_PUSH_URL"
PUSH_TOKEN_SETTING = "CPE_GUANGDONG_PUSH_TOKEN"
EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx", "push")
# The seed's institution list splits 远程机构 from 面授机构; every record this platform sends
# is online study, which the seed's title calls 网络培训.
EXPORT_CPE_TYPE = "网络培训"
EXPORT_FIELDS: tuple[ExportColumn, ...] = (
    ExportColumn("姓名", "name"),
    ExportColumn("身份证号", "id_number"),
    ExportColumn("年度", "year"),
    ExportColumn("继续教育类型", constant=EXPORT_CPE_TYPE),
    ExportColumn("专业科目学分", f"credits.{PROFESSIONAL}"),
    ExportColumn("公需科目学分", f"credits.{PUBLIC}"),
    ExportColumn("公需考试成绩", "exam_score"),  # no score yet: an empty cell
    ExportColumn("学习时长（分钟）", "study_minutes"),
)
EXPORT_COLUMNS: tuple[str, ...] = tuple(column.title for column in EXPORT_FIELDS)
# The legacy platform pushed a Guangdong record only once the learner had studied at least
# 1,440 minutes and scored at least 60 in the exam.
PUSH_MIN_STUDY_MINUTES = 1440
PUSH_MIN_SCORE = 60

# 继续教育查询: a record moves through 远程机构 已回传 -> 财政管理机构 已审核 -> 完成状态 已完成
# -> 省专业技术人员继续教育平台 回传成功.
RECORD_STATUSES: tuple[tuple[str, str], ...] = (
    ("returned", "已回传"),
    ("reviewed", "已审核"),
    ("completed", "已完成"),
    ("pushed", "回传成功"),
)


def export_row(record: LearnerYear) -> tuple[object, ...]:
    """One learner's year in the order of :data:`EXPORT_COLUMNS` (no score: an empty cell)."""
    return tuple(column.value(record) for column in EXPORT_FIELDS)


def push_ready(record: LearnerYear) -> bool:
    """Whether a record may be pushed to the province: 1,440 minutes studied and a score of 60."""
    return (
        record.study_minutes >= PUSH_MIN_STUDY_MINUTES
        and record.exam_score is not None
        and record.exam_score >= PUSH_MIN_SCORE
    )


def credit_export(year: int) -> CreditExport:
    """How Guangdong reports ``year``: pushed to 广东省会计信息服务平台, or as CSV/XLSX files."""
    return CreditExport(
        region=REGION,
        year=year,
        fields=EXPORT_FIELDS,
        formats=EXPORT_FORMATS,
        push_url_setting=PUSH_URL_SETTING,
        push_ready=push_ready,
        push_token_setting=PUSH_TOKEN_SETTING,
        push_statuses=RECORD_STATUSES,
    )


# --- Invoices --------------------------------------------------------------------------------
# 我的订单: "自购买之日起，可在一个月内申请发票，逾期不可补开！电子发票会在申请后的7个工作日
# 之内发送到邮箱。"
INVOICE_REQUEST_WINDOW_MONTHS = 1
INVOICE_EMAIL_WORKING_DAYS = 7


def invoice_request_deadline(purchased_on: dt.date, months: int = INVOICE_REQUEST_WINDOW_MONTHS) -> dt.date:
    """The last day an invoice may be requested: the same day ``months`` (one, by the guide)
    after the purchase, or that month's last day when it is shorter (a purchase on 01-31 ends
    on 02-28/29)."""
    month_index = purchased_on.month - 1 + months
    year = purchased_on.year + month_index // 12
    month = month_index % 12 + 1
    day = min(purchased_on.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def invoice_email_due(requested_on: dt.date) -> dt.date:
    """The day by which the electronic invoice is emailed: 7 working days after the request.

    Working days here are Monday to Friday; public holidays and their swapped working weekends
    (调休) change every year and are not modelled, so the date may be a day or two early.
    """
    day, left = requested_on, INVOICE_EMAIL_WORKING_DAYS
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def invoice_delivery(requested_on: dt.date) -> InvoiceDelivery:
    """The guide's promise, with the day it falls on (:func:`invoice_email_due`)."""
    return InvoiceDelivery(
        due=invoice_email_due(requested_on),
        promise=f"电子发票会在申请后的{INVOICE_EMAIL_WORKING_DAYS}个工作日之内发送到邮箱。",
    )


# --- The certificate ----------------------------------------------------------------------
# The seed's learners download a 继续教育证书 once the year is done and the public exam passed.
CERTIFICATE_TITLE = "会计人员继续教育合格证"
CERTIFICATE_STATEMENT = "{name}已完成{year}年度会计人员继续教育，公需课考试合格，特发此证。"
CERTIFICATE_ISSUER = "广东省会计人员继续教育"
CERTIFICATE_SERIAL_PREFIX = "GD"


def certificate_template(year: int) -> CertificateTemplate:
    """The certificate printed after the public-course exam is passed."""
    return CertificateTemplate(
        region=REGION,
        year=year,
        title=CERTIFICATE_TITLE,
        statement=CERTIFICATE_STATEMENT,
        issuer=CERTIFICATE_ISSUER,
        serial_prefix=CERTIFICATE_SERIAL_PREFIX,
    )


# --- Institution choice (learner guide: 选择本地区、本年度的培训机构) ---------------------------

#: The schools on the region's list for the year, in the order the guide shows them.
INSTITUTIONS: tuple[str, ...] = ("源和大成教育", "中华会计网校", "东奥会计在线", "广东财经大学继续教育学院")


def institution_policy(year: int) -> InstitutionPolicy:
    """Pick one school from the region's list; switch until something is paid there."""
    return InstitutionPolicy(
        region=REGION, year=year, institutions=INSTITUTIONS,
        note="请在本地区本年度的培训机构名单中选择一家机构学习；缴费前可取消选择。",
    )


# --- 学习资源 (learner guide, 图 7: 专业课 | 公需课 tabs, 远程机构 | 面授机构, 请输入机构名称;
# columns 行政区划, 年度, 机构名称, 客服电话, 操作 去学习) ---------------------------------------------

#: Where the schools are registered (the guide lists every one under 广州市).
PROVIDER_AREA = "广州市"
#: 客服电话 as the guide's list shows it for 源和大成教育; the other schools' lines are the
#: operator's to fill in.
PROVIDER_PHONES: Mapping[str, str] = {"源和大成教育": "4008087802"}
#: Face-to-face providers (面授机构): classroom training for professional subjects, signed up
#: for by phone; none is named by the guide, so this one stands for the operator's list.
FACE_TO_FACE: tuple[ResourceProvider, ...] = (
    ResourceProvider(name="广州会计人员面授培训中心", area=PROVIDER_AREA, phone="020-8888 0001",
                     kinds=(PROFESSIONAL,), mode="face_to_face"),
)


def learning_resources(year: int) -> LearningResources:
    """The year's schools (远程机构, chosen here by 去学习) and face-to-face providers."""
    distance = tuple(
        ResourceProvider(name=name, area=PROVIDER_AREA, phone=PROVIDER_PHONES.get(name, ""))
        for name in INSTITUTIONS
    )
    return LearningResources(
        providers=distance + FACE_TO_FACE,
        kind_labels={PROFESSIONAL: "专业课", PUBLIC: "公需课"},
        note="找到培训机构，点击“去学习”选择该机构学习并缴费；面授机构请致电报名。",
    )


# --- Study plan (learner guide, 图 13: 已选择的课程，如果在没有听课的情况下也可以点击"取消选择"
# 按钮进行取消(必须课除外)，再选择其他课程) ------------------------------------------------------

#: A course may be deselected only while no lesson of it has been listened to.
STARTED_COURSE_REMOVABLE = False


def study_plan_policy(year: int) -> StudyPlanPolicy:
    """Only a course not yet started may be deselected; required courses never (the core)."""
    return StudyPlanPolicy(
        region=REGION, year=year, started_removable=STARTED_COURSE_REMOVABLE,
        note="已选择的课程在没有听课的情况下可以取消选择（必修课除外），再选择其他课程。",
    )
