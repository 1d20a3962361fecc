"""The CICPA rulebook (中注协继续教育子系统) as plain typed code.

Source: the CICPA continuing-education subsystem manual (seed ``cicpa-cpe-subsystem-manual``).
The manual describes screens, not numbers: every number below where it is silent is a named
constant with a comment saying why it was chosen, so a deployment can change it in one place.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from hookspecs import (
    CertificateTemplate,
    PROFESSIONAL,
    CreditExport,
    ExportColumn,
    Eligibility,
    InstitutionPolicy,
    EvidenceRules,
    LearnerYear,
    OffsetField,
    OffsetRole,
    OffsetType,
    Reason,
    Requirements,
    YearSetting,
    YearSettings,
)

REGION = "cicpa"
UNIT = "hour"

# --- The year's requirement -----------------------------------------------------------------

#: Hours a member must earn in a year. The seed is silent; 40 is the CICPA norm (the CPA
#: continuing-education rules ask for at least 40 hours a year). Configurable here.
ANNUAL_HOURS = 40
#: The programme year is the calendar year: Y-01-01 .. Y-12-31.
YEAR_START_MONTH_DAY = (1, 1)
YEAR_END_MONTH_DAY = (12, 31)


def year_period(year: int) -> tuple[dt.date, dt.date]:
    """Return the inclusive first and last day of programme ``year`` (a calendar year)."""
    return dt.date(year, *YEAR_START_MONTH_DAY), dt.date(year, *YEAR_END_MONTH_DAY)


def year_settings(year: int) -> list[YearSetting]:
    """The year's dates, which the CICPA's yearly arrangements may move (年度设置)."""
    start, end = year_period(year)
    return [
        YearSetting("period_start", "学时年度开始日期", "date", start,
                    minimum=dt.date(year, 1, 1), maximum=dt.date(year, 12, 31)),
        YearSetting("period_end", "学时年度截止日期", "date", end,
                    minimum=dt.date(year, 6, 30), maximum=dt.date(year + 1, 6, 30), not_before="period_start"),
    ]


def year_requirements(year: int, settings: YearSettings | None = None) -> Requirements:
    """What a member must earn in ``year``: ANNUAL_HOURS hours, no minimum per subject kind."""
    start, end = year_period(year)
    if settings:
        start, end = settings.get("period_start", start), settings.get("period_end", end)
    # No per-kind minimum: CICPA counts hours, not professional/public splits, and the seed
    # notes that non-practising members' study "不区分必修选修".
    return Requirements(
        region=REGION, year=year, period_start=start, period_end=end,
        total=ANNUAL_HOURS, minimums={}, unit=UNIT,
    )


# --- Who may study --------------------------------------------------------------------------

PRACTISING = "practising"
NON_PRACTISING = "non_practising"
#: The user types the login screen offers (选择用户类型), in the order it lists them.
MEMBER_TYPES: Mapping[str, str] = {
    PRACTISING: "注册会计师",
    NON_PRACTISING: "非执业会员",
}

#: Member numbers (会员证书编号) are 12 digits; the login screen asks for them as the user name.
MEMBER_NUMBER_LENGTH = 12


def is_member_number(value: str) -> bool:
    """Tell whether ``value`` looks like a CICPA member certificate number (12 digits)."""
    return len(value) == MEMBER_NUMBER_LENGTH and value.isascii() and value.isdigit()


def check_eligibility(member_type: str | None) -> Eligibility:
    """Only CICPA members study here: practising CPAs and non-practising members."""
    label = MEMBER_TYPES.get(member_type or "")
    if label is None:
        return Eligibility.refused(Reason(
            "not_a_member",
            "本系统仅供中国注册会计师协会会员（注册会计师、非执业会员）参加继续教育，"
            "请确认会员类型后重新登录。",
        ))
    return Eligibility.ok(message=f"您是{label}，可参加本年度继续教育。")


# --- Where non-practising members study -----------------------------------------------------

#: The three national accounting institutes whose courses members preview and study.
NATIONAL_INSTITUTES: tuple[str, ...] = ("北京国家会计学院", "上海国家会计学院", "厦门国家会计学院")
#: "非执业会员同一年度只能选择一家会计学院的课程进行学习。"
INSTITUTES_PER_YEAR = 1


def must_choose_one_institute(member_type: str | None) -> bool:
    """Tell whether ``member_type`` is bound to one institute a year (the seed says so of
    non-practising members only)."""
    return member_type == NON_PRACTISING


def may_choose_institute(institute: str, already_chosen: str | None, started: bool) -> bool:
    """Decide whether a non-practising member may choose ``institute`` for the year.

    :param already_chosen: the institute chosen earlier this year, if any.
    :param started: whether the member has already studied at ``already_chosen`` this year.

    Only one institute a year. The seed is silent on changing one's mind: we allow a switch
    until the first lesson is studied, because until then no hours were earned at the first
    institute, so the member still studies at only one (as Liaoning allows a switch until paid).
    """
    if institute not in NATIONAL_INSTITUTES:
        return False
    if already_chosen is None or already_chosen == institute:
        return True
    return not started


# --- Hour applications (学时申请) ------------------------------------------------------------

INPUT = "input"
OUTPUT = "output"
EXEMPTION = "exemption"

#: Routes of input-type hours (学时途径). The seed names the field only; these are the usual
#: ways a CPA earns hours outside the online courses.
INPUT_ROUTES: tuple[str, ...] = (
    "参加培训班",
    "参加研讨会、论坛或专题讲座",
    "参加会计师事务所内部培训",
    "授课",
    "参加高等院校相关专业学历（学位）教育",
    "其他",
)
#: Routes of output-type hours: what a member produced.
OUTPUT_ROUTES: tuple[str, ...] = (
    "发表专业论文",
    "出版专业著作",
    "承担研究课题",
    "参与准则、规则起草",
    "其他",
)
#: Conditions for an exemption (豁免学时条件).
EXEMPTION_CONDITIONS: tuple[str, ...] = (
    "重病或长期病假",
    "生育（产假）",
    "出国（境）学习或工作",
    "其他特殊情况",
)

#: One claimed hour is worth one hour.
HOURS_PER_CLAIMED_HOUR = 1
#: Most hours one input-type application may claim. The seed is silent; we cap it at a year's
#: requirement so one training cannot be claimed beyond what a year needs. Configurable.
INPUT_MAX_HOURS = ANNUAL_HOURS
#: Most hours one output-type application may claim; same reasoning. Configurable.
OUTPUT_MAX_HOURS = ANNUAL_HOURS
#: An exemption, once confirmed, covers the whole year's requirement.
EXEMPTION_HOURS = ANNUAL_HOURS

#: Evidence (附件): the manual uploads 学时证明附件 / 豁免证明附件. It is silent on numbers: at
#: least one file (the provincial institute confirms on it), at most 3, scans as PDF or photos.
EVIDENCE = EvidenceRules(
    max_files=3,
    min_files=1,
    content_types=("application/pdf", "image/jpeg", "image/png"),
    # "非执业会员可修改...未确认或不予确认的学时信息" and attachments stay viewable: an edit
    # keeps the files already uploaded.
    reupload_on_edit=False,
)

_NOTE = OffsetField("note", "备注", required=False)


_HOURS = OffsetField("hours", "申请学时数", type="int")


def _hours_role() -> OffsetRole:
    return OffsetRole("hours", "申请学时", credits=HOURS_PER_CLAIMED_HOUR, per_unit="hour")


def input_hours() -> OffsetType:
    """投入式学时: hours spent in training the member attended or gave."""
    return OffsetType(
        code=INPUT, label="投入式学时", kind=PROFESSIONAL,
        roles=(_hours_role(),),
        fields=(
            OffsetField("host_unit", "主办单位", filter_label="主办方单位名称"),
            OffsetField("route", "学时途径", type="choice", choices=INPUT_ROUTES),
            _HOURS,
            _NOTE,
        ),
        evidence=EVIDENCE,
        description="参加培训、研讨、授课等取得的学时，填写主办单位、学时途径、申请学时数，"
                    "上传学时证明附件，保存后由省注协确认。",
        max_quantity=INPUT_MAX_HOURS,
        quantity_field="hours",
    )


def output_hours() -> OffsetType:
    """产出式学时: hours for what the member produced (papers, books, research)."""
    return OffsetType(
        code=OUTPUT, label="产出式学时", kind=PROFESSIONAL,
        roles=(_hours_role(),),
        fields=(
            OffsetField("route", "学时途径", type="choice", choices=OUTPUT_ROUTES),
            _HOURS,
            _NOTE,
        ),
        evidence=EVIDENCE,
        description="发表论文、出版专著、承担课题等取得的学时，填写学时途径、申请学时数，"
                    "上传学时证明附件，保存后由省注协确认。",
        max_quantity=OUTPUT_MAX_HOURS,
        quantity_field="hours",
    )


def exemption_hours() -> OffsetType:
    """豁免学时: the year's hours waived for a condition such as illness or maternity."""
    return OffsetType(
        code=EXEMPTION, label="豁免学时", kind=PROFESSIONAL,
        roles=(OffsetRole("exempt", "豁免本年度学时", credits=EXEMPTION_HOURS),),
        fields=(
            OffsetField("condition", "豁免学时条件", type="choice", choices=EXEMPTION_CONDITIONS),
            _NOTE,
        ),
        evidence=EVIDENCE,
        description="因病、生育、出国（境）等原因申请豁免本年度学时，填写豁免条件、备注，"
                    "上传豁免证明附件，保存后由省注协确认。",
    )


