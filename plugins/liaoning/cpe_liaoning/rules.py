"""The Liaoning rulebook (辽宁省会计专业技术人员继续教育系统, seed liaoning-2025-system-manual):
every number is a named constant.

Liaoning is a hub: the learner enrols here with a training institution (网校) at a level, then
pays and studies at that institution's own site; the credits come back to the enrolment record.
"""
from __future__ import annotations

from hookspecs import (PROFESSIONAL, PUBLIC, CreditExport, Eligibility, ExportColumn, InstitutionPolicy, LearnerFacts,
                       RatingPolicy, Reason, Requirements, SmsPolicy, kit)

REGION = "liaoning"

#: "每年参加继续教育取得的学分应不少于90学分。其中，专业科目不少于60学分，公需科目不少于30学分。"
ANNUAL_CREDITS = 90
PROFESSIONAL_MINIMUM = 60
PUBLIC_MINIMUM = 30

#: 网络培训: "选择对应的培训年度、培训等级可出现可进行报名的培训机构".
LEVELS: tuple[str, ...] = ("初级及以下", "中级", "高级")

#: 报名记录's status column, in the manual's words ("学分已登记": credits registered back).
STATUS_LABELS = {"selected": "已报名", "paid": "已缴费", "cancelled": "已取消报名", "completed": "学分已登记"}

#: Where info collection (信息采集) must have happened: "未在辽宁省完成信息采集的人员，需要在全国平台
#: 完成信息采集后，在此页面进行注册后登录。"
not_collected_here = kit.collected_in(REGION, "辽宁省")


def year_requirements(year: int) -> Requirements:
    """90 credits, at least 60 professional and 30 public, in the calendar year."""
    minimums = {PROFESSIONAL: PROFESSIONAL_MINIMUM, PUBLIC: PUBLIC_MINIMUM}
    return kit.calendar_year(REGION, year, total=ANNUAL_CREDITS, minimums=minimums)


def obliged_from(learner: LearnerFacts) -> int | None:
    """The first year the learner must study: "具有会计专业技术资格的人员应当自取得会计专业资格的
    次年开始参加继续教育；不具有会计专业技术资格但从事会计工作的人员应当自从事会计工作的次年开始"."""
    start = learner.qualified_year if learner.qualified_year is not None else learner.work_start_year
    return None if start is None else start + 1


def check_eligibility(learner: LearnerFacts, year: int) -> Eligibility:
    """Collected in Liaoning, and past the year of qualification (or of starting the work)."""
    collected = not_collected_here(learner)
    if not collected.allowed:
        return collected
    first = obliged_from(learner)
    if first is not None and year < first:
        return Eligibility.refused(Reason(
            "not_yet_obliged",
            f"根据财政部《会计专业技术人员继续教育规定》，您应自{first}年度起参加继续教育，{year}年度无需报名。"))
    return Eligibility.ok()


def institution_policy(year: int) -> InstitutionPolicy:
    """Choose year and level, enrol with an institution offering it, then pay and study at its
    site (进入网校); cancel to switch until paid there, after which only a refund cancels."""
    return InstitutionPolicy(
        region=REGION, year=year, levels=LEVELS, enrol_then_pay=True, studies_at_institution=True,
        status_labels=STATUS_LABELS,
        note="选择培训年度、培训等级和培训机构，点击【确认报名】后通过【进入网校】在网校缴费学习；"
             "在网校缴费后不能取消报名，需联系网校退费，退费后自动取消报名。",
    )


#: "使用密码登录 / 手机验证码登录"; "同一手机号码一天只能接收5次短信验证码".
SMS_CODES_PER_DAY = 5


def sms_policy() -> SmsPolicy:
    """Sign in with a password or with a code texted to the phone on file, 5 codes a day."""
    return SmsPolicy(login=True, daily_limit=SMS_CODES_PER_DAY)


def rating_policy() -> RatingPolicy:
    """报名记录's 去评价: learners rate the institution of their enrolment."""
    return RatingPolicy(targets=("institution",))


#: 学分查询 as a file, with the 报名记录's institution and level.
EXPORT_FIELDS: tuple[ExportColumn, ...] = (
    ExportColumn("身份证号", "id_number"),
    ExportColumn("姓名", "name"),
    ExportColumn("主管部门", "department"),
    ExportColumn("年度", "year"),
    ExportColumn("培训机构", "institution"),
    ExportColumn("报名等级", "level"),
    ExportColumn("已获总学分", "total"),
    ExportColumn("专业课学分", f"credits.{PROFESSIONAL}"),
    ExportColumn("公需课学分", f"credits.{PUBLIC}"),
    ExportColumn("是否完成", "complete", labels={True: "是", False: "否"}),
)


def credit_export(year: int) -> CreditExport:
    """学分查询 as a file for the provincial finance department (computed in the database)."""
    return CreditExport(region=REGION, year=year, fields=EXPORT_FIELDS, formats=("csv", "xlsx"))
