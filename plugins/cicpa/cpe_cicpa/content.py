"""The CICPA site: name, branding, contact, notices (通知公告) and FAQ (常见问题).

The texts follow the CPE subsystem manual: member-number login, the three national accounting
institutes, one institute a year for non-practising members, and hour applications confirmed by
the provincial institute.
"""
from __future__ import annotations

import datetime as dt

from hookspecs import Branding, Contact, FaqEntry, Notice, RegionInfo

from . import rules

NAME = "中注协继续教育"
AUTHORITY = "中国注册会计师协会"
CURRENT_YEAR = 2024

#: CICPA's deep red, with a gold accent.
PRIMARY_COLOR = "#a4161a"
ACCENT_COLOR = "#c9a227"

# An original emblem: a deep-red rounded square, a thin gold inner frame and the characters
# 注协 (short for 注册会计师协会).
LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="中注协继续教育">
  <rect x="2" y="2" width="60" height="60" rx="12" fill="#a4161a"/>
  <rect x="7" y="7" width="50" height="50" rx="8" fill="none" stroke="#c9a227" stroke-width="2"/>
  <text x="32" y="40" text-anchor="middle" font-family="'Noto Serif SC','Source Han Serif SC','SimSun',serif" font-size="20" font-weight="700" fill="#ffffff">注协</text>
  <rect x="20" y="46" width="24" height="2" rx="1" fill="#c9a227"/>
</svg>"""

BRANDING = Branding(
    primary_color=PRIMARY_COLOR,
    accent_color=ACCENT_COLOR,
    logo_svg=LOGO_SVG,
    tagline="中国注册会计师协会 · 注册会计师与非执业会员继续教育",
)

# The help line and address of the CICPA head office; a deployment should put its own here.
CONTACT = Contact(
    phone="010-88250000",
    address="北京市海淀区西四环中路16号院7号楼",
    hours="工作日 9:00—11:30，13:30—17:00",
)

NOTICES: tuple[Notice, ...] = (
    Notice(
        slug="2024-cpe-annual",
        title="关于做好2024年度注册会计师继续教育工作的通知",
        published=dt.date(2024, 1, 15),
        body=(
            "各省、自治区、直辖市注册会计师协会，各位会员：\n"
            "2024年度继续教育学习时间为2024年1月1日至2024年12月31日。会员本年度应完成继续教育"
            f"不少于{rules.ANNUAL_HOURS}学时。\n"
            "会员可通过本系统“继续教育在线”参加北京、上海、厦门三家国家会计学院提供的在线课程，"
            "学完课程即取得相应学时；参加培训、研讨、授课，或发表论文、出版专著、承担课题取得的学时，"
            "请通过“投入式学时申请”“产出式学时申请”填报，并上传学时证明附件，由所在地省注协确认。\n"
            "请各位会员合理安排学习时间，按时完成年度继续教育任务。"
        ),
    ),
    Notice(
        slug="2024-institute-choice",
        title="关于非执业会员在线学习选择会计学院的提示",
        published=dt.date(2024, 2, 20),
        body=(
            "非执业会员可在“推荐学习”中试听北京国家会计学院、上海国家会计学院、厦门国家会计学院的课程，"
            "根据试听情况选择其中一家学院进行学习。\n"
            "非执业会员同一年度只能选择一家会计学院的课程进行学习；在所选学院开始学习后，"
            "本年度不能再更换学院。非执业会员学习不区分必修选修，选定学院后直接学习即可。"
        ),
    ),
    Notice(
        slug="2024-hour-applications",
        title="关于学时申请及证明材料提交的说明",
        published=dt.date(2024, 3, 8),
        body=(
            "会员提交投入式、产出式、豁免学时申请时，须上传证明材料（1至3个文件，"
            "支持PDF、JPG、PNG格式）。申请保存后状态为“未确认”，由所在地省注协审核确认。\n"
            "状态为“未确认”或“不予确认”的申请，会员可以修改或删除；“已确认”的申请不能再修改。"
            f"单次投入式或产出式申请的学时数不超过{rules.INPUT_MAX_HOURS}学时；豁免学时申请经确认后，"
            "视为完成本年度学时要求。"
        ),
    ),
    Notice(
        slug="2024-mini-program",
        title="中国注册会计师协会行业管理信息系统小程序继续教育功能上线",
        published=dt.date(2024, 4, 10),
        body=(
            "会员可在微信中搜索“中国注册会计师协会行业管理信息系统”小程序，选择用户类型"
            "“注册会计师”或“非执业会员”，以会员证书编号登录，使用推荐学习、在线学习、学时查询、"
            "学时申请等继续教育功能，与电脑端数据一致。"
        ),
    ),
)

FAQ: tuple[FaqEntry, ...] = (
    FaqEntry(
        "如何登录继续教育系统？",
        "选择用户类型（注册会计师或非执业会员），用户名填写会员证书编号（12位数字），"
        "输入密码和验证码后登录。忘记密码可点击“忘记密码？”找回。",
    ),
    FaqEntry(
        "非执业会员可以在几家会计学院学习？",
        "同一年度只能选择一家国家会计学院（北京、上海、厦门之一）的课程进行学习。"
        "选择前可在“推荐学习”中试听各学院课程；开始学习后本年度不能更换学院。",
    ),
    FaqEntry(
        "投入式学时、产出式学时和豁免学时有什么区别？",
        "投入式学时指参加培训班、研讨会、授课等投入时间取得的学时，需填写主办单位、学时途径和学时数；"
        "产出式学时指发表论文、出版专著、承担课题等成果取得的学时，需填写学时途径和学时数；"
        "豁免学时适用于因病、生育、出国（境）等原因无法完成当年学时的情形，需填写豁免条件。"
        "三类申请均需上传证明附件，由省注协确认。",
    ),
    FaqEntry(
        "已提交的学时申请还能修改吗？",
        "状态为“未确认”或“不予确认”的申请可以修改或删除；省注协“已确认”的申请不能修改或删除。"
        "被“不予确认”的申请，可按审核意见修改后重新提交。",
    ),
    FaqEntry(
        "每年需要完成多少学时？",
        f"会员每年应完成不少于{rules.ANNUAL_HOURS}学时的继续教育，学习年度为每年1月1日至12月31日。"
        "在线课程学时与经确认的投入式、产出式学时合并计算。",
    ),
    FaqEntry(
        "如何查询学时和下载学时证明？",
        "在“学时查询”中选择年度即可查看当年学时，并可导出；点击“继续教育在线学时”可查看已学完的课程。"
        "在“学时证明下载”中勾选学时记录，点击“学时证明下载”即可下载学时证明文件。",
    ),
)

REGION_INFO = RegionInfo(
    code=rules.REGION,
    name=NAME,
    authority=AUTHORITY,
    branding=BRANDING,
    contact=CONTACT,
    unit=rules.UNIT,
    notices=NOTICES,
    faq=FAQ,
    current_year=CURRENT_YEAR,
    login_field="member_number",
    # The manual's 学时申请: hours applied for (投入式, 产出式, 豁免), not credits offset.
    offsets_title="学时申请",
    # The manual's 推荐学习: each national institute's courses, to try before choosing one.
    courses_title="推荐学习",
)