def offset_types() -> list[OffsetType]:
    """The three hour applications, in the order the manual presents them."""
    return [input_hours(), output_hours(), exemption_hours()]


# The core's status codes (hookspecs.APPLICATION_STATUS_CODES), in the manual's words.
UNCONFIRMED = "submitted"
CONFIRMED = "approved"
REJECTED = "rejected"
#: The provincial institute (省注协) confirms or rejects every application: "未确认或不予确认".
APPLICATION_STATUSES: Mapping[str, str] = {
    UNCONFIRMED: "未确认",
    CONFIRMED: "已确认",
    REJECTED: "不予确认",
}
#: "可修改或删除未确认或不予确认的学时信息".
EDITABLE_STATUSES: frozenset[str] = frozenset({UNCONFIRMED, REJECTED})


def may_edit(status: str) -> bool:
    """Tell whether an application in ``status`` may still be edited or deleted by the member.

    :raises ValueError: for a status the rulebook does not know.
    """
    if status not in APPLICATION_STATUSES:
        raise ValueError(f"unknown application status: {status!r}")
    return status in EDITABLE_STATUSES


# --- Reporting (学时查询导出) ----------------------------------------------------------------

YES, NO = "是", "否"
EXPORT_FIELDS: tuple[ExportColumn, ...] = (
    # Members sign in with their member number; a record without one shows the ID number.
    ExportColumn("会员编号", "member_number", fallback="id_number"),
    ExportColumn("姓名", "name"),
    # An unknown or missing member type leaves the cell empty rather than guess.
    ExportColumn("会员类型", "member_type", labels=MEMBER_TYPES),
    ExportColumn("年度", "year"),
    ExportColumn("学时", "total"),
    ExportColumn("是否完成", "complete", labels={True: YES, False: NO}),
)
EXPORT_COLUMNS: tuple[str, ...] = tuple(column.title for column in EXPORT_FIELDS)
EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx")


