"""The Hainan site (name, branding, contact) and its demo content."""
from __future__ import annotations

from hookspecs import (
    PROFESSIONAL,
    PUBLIC,
    Branding,
    Contact,
    DemoAccount,
    DemoChapter,
    DemoCourse,
    DemoData,
    DemoInstitution,
    DemoQuestion,
    FaqEntry,
    RegionInfo,
)

from . import rules

#: Sea blue with a coconut-green accent; the logo is a rounded square with the character 琼.
LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="海南省会计人员继续教育">
  <rect x="2" y="2" width="60" height="60" rx="14" fill="#0077b6"/>
  <path d="M8 48q12-8 24 0t24 0" fill="none" stroke="#2a9d8f" stroke-width="4"/>
  <text x="32" y="38" text-anchor="middle" font-size="24" font-weight="700" fill="#ffffff"
        font-family="'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif">琼</text>
</svg>"""

REGION_INFO = RegionInfo(
    code=rules.REGION,
    name="海南省会计人员继续教育",
    authority="海南省财政厅",
    branding=Branding("#0077b6", "#2a9d8f", LOGO_SVG, tagline="海南省财政厅 · 会计专业技术人员继续教育"),
    contact=Contact(phone="0898-00000000", hours="工作日 8:30—12:00，14:30—17:30"),
    faq=(
        FaqEntry(
            "每年需要完成多少学分？",
            f"每年{rules.ANNUAL_CREDITS}学分，其中专业科目不少于{rules.PROFESSIONAL_MINIMUM}学分，"
            f"公需科目不少于{rules.PUBLIC_MINIMUM}学分，学习时间为1月1日至12月31日。",
        ),
    ),
    current_year=2024,
)

# The learner's ID number is a valid GB 11643 number (area 460106, 海口市龙华区), computed once
# with its check character: the plugin does not import the core's test helpers.
def demo_data(year: int) -> DemoData:
    """The demo of programme ``year``: its two courses (coded by year), a learner and an admin."""
    return DemoData(
        year=year,
        institutions=(DemoInstitution(rules.SOCIETY), DemoInstitution(rules.SENIOR_CENTRE, level="高级")),
        courses=(
            DemoCourse(
                code=f"HN-{year}-01", title="《企业会计准则》年度解读", kind=PROFESSIONAL, credits=60,
                lecturer="林海", introduction="结合本年度准则修订，讲解收入、租赁和金融工具的要点。",
                institution="海南省会计学会",
                chapters=(DemoChapter("收入确认的五步法", 120, (
                    DemoQuestion("truefalse", "企业应当在客户取得相关商品控制权时确认收入。", ("正确", "错误"), 0,
                                 "收入准则以控制权转移判断收入确认时点。"),
                )),),
            ),
            DemoCourse(
                code=f"HN-{year}-02", title="会计人员职业道德规范", kind=PUBLIC, credits=30,
                lecturer="符晓", introduction="学习《会计人员职业道德规范》的“三坚三守”。",
                institution="海南省会计学会",
                chapters=(DemoChapter("坚持诚信，守法奉公", 90, (
                    DemoQuestion("single", "“三坚三守”中，“坚持诚信”对应的是：",
                                 ("守法奉公", "守正创新", "守责敬业"), 0, "坚持诚信，守法奉公。"),
                )),),
            ),
        ),
        accounts=(
            DemoAccount(login="460106198805120217", name="王海燕", password="Demo@2024", phone="13907560001",
                        collection_region=rules.REGION, collection_area="海口市龙华区"),
            DemoAccount(login="hn-admin", name="海南省财政厅管理员", password="Demo@2024", role="admin"),
        ),
    )
