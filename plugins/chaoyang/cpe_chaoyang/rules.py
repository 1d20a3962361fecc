"""The rules of Chaoyang city's accounting continuing education, as plain typed code.

Sources (in ``/work/shared/seeds/``):

* 朝财〔2024〕6号《关于开展2024年度会计专业技术人员继续教育工作的通知》 ("the notice");
* 《朝阳市2021年度会计专业技术人员继续教育培训操作流程》 ("the 2021 flow");
* 《辽宁省会计专业技术人员继续教育系统操作手册》(2025), for the provincial platform.

The seed numbers are law. Where the seeds are silent the value is a named constant below with a
comment saying why it was chosen. Sections follow the notice's own order.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from hookspecs import (
    CertificateTemplate,
    PROFESSIONAL,
    PUBLIC,
    Cart,
    CreditExport,
    Eligibility,
    ExportColumn,
    InstitutionPolicy,
    EvidenceRules,
    ExamPolicy,
    ExamSection,
    LearnerFacts,
    LearnerYear,
    OffsetField,
    OffsetRole,
    OffsetType,
    PurchaseMode,
    Quote,
    QuoteLine,
    Reason,
    Requirements,
    StudyPlanPolicy,
    YearSetting,
    YearSettings,
)

REGION = "chaoyang"
TZ = ZoneInfo("Asia/Shanghai")

# --- 二、继续教育学习时间 -----------------------------------------------------------------------
# "2024 年度 ... 自 2024 年 2 月 1 日起至 2025 年 1 月 31 日止": programme year Y runs from
# Y-02-01 to (Y+1)-01-31. We generalise the 2024 dates to every year.
YEAR_START_MONTH = 2
YEAR_START_DAY = 1

#: Seeds silent: the earliest year the seeds document is 2021 (the 2021 training flow). Earlier
#: years ran on the old platform, so nothing before it can be bought or exported here.
FIRST_PROGRAMME_YEAR = 2021

#: "因特殊原因没有参加上一年度会计继续教育的人员, 须在 2024 年 12 月 31 日前完成上一年度的培训任务":
#: the missed year Y-1 must be made up by Y-12-31.
MAKEUP_DEADLINE_MONTH = 12
MAKEUP_DEADLINE_DAY = 31


def is_offered(year: int) -> bool:
    """Whether Chaoyang runs a programme in ``year`` on this platform."""
    return year >= FIRST_PROGRAMME_YEAR


def programme_period(year: int) -> tuple[dt.date, dt.date]:
    """The inclusive first and last day of programme ``year`` (Y-02-01 .. (Y+1)-01-31)."""
    start = dt.date(year, YEAR_START_MONTH, YEAR_START_DAY)
    # The year ends the day before the next one starts, so the two never overlap or leave a gap.
    end = dt.date(year + 1, YEAR_START_MONTH, YEAR_START_DAY) - dt.timedelta(days=1)
    return start, end


def makeup_deadline(year: int) -> dt.date:
    """The last day, inside programme ``year``, to make up the missed year ``year - 1``."""
    return dt.date(year, MAKEUP_DEADLINE_MONTH, MAKEUP_DEADLINE_DAY)


# --- 年度设置: what each year's notice may set anew ---------------------------------------------
# The rules above hold for any year; the notice of a year may still move a date or the price,
# so those are declared as settings the city's admin can change for one year (with bounds that
# keep a slip from breaking the year), and every rule below reads them from ``settings``.


def year_settings(year: int) -> list[YearSetting]:
    """The values of ``year`` the admin may set on 年度设置, defaulting to the rules above."""
    start, end = programme_period(year)
    opens, closes = exam_window(year)
    return [
        YearSetting("period_start", "学习开始日期", "date", start,
                    minimum=dt.date(year, 1, 1), maximum=dt.date(year, 12, 31),
                    help="通知原文：自每年2月1日起。"),
        YearSetting("period_end", "学习截止日期", "date", end,
                    minimum=dt.date(year, 6, 30), maximum=dt.date(year + 1, 12, 31), not_before="period_start",
                    help="通知原文：至次年1月31日止。"),
        YearSetting("makeup_deadline", "上一年度补学截止日期", "date", makeup_deadline(year),
                    minimum=dt.date(year, 1, 1), maximum=dt.date(year + 1, 1, 31),
                    help=f"未参加{year - 1}年度继续教育的人员须在此日期前完成{year - 1}年度的培训任务。"),
        YearSetting("exam_opens", "在线考试开放时间", "datetime", opens,
                    minimum=_midnight(dt.date(year, 1, 1)), maximum=_midnight(dt.date(year + 1, 12, 31))),
        YearSetting("exam_closes", "在线考试关闭时间", "datetime", closes,
                    minimum=_midnight(dt.date(year, 6, 30)), maximum=_last_second(dt.date(year + 2, 1, 31)),
                    not_before="exam_opens",
                    help="默认至次年补学截止日，补学人员也可参加考试。"),
        YearSetting("price_per_credit", "每学分价格", "fen", PRICE_PER_CREDIT_FEN, minimum=0, maximum=10_000,
                    help="通知原文：全市采取统一价格，每学分1元。"),
        YearSetting("exam_max_attempts", "考试次数上限", "int", EXAM_MAX_ATTEMPTS, minimum=1, maximum=99,
                    optional=True, help="在线考试原则上不限次数；留空即不限。"),
    ]


def values(year: int, settings: YearSettings | None) -> dict[str, Any]:
    """``settings`` completed with the defaults (a caller that passes none gets the rules)."""
    found = {setting.key: setting.default for setting in year_settings(year)}
    found.update(settings or {})
    return found


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=TZ)


def _last_second(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=TZ)


# --- 五、学分管理 -----------------------------------------------------------------------------
# The minimums change by programme year, each rule holding from the year of the document that
# set it until a later one changed it:
# - the 2021 training flow: "本课程一共最低学满90学分，专业课最低60学分和公需课30学分";
# - the 2024 notice: "学分不得少于 90 学分，其中，专业科目不少于 60 学分". Unlike the provincial
#   FAQ, it sets no minimum of its own for public subjects: they simply make up the rest of the 90.
REQUIRED_TOTAL = 90
REQUIRED_PROFESSIONAL = 60
REQUIRED_PUBLIC_2021 = 30
MINIMUMS_FROM: Mapping[int, Mapping[str, int]] = {
    2021: {PROFESSIONAL: REQUIRED_PROFESSIONAL, PUBLIC: REQUIRED_PUBLIC_2021},
    2024: {PROFESSIONAL: REQUIRED_PROFESSIONAL},
}
#: Today's rule (the latest document's).
MINIMUMS: Mapping[str, int] = MINIMUMS_FROM[max(MINIMUMS_FROM)]


def minimums(year: int) -> dict[str, int]:
    """The least of each kind in ``year``: the rule of the latest document from that year or before
    (the earliest rule for a year before any document)."""
    since = max((first for first in MINIMUMS_FROM if first <= year), default=min(MINIMUMS_FROM))
    return dict(MINIMUMS_FROM[since])


def year_requirements(year: int, settings: YearSettings | None = None) -> Requirements | None:
    """What a Chaoyang learner must earn in ``year``; None for years not offered here."""
    if not is_offered(year):
        return None
    value = values(year, settings)
    return Requirements(
        region=REGION,
        year=year,
        period_start=value["period_start"],
        period_end=value["period_end"],
        total=REQUIRED_TOTAL,
        minimums=minimums(year),
        unit="credit",
        makeup_deadline=value["makeup_deadline"],
    )


# --- 一、继续教育对象 -----------------------------------------------------------------------
# Only learners whose info collection (信息采集) on the Liaoning platform chose 朝阳市 (the city
# and its counties) may study here; otherwise "学习结果无法认证，且数据无法上传至辽宁省平台".

NOT_COLLECTED = Reason(
    "not_collected",
    "您尚未在辽宁省会计管理综合服务平台完成会计人员信息采集（或采集未通过），暂不能参加朝阳市"
    "会计继续教育。请先登录辽宁省会计管理综合服务平台完成信息采集。",
)
COLLECTED_ELSEWHERE = Reason(
    "collected_elsewhere",
    "只有在辽宁省会计管理综合服务平台信息采集地区为朝阳市（含各县（市）区）的会计人员才能在"
    "朝阳会计在线学习。您的信息采集地区不是朝阳市，请到信息采集地参加继续教育，否则学习结果"
    "无法认证，也无法上传至辽宁省会计管理综合服务平台。",
)


def obligation_start_year(learner: LearnerFacts) -> int | None:
    """The first programme year ``learner`` must study, or None when the core knows neither date.

    "具有会计专业技术资格的人员应当自取得会计专业技术资格的次年开始参加继续教育"; without a
    qualification, "自从事会计工作的次年开始". Someone who worked in accounting before qualifying
    was already obliged as a working non-qualified person, so the earlier year decides.
    """
    known = [y for y in (learner.qualified_year, learner.work_start_year) if y is not None]
    return min(known) + 1 if known else None


def _obligation_not_started(learner: LearnerFacts, year: int, start: int) -> Reason:
    if learner.qualified_year is not None and start == learner.qualified_year + 1:
        since = f"您于{learner.qualified_year}年取得会计专业技术资格"
    else:
        since = f"您于{learner.work_start_year}年开始从事会计工作"
    return Reason(
        "obligation_not_started",
        f"{since}，应自{start}年度起参加会计继续教育，{year}年度无需参加。",
    )


#: The Liaoning hub's region code: its learners come here through 进入网校 with the collection
#: facts of the provincial platform, whose area names the city ("朝阳市双塔区").
HUB_REGION = "liaoning"
CITY = "朝阳市"


def collected_in_chaoyang(learner: LearnerFacts) -> bool:
    """Collected here, or on the Liaoning platform in an area of 朝阳市 (the city and its counties)."""
    if learner.collection_region == REGION:
        return True
    return learner.collection_region == HUB_REGION and (learner.collection_area or "").startswith(CITY)


def check_eligibility(learner: LearnerFacts, year: int) -> Eligibility:
    """Decide whether ``learner`` may study in Chaoyang in ``year``; the first failed rule wins."""
    if not learner.collection_region:
        return Eligibility.refused(NOT_COLLECTED)
    if not collected_in_chaoyang(learner):
        return Eligibility.refused(COLLECTED_ELSEWHERE)
    start = obligation_start_year(learner)
    # With neither date on file we cannot show the learner is exempt, and registration asks for
    # the qualification anyway, so the learner is allowed rather than locked out.
    if start is not None and year < start:
        return Eligibility.refused(_obligation_not_started(learner, year, start))
    return Eligibility.ok(message=f"符合朝阳市{year}年度会计继续教育学习条件")


# --- 缴费 (2021 flow) -----------------------------------------------------------------------
# "全市采取统一价格，每学分1元，缴费全部实行网上缴费，分两种方式。"
PRICE_PER_CREDIT_FEN = 100
#: "年度购买" sells the whole year's requirement.
ANNUAL_CREDITS = REQUIRED_TOTAL

ANNUAL = "annual"
CREDIT = "credit"

HAS_OFFSETS = Reason(
    "has_offsets",
    "您有审核通过的抵免学分，年度购买仅适用于没有学分抵免的学员，请选择“学分购买”，按所选课程学分缴费。",
)
NO_OFFSETS = Reason(
    "no_offsets",
    "学分购买仅适用于有部分学分抵免的学员，您没有审核通过的抵免学分，请选择“年度购买”。",
)
NO_COURSE_SELECTED = "请先选择要购买学分的课程"


def has_offsets(learner: LearnerFacts) -> bool:
    """Whether ``learner`` holds approved offset credits in the year asked about."""
    return sum(learner.offset_credits.values()) > 0


def _yuan(fen: int) -> str:
    return f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}"


def purchase_modes(learner: LearnerFacts, year: int, settings: YearSettings | None = None) -> list[PurchaseMode]:
    """The two ways to pay for ``year``, each available only to the learners the flow names."""
    offsets = has_offsets(learner)
    price = values(year, settings)["price_per_credit"]
    return [
        PurchaseMode(
            code=ANNUAL,
            name="年度购买",
            description=(
                f"适合没有学分抵免的学员：一次缴纳{year}年度{ANNUAL_CREDITS}学分的费用"
                f"（每学分{_yuan(price)}元），课程可以删除和重新选择。"
            ),
            available=not offsets,
            reason=HAS_OFFSETS if offsets else None,
            locks_courses=False,
        ),
        PurchaseMode(
            code=CREDIT,
            name="学分购买",
            description=(
                f"适用于部分学分抵免的学员：按所选课程的学分缴费（每学分{_yuan(price)}元），"
                "缴费后所选课程不能删除和重新选择。"
            ),
            available=offsets,
            reason=None if offsets else NO_OFFSETS,
            locks_courses=True,
        ),
    ]


def _annual_quote(cart: Cart, price: int) -> Quote:
    line = QuoteLine(
        sku=f"{REGION}-{cart.year}-annual",
        description=f"{cart.year}年度会计继续教育年度购买（{ANNUAL_CREDITS}学分）",
        quantity=ANNUAL_CREDITS,
        unit_price_fen=price,
        # 年度购买 buys the year: every course of it, also one re-selected after paying
        # ("课程可以删除和重新选择").
        opens_year=True,
    )
    return Quote(mode=ANNUAL, lines=(line,), locks_courses=False)


def _credit_quote(cart: Cart, price: int) -> Quote:
    if not cart.items:
        raise ValueError(NO_COURSE_SELECTED)
    # 学分购买 pays for the selected courses only: each line carries its course's sku, which
    # opens that course and no other (QuoteLine's default).
    lines = tuple(
        QuoteLine(
            sku=item.sku,
            description=item.title,
            quantity=item.credits,
            unit_price_fen=price,
        )
        for item in cart.items
    )
    return Quote(mode=CREDIT, lines=lines, locks_courses=True)


def quote(cart: Cart, settings: YearSettings | None = None) -> Quote | None:
    """Price ``cart`` at the year's price per credit (1 yuan unless the year's settings say
    otherwise); None for a mode Chaoyang does not sell.

    Availability (offsets or not) is decided by :func:`purchase_modes`, which the core checks
    before pricing; the price itself does not depend on it.
    """
    price = values(cart.year, settings)["price_per_credit"]
    if cart.mode == ANNUAL:
        return _annual_quote(cart, price)
    if cart.mode == CREDIT:
        return _credit_quote(cart, price)
    return None


# --- 视同培训 / 学分折算 (the notice, 五、1-7) ------------------------------------------------
# Applications are made on the Liaoning platform and reviewed by 市财政局会计科. Kind 1 needs no
# application: "由省级财政部门直接登记". All offsets count towards professional subjects, the kind
# the year's minimum is set in.
OFFSET_KIND = PROFESSIONAL

#: "学员应同时上传能够证明其申请折算学分的相关证明材料，证明材料应以图片的形式上传，最多可以上传3张
#: 图片"; "每次修改后必须重新上传证明材料图片 ... 如不再次上传图片并进行保存，原上传图片将被清除".
#: So an application goes to review with at least one image, new or edited ("同时上传"; an edit
#: must upload again), while saving a draft without images is allowed and clears the old ones.
#: The core applies ``min_files`` when an application is submitted, not when a draft is saved.
OFFSET_EVIDENCE_MAX_FILES = 3
OFFSET_EVIDENCE_MIN_FILES = 1
OFFSET_EVIDENCE = EvidenceRules(
    max_files=OFFSET_EVIDENCE_MAX_FILES,
    min_files=OFFSET_EVIDENCE_MIN_FILES,
    content_types=("image/jpeg", "image/png"),
    reupload_on_edit=True,
)

#: "每天折算为 30 学分".
TRAINING_CREDITS_PER_DAY = 30
#: Seeds silent on a cap. Three days already earn 90 credits, the whole year's requirement, so
#: claiming more days could never change a learner's result; the cap stops typing slips (300 days).
TRAINING_MAX_DAYS = REQUIRED_TOTAL // TRAINING_CREDITS_PER_DAY

AUTHOR_POSITION_HINT = "合作发表/出版时填写，如第一作者填1"


def _field(name: str, label: str, field_type: str = "text", required: bool = True,
           choices: tuple[str, ...] = ()) -> OffsetField:
    return OffsetField(name=name, label=label, type=field_type, required=required, choices=choices)


def _offset(code: str, label: str, description: str, roles: tuple[OffsetRole, ...],
            fields: tuple[OffsetField, ...], *, needs_application: bool = True,
            max_quantity: int | None = None, quantity_field: str | None = None) -> OffsetType:
    return OffsetType(
        code=code,
        label=label,
        kind=OFFSET_KIND,
        roles=roles,
        fields=fields,
        evidence=OFFSET_EVIDENCE,
        needs_application=needs_application,
        description=description,
        max_quantity=max_quantity,
        quantity_field=quantity_field,
    )


EXAM_OFFSET = _offset(
    "exam",
    "会计相关考试",
    "参加全国会计专业技术资格考试等相关考试，每通过一科考试或被录取的，折算为90学分。"
    "无需申请，由省级财政部门直接登记。",
    (OffsetRole("passed", "每通过一科考试或被录取", 90),),
    (
        _field("exam_name", "考试名称"),
        _field("subject", "通过科目"),
        _field("exam_year", "考试年度", "int"),
    ),
    needs_application=False,
)

DEGREE_OFFSET = _offset(
    "degree",
    "会计类学历（学位）教育",
    "参加国家教育行政主管部门承认的中专以上会计类专业学历（学位）教育，通过当年度一门学习课程"
    "考试或考核的，折算为90学分。",
    (OffsetRole("course_passed", "通过当年度一门课程考试或考核", 90),),
    (
        _field("school", "学校名称"),
        _field("education_level", "学历层次", "choice",
               choices=("中专", "大专", "本科", "硕士研究生", "博士研究生")),
        _field("major", "所学专业"),
        _field("course", "通过考试（考核）的课程"),
        _field("passed_on", "考试（考核）日期", "date"),
    ),
)

RESEARCH_OFFSET = _offset(
    "research",
    "会计类研究课题",
    "独立承担继续教育管理部门或行业组织（学术团体）的会计类研究课题，课题结项的，每项折算为90学分；"
    "与他人合作完成的，课题主持人折算为90学分，其他参与人每人折算为60学分。",
    (
        OffsetRole("alone", "独立承担", 90),
        OffsetRole("leader", "合作完成·课题主持人", 90),
        OffsetRole("member", "合作完成·其他参与人", 60),
    ),
    (
        _field("project_name", "课题名称"),
        _field("sponsor", "立项部门（组织）"),
        _field("project_number", "课题编号", required=False),
        _field("concluded_on", "结项日期", "date"),
    ),
)

PAPER_OFFSET = _offset(
    "paper",
    "会计类论文",
    "在有国内统一刊号（CN）的经济、管理类报刊上发表会计类论文的，独立发表每篇折算为30学分；"
    "与他人合作发表的，第一作者折算为30学分，其他作者每人折算为10学分。",
    (
        OffsetRole("alone", "独立发表", 30),
        OffsetRole("first_author", "合作发表·第一作者", 30),
        OffsetRole("other_author", "合作发表·其他作者", 10),
    ),
    (
        _field("title", "论文题目"),
        _field("journal", "刊物名称"),
        _field("cn_number", "国内统一刊号（CN）", "cn_number"),
        _field("issue", "刊期（年/期）"),
        _field("author_position", f"署名位次（{AUTHOR_POSITION_HINT}）", "int", required=False),
        _field("published_on", "发表日期", "date"),
    ),
)

BOOK_OFFSET = _offset(
    "book",
    "会计类书籍",
    "公开出版会计类书籍的，独立出版每本折算为90学分；与他人合作出版的，第一作者折算为90学分，"
    "其他作者每人折算为60学分。",
    (
        OffsetRole("alone", "独立出版", 90),
        OffsetRole("first_author", "合作出版·第一作者", 90),
        OffsetRole("other_author", "合作出版·其他作者", 60),
    ),
    (
        _field("title", "书名"),
        _field("publisher", "出版社"),
        _field("isbn", "ISBN"),
        _field("author_position", f"署名位次（{AUTHOR_POSITION_HINT}）", "int", required=False),
        _field("published_on", "出版日期", "date"),
    ),
)

TRAINING_OFFSET = _offset(
    "training",
    "财政部门组织的会计类培训",
    "参加财政部门组织的大中型企事业单位总会计师素质提升工程等会计类培训，每天折算为30学分。",
    (OffsetRole("participant", "参训学员（按天折算）", TRAINING_CREDITS_PER_DAY, per_unit="day"),),
    (
        _field("training_name", "培训项目名称"),
        _field("organiser", "组织培训的财政部门"),
        _field("start_date", "培训开始日期", "date"),
        _field("days", "培训天数", "int"),
    ),
    max_quantity=TRAINING_MAX_DAYS,
    quantity_field="days",
)

CONTEST_OFFSET = _offset(
    "contest",
    "会计类知识竞赛",
    "参加省级以上财政部门组织或继续教育管理机构认可的会计类知识竞赛等活动，折算为90学分。",
    (OffsetRole("participant", "参加竞赛", 90),),
    (
        _field("contest_name", "竞赛名称"),
        _field("organiser", "主办单位"),
        _field("held_on", "竞赛日期", "date"),
        # The notice grants the credits for taking part; an award is recorded but not required.
        _field("award", "获奖情况", required=False),
    ),
)

#: The seven offsets in the notice's order.
OFFSET_TYPES: tuple[OffsetType, ...] = (
    EXAM_OFFSET,
    DEGREE_OFFSET,
    RESEARCH_OFFSET,
    PAPER_OFFSET,
    BOOK_OFFSET,
    TRAINING_OFFSET,
    CONTEST_OFFSET,
)


def offset_types(year: int) -> list[OffsetType] | None:
    """The offset catalogue of ``year``; None for years not offered here."""
    if not is_offered(year):
        return None
    return list(OFFSET_TYPES)


# --- 在线考试 (2021 flow, FAQ 9-11) ----------------------------------------------------------
# "单选题5道，每题10分；判断题5道，每题10分 ... 答题时间为60分钟"; questions come from "学员所选的
# 90学分的课程"; it opens at 90 credits with at least 60 professional, offsets included
# ("按折算学分和购买课程学分合计90学分即可").
EXAM_SINGLE_COUNT = 5
EXAM_TRUEFALSE_COUNT = 5
EXAM_POINTS_PER_QUESTION = 10
EXAM_TIME_LIMIT_MINUTES = 60
#: Seeds silent on the pass mark: 60 of 100 is the norm of Chinese CE exams (Guangdong's seed too).
EXAM_PASS_MARK = 60
#: "在线考试原则上不限次数": unlimited by default; set a number here to impose a limit.
EXAM_MAX_ATTEMPTS: int | None = None


# Before the exam, by programme year (each rule holding from its document's year):
# - the 2021 training flow: "学员完成规定学分的听课后，财政部门将对学分进行审核、合并，当年度累计
#   完成90学分的会计专业技术人员方可进行在线考试": staff review and merge the credits first;
# - the 2024 notice goes from 课时完成 straight to 参加考试 ("…不需办理确认登记手续").
CREDIT_REVIEW_FROM: Mapping[int, bool] = {2021: True, 2024: False}
CREDIT_REVIEW_NOTE = (
    f"学员完成规定学分的听课后，财政部门将对学分进行审核、合并，当年度累计完成{REQUIRED_TOTAL}学分的"
    "会计专业技术人员方可进行在线考试。"
)


def credit_review(year: int) -> bool:
    """Whether the credits of ``year`` are reviewed and merged before its exam opens."""
    since = max((first for first in CREDIT_REVIEW_FROM if first <= year), default=min(CREDIT_REVIEW_FROM))
    return CREDIT_REVIEW_FROM[since]


def exam_window(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The exam opens with the year's first day and closes at the last second of the make-up
    deadline for the year (the next year's 12-31): a learner who makes the year up ("须在…前
    完成上一年度的培训任务") takes its exam too."""
    start, _end = programme_period(year)
    opens = dt.datetime.combine(start, dt.time(0, 0), tzinfo=TZ)
    closes = dt.datetime.combine(makeup_deadline(year + 1), dt.time(23, 59, 59), tzinfo=TZ)
    return opens, closes