def export_row(record: LearnerYear) -> tuple[object, ...]:
    """One row of the hours report, in the order of :data:`EXPORT_COLUMNS`."""
    return tuple(column.value(record) for column in EXPORT_FIELDS)


def credit_export(year: int) -> CreditExport:
    """How CICPA hours of ``year`` are exported: one row per member, CSV or Excel."""
    return CreditExport(
        region=REGION, year=year, fields=EXPORT_FIELDS, formats=EXPORT_FORMATS,
    )


# --- The hours certificate ------------------------------------------------------------------
# "勾选数据后点击【学时证明下载】可下载学时证明文件": the member picks the records it lists.
CERTIFICATE_TITLE = "注册会计师继续教育学时证明"
CERTIFICATE_STATEMENT = "兹证明{name}在{year}年度取得下列继续教育学时。"
CERTIFICATE_ISSUER = "中国注册会计师协会"
CERTIFICATE_SERIAL_PREFIX = "CICPA"


def certificate_template(year: int) -> CertificateTemplate:
    """The 学时证明 for the records the member selects; no exam, no completed year needed."""
    return CertificateTemplate(
        region=REGION,
        year=year,
        title=CERTIFICATE_TITLE,
        statement=CERTIFICATE_STATEMENT,
        issuer=CERTIFICATE_ISSUER,
        serial_prefix=CERTIFICATE_SERIAL_PREFIX,
        selectable_records=True,
    )


def institution_policy(year: int) -> InstitutionPolicy:
    """Non-practising members choose ONE national institute a year (see
    :func:`may_choose_institute`: switchable until the first lesson is studied)."""
    return InstitutionPolicy(
        region=REGION, year=year, institutions=NATIONAL_INSTITUTES, member_types=(NON_PRACTISING,),
        cancellable_after_study=False,
        note="非执业会员同一年度只能选择一家国家会计学院的课程进行学习。",
    )
