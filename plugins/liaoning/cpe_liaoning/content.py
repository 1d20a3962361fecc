"""The Liaoning site (辽宁省会计人员继续教育管理系统: name, notices, FAQ, contact) and its demo."""
from __future__ import annotations

import datetime as dt

from hookspecs import (PROFESSIONAL, PUBLIC, Branding, Contact, DemoAccount, DemoData, DemoInstitution, FaqEntry,
                       Notice, RegionInfo)

from . import rules

LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="辽宁省会计人员继续教育管理系统">
  <rect x="2" y="2" width="60" height="60" rx="14" fill="#b3261e"/>
  <text x="32" y="42" text-anchor="middle" font-size="28" font-weight="700" fill="#ffffff"
        font-family="'Noto Sans CJK SC','Microsoft YaHei',sans-serif">辽</text>
</svg>"""

#: The institutions (网校) of the demo: Chaoyang's own site, served by this deployment, and one
#: outside it. Contacts and fees are the institutions' words, shown under 查看 and in 常见问题.
INSTITUTIONS = (
    DemoInstitution(
        "朝阳会计在线", url="/chaoyang/", contact="0421-2622171（工作日 8:30—17:00）",
        introduction="朝阳市财政局主办的会计人员继续教育网校：在线选课、听课、随堂练习和在线考试。",
        fees="按学分收费，每学分1元。"),
    DemoInstitution(
        "辽宁会计网校（演示）", url="https://example.org/liaoning-school/", contact="024-00000001",
        introduction="面向全省会计人员的网络培训机构（演示数据）。", fees="年度课程90元。"),
)

REGION_INFO = RegionInfo(
    code=rules.REGION,
    name="辽宁省会计人员继续教育管理系统",
    authority="辽宁省财政厅",
    branding=Branding("#b3261e", "#1f6f8b", LOGO_SVG, tagline="辽宁省财政厅 · 会计专业技术人员继续教育"),
    contact=Contact(phone="024-00000000", address="沈阳市皇姑区北陵大街45-13号"),
    notices=(
        Notice("notice-2025", "关于开展2025年度辽宁省会计专业技术人员继续教育工作的通知", dt.date(2025, 2, 26),
               "学分获取流程：信息采集 → 系统登录 → 网络继续教育培训 → 选择年度 → 网校缴费学习 → 获取继续教育学分。"),
        Notice("rules-2025", "关于印发《辽宁省会计专业技术人员继续教育管理办法》的通知", dt.date(2025, 2, 26),
               "本页面学分查询及完成情况仅展示网校学习情况，实际学习以及完成情况以全国会计人员统一服务管理平台数据为准。"),
    ),
    faq=(
        FaqEntry("会计人员网络继续教育应该在哪个网站学习?",
                 "在本系统中选择学习年度、层级和网络培训机构，进行报名，再通过【进入网校】在网校缴费、选课及学习。"),
        FaqEntry("会计人员需要从何时开始参加继续教育?",
                 "具有会计专业技术资格的人员应当自取得会计专业资格的次年开始参加继续教育；不具有会计专业技术资格"
                 "但从事会计工作的人员应当自从事会计工作的次年开始参加继续教育。"),
        FaqEntry("会计人员继续教育学分有什么要求?",
                 f"每年参加继续教育取得的学分应不少于{rules.ANNUAL_CREDITS}学分。其中，专业科目不少于"
                 f"{rules.PROFESSIONAL_MINIMUM}学分，公需科目不少于{rules.PUBLIC_MINIMUM}学分。"),
        FaqEntry("各培训机构的联系方式?", "；".join(f"{i.name}：{i.contact}" for i in INSTITUTIONS) + "。"),
    ),
)


def demo_data(year: int) -> DemoData:
    """The institutions of the hub and two learners (one to enrol, one not yet obliged), and staff."""
    return DemoData(
        year=year,
        institutions=INSTITUTIONS,
        accounts=(
            DemoAccount(login="211402199003070019", name="冯思媛", password="Demo@2024", phone="13904210001",
                        collection_region=rules.REGION, collection_area="朝阳市双塔区", qualification_level="初级",
                        qualified_year=2015),
            DemoAccount(login="ln-admin", name="辽宁省财政厅管理员", password="Demo@2024", role="admin"),
        ),
    )