def exam_policy(year: int, settings: YearSettings | None = None) -> ExamPolicy | None:
    """How the online exam of ``year`` is set; None for years not offered here."""
    if not is_offered(year):
        return None
    value = values(year, settings)
    opens, closes = value["exam_opens"], value["exam_closes"]
    return ExamPolicy(
        region=REGION,
        year=year,
        title=f"朝阳市{year}年度会计专业技术人员继续教育在线考试",
        sections=(
            ExamSection("single", EXAM_SINGLE_COUNT, EXAM_POINTS_PER_QUESTION),
            ExamSection("truefalse", EXAM_TRUEFALSE_COUNT, EXAM_POINTS_PER_QUESTION),
        ),
        time_limit_minutes=EXAM_TIME_LIMIT_MINUTES,
        pass_mark=EXAM_PASS_MARK,
        required_total=REQUIRED_TOTAL,
        required_by_kind=minimums(year),
        counts_offsets=True,
        opens_at=opens,
        closes_at=closes,
        max_attempts=value["exam_max_attempts"],
        question_source="own_courses",
        credit_review=credit_review(year),
        credit_review_note=CREDIT_REVIEW_NOTE if credit_review(year) else "",
    )


# --- 学分上报 ---------------------------------------------------------------------------------
# Results are imported into the Liaoning platform (辽宁省会计管理信息系统), keyed by ID number and
# name "必须与二代身份证的信息核对一致".
EXPORT_FIELDS: tuple[ExportColumn, ...] = (
    ExportColumn("身份证号", "id_number"),
    ExportColumn("姓名", "name"),
    ExportColumn("年度", "year"),
    ExportColumn("专业科目学分", f"credits.{PROFESSIONAL}"),
    ExportColumn("公需科目学分", f"credits.{PUBLIC}"),
    ExportColumn("总学分", "total"),
    ExportColumn("是否完成", "complete", labels={True: "是", False: "否"}),
)
EXPORT_COLUMNS: tuple[str, ...] = tuple(column.title for column in EXPORT_FIELDS)
EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx", "push")
#: The push registers credits back to the Liaoning platform's receiver (学分登记) when the
#: deployer sets its address and the token the platform gave 朝阳会计在线; optional, since a
#: deployment may serve Chaoyang without the hub.
PUSH_URL_SETTING = "CPE_CHAOYANG_PUSH_URL"
PUSH_TOKEN_SETTING = "CPE_CHAOYANG_PUSH_TOKEN"
PUSH_STATUSES = (("registered", "学分已登记"),)


def push_ready(record: LearnerYear) -> bool:
    """A learner-year is registered back as soon as it holds credits (the hub shows them as they grow)."""
    return record.total > 0


def export_row(record: LearnerYear) -> tuple[object, ...]:
    """One row of the provincial import sheet, in the order of :data:`EXPORT_COLUMNS`."""
    return tuple(column.value(record) for column in EXPORT_FIELDS)


def credit_export(year: int) -> CreditExport | None:
    """How ``year``'s credits are reported to the province; None for years not offered here."""
    if not is_offered(year):
        return None
    return CreditExport(
        region=REGION,
        year=year,
        fields=EXPORT_FIELDS,
        formats=EXPORT_FORMATS,
        push_url_setting=PUSH_URL_SETTING,
        push_token_setting=PUSH_TOKEN_SETTING,
        push_ready=push_ready,
        push_statuses=PUSH_STATUSES,
        push_required=False,
    )


# --- The certificate ----------------------------------------------------------------------
# "考试合格的学员可自行打印合格证书" (2021 flow); "参加考试合格可自行打印合格证" (2024 notice).
CERTIFICATE_TITLE = "会计专业技术人员继续教育合格证"
CERTIFICATE_STATEMENT = "{name}已完成{year}年度会计专业技术人员继续教育网络培训，考试合格，特发此证。"
CERTIFICATE_ISSUER = "朝阳市会计学会"
CERTIFICATE_SERIAL_PREFIX = "CY"


def certificate_template(year: int) -> CertificateTemplate | None:
    """The 合格证 printed after the exam is passed; None for years not offered here."""
    if not is_offered(year):
        return None
    return CertificateTemplate(
        region=REGION,
        year=year,
        title=CERTIFICATE_TITLE,
        statement=CERTIFICATE_STATEMENT,
        issuer=CERTIFICATE_ISSUER,
        serial_prefix=CERTIFICATE_SERIAL_PREFIX,
    )


# --- Institution choice (Liaoning 2025 system manual: 年度、级别、机构) --------------------------

#: "选择培训年度、级别（初级及以下、中级、高级）和培训机构".
LEVELS: tuple[str, ...] = ("初级及以下", "中级", "高级")
#: The only recognised school in Chaoyang (2024 notice).
INSTITUTIONS: tuple[str, ...] = ("朝阳市会计学会",)


def institution_policy(year: int) -> InstitutionPolicy | None:
    """Choose level and school for the year; cancellable to switch until paid."""
    if not is_offered(year):
        return None
    return InstitutionPolicy(
        region=REGION, year=year, institutions=INSTITUTIONS, levels=LEVELS,
        note="请选择培训年度、级别和培训机构，确认报名后缴费学习；缴费前可取消报名更换机构。",
    )


# --- Study plan (training flow: 如果课程已经开始学习，该课程同样可以删除，但系统已经自动保留了
# 该课程的学习记录；当学员再次将同一门课程重新添加入"个人教学计划"后，系统会自动将之前的学习
# 记录一并转入) ---------------------------------------------------------------------------------

#: A started course may be removed; the core keeps its record and restores it on re-adding.
STARTED_COURSE_REMOVABLE = True


def study_plan_policy(year: int) -> StudyPlanPolicy | None:
    """A started course can be removed (its record kept); courses paid by credit purchase are
    locked by the purchase mode, required ones by the core."""
    if not is_offered(year):
        return None
    return StudyPlanPolicy(
        region=REGION, year=year, started_removable=STARTED_COURSE_REMOVABLE,
        note="已开始学习的课程同样可以删除，学习记录会保留；重新添加后自动恢复。",
    )
