"""The Guangdong site: name, authority, branding, contact, notices (通知公告) and FAQ (常见问题).

The texts restate the seed learner guide; the numbers in them come from :mod:`.rules`, so a rule
changed there cannot leave a stale notice behind.
"""
from __future__ import annotations

import datetime as dt

from hookspecs import Branding, Contact, FaqEntry, HelpPage, Notice, RegionInfo

from . import rules

CODE = rules.REGION
NAME = "广东省会计人员继续教育"
AUTHORITY = "广东省财政厅（不含深圳）"
CURRENT_YEAR = 2024
LOGIN_FIELD = "id_number"

PRIMARY_COLOR = "#0f766e"  # teal, after the green of the provincial platform
ACCENT_COLOR = "#c9a227"  # gold

#: A rounded teal square with 粤 (the province's short name) over a gold rule.
LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="广东省会计人员继续教育">
  <rect x="2" y="2" width="60" height="60" rx="12" ry="12" fill="#0f766e"/>
  <text x="32" y="40" text-anchor="middle" font-family="'Noto Sans SC','PingFang SC','Microsoft YaHei',sans-serif" font-size="30" font-weight="700" fill="#ffffff">粤</text>
  <rect x="16" y="48" width="32" height="4" rx="2" fill="#c9a227"/>
</svg>"""

# The seed's service hours (工作时间: 周一至周五 9:00-12:00, 14:00-17:30). The phone and email
# are the operator's own to configure: the seed's numbers belong to the platform we replace,
# and learners of this site must not be sent there.
CONTACT = Contact(
    phone="020-8888 0000",
    email="support@cpe-guangdong.example.cn",
    address="广东省广州市",
    hours="周一至周五 9:00-12:00，14:00-17:30（法定节假日除外）",
)


def _yuan(fen: int) -> str:
    """Whole yuan as notices write them: 9000 fen -> "90元"."""
    return f"{fen // 100}元"


def _date(day: dt.date) -> str:
    """A date as notices write it: 2024年6月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def notices(year: int = CURRENT_YEAR) -> tuple[Notice, ...]:
    """The notices of ``year``, newest first, restating the seed's rules for that year."""
    deadline = rules.period(year)[1]
    opens, closes = rules.exam_window(year)
    return (
        Notice(
            slug=f"{year}-invoice-and-records",
            title=f"关于{year}年度继续教育发票申请及学分回传的说明",
            published=dt.date(year, 3, 1),
            body=(
                f"一、发票申请：学员自购买之日起{rules.INVOICE_REQUEST_WINDOW_MONTHS}个月内，可在"
                "“学员中心—我的订单”中申请电子发票，逾期不予补开；电子发票在申请后"
                f"{rules.INVOICE_EMAIL_WORKING_DAYS}个工作日内发送至学员预留的邮箱。"
                "使用学习卡支付的，请联系学习卡的开发票单位。\n"
                "二、学分回传：继续教育学分记录由培训机构自动发送至广东省会计信息服务平台，"
                "学员无需自行申报。记录状态依次为：" + "、".join(label for _, label in rules.RECORD_STATUSES)
                + "。学员可在“继续教育情况”“往年继续教育查询”中查看本年度及以往年度记录。"
            ),
        ),
        Notice(
            slug=f"{year}-public-exam",
            title=f"关于{year}年度公需课考试安排的通知",
            published=dt.date(year, 2, 20),
            body=(
                f"{year}年度专业课不设置考试。公需课考试开放时间为{_date(opens)}至"
                f"{_date(closes)}，学员完成{rules.EXAM_REQUIRED_PUBLIC_CREDITS}学分公需课学习、"
                f"且累计学习时间达到{rules.EXAM_MIN_STUDY_MINUTES}分钟后，可点击页面左侧“公需考试”参加考试。"
                f"考试时间{rules.EXAM_TIME_LIMIT_MINUTES}分钟，{rules.EXAM_PASS_MARK}分为合格，"
                f"每位学员共有{rules.EXAM_MAX_ATTEMPTS}次考试机会。考试合格后，继续教育学习情况方可上传。"
            ),
        ),
        Notice(
            slug=f"{year}-info-collection",
            title="关于做好会计人员信息采集工作的提示",
            published=dt.date(year, 1, 15),
            body=(
                "信息采集的行政区域关系到继续教育学分的传送，请务必慎重选择：在职会计人员按单位所在地选择；"
                "具有会计专业技术资格但未从事会计工作的，按目前居住地选择；在校学生按学校所在地选择。"
                "信息采集按个人信息、学历信息、工作信息、专业技术信息四步填写后提交。"
                "附件须为jpg或jpeg格式，单个不超过2M，包括身份证正反面照片、个人头像免冠照片，"
                "在校学生还需上传学生证。学习完成前务必完成信息采集，否则无法查询继续教育记录。"
            ),
        ),
        Notice(
            slug=f"{year}-programme",
            title=f"关于开展{year}年度广东省会计人员继续教育工作的通知",
            published=dt.date(year, 1, 5),
            body=(
                f"{year}年度会计人员应完成不少于{rules.TOTAL_CREDITS}学分的继续教育学习，其中公需科目"
                f"不少于{rules.MIN_PUBLIC_CREDITS}学分，专业科目不少于{rules.MIN_PROFESSIONAL_CREDITS}学分。"
                f"学员在“学习资源”中选择培训机构，分别购买公需课（{rules.PUBLIC_CREDITS}学分，免费）和"
                f"专业课（{rules.PROFESSIONAL_CREDITS}学分，{_yuan(rules.PROFESSIONAL_PRICE_FEN)}），"
                "支持微信、支付宝和学习卡支付。"
                f"学分确认截止时间为{_date(deadline)}，过期不办理补学补登。"
                "本平台服务广东省内（不含深圳市）的会计人员，深圳市会计人员请按深圳市的安排参加继续教育。"
            ),
        ),
    )


FAQ: tuple[FaqEntry, ...] = (
    FaqEntry(
        question="哪些人员需要在本平台参加继续教育？",
        answer=(
            "在广东省内（不含深圳市）从事会计工作的人员，以及虽未从事会计工作、但在广东省内（不含深圳市）"
            "居住或学习并持有会计专业技术资格（初级、中级、高级、正高级）证书的人员。"
            "会计从业资格证书不属于会计专业技术资格。取得资格或开始从事会计工作的次年起参加继续教育。"
        ),
    ),
    FaqEntry(
        question="我在深圳市工作，可以在本平台学习吗？",
        answer=(
            "不可以。本平台面向广东省内（不含深圳市）的会计人员，深圳市会计人员继续教育由深圳市另行组织。"
            "信息采集区域为深圳市的学员，系统会提示无法报名。"
        ),
    ),
    FaqEntry(
        question="信息采集时行政区域应该怎么选？",
        answer=(
            "在职会计人员按单位所在地选择；持有会计专业技术资格但未从事会计工作的按目前居住地选择；"
            "在校学生按学校所在地选择。该区域决定继续教育学分发送到哪里，请务必慎重选择。"
        ),
    ),
    FaqEntry(
        question="公需课和专业课都要购买吗？收费多少？",
        answer=(
            f"都需要。只有公需课和专业课全部完成，才算完成本年度继续教育。公需课{rules.PUBLIC_CREDITS}学分，"
            f"免费；专业课{rules.PROFESSIONAL_CREDITS}学分，{_yuan(rules.PROFESSIONAL_PRICE_FEN)}。"
            "如果之前只购买了其中一种，请回到购买页面选择另一种学习类型开通。"
        ),
    ),
    FaqEntry(
        question="专业课要考试吗？公需课考试什么时候能参加？",
        answer=(
            f"专业课不设置考试。公需课完成{rules.EXAM_REQUIRED_PUBLIC_CREDITS}学分且学习时间达到"
            f"{rules.EXAM_MIN_STUDY_MINUTES}分钟后，在考试开放时间内点击“公需考试”即可参加，"
            f"{rules.EXAM_PASS_MARK}分为合格，考试合格后学习情况方可上传。"
        ),
    ),
    FaqEntry(
        question="学完后需要自己申报学分吗？继续教育证书在哪里打印？",
        answer=(
            "不需要自己申报。学分记录由培训机构自动发送至广东省会计信息服务平台，可在“继续教育情况”中查询。"
            "如需继续教育证书，请登录“广东省专业技术人员继续教育管理”系统下载打印，并由单位盖章确认。"
        ),
    ),
)


#: 帮助中心, after the guide's login page ("建议使用浏览器…", "客服电话…工作时间…", "用户操作手册")
#: and its chapters: the manual restates the guide's steps in order.
HELP = HelpPage(
    manual=(
        ("注册与登录", "点击“用户注册”，回答两个问题后按实际情况填写；已注册的用户用证件号和密码登录，忘记密码请点击“忘记密码”找回。"),
        ("信息采集", "按个人信息、学历信息、工作信息、专业技术信息四步填写后提交；行政区域关系到学分传送，请务必慎重选择。"),
        ("选择培训机构", "点击“继续教育—学习资源”，在专业课或公需课中找到培训机构，点击“去学习”。"),
        ("网上报名", "选择学习类型（公需课、专业课，可同时选择），点击“确认购买”后支付；支持微信、支付宝和学习卡。"),
        ("网上听课", "在“学习计划”中选课或一键选课，点击“继续学习”听课；已选课程在没有听课的情况下可以取消选择。"),
        (
            "网上考试",
            f"专业课不设置考试；公需课完成{rules.EXAM_REQUIRED_PUBLIC_CREDITS}学分后点击“公需考试”参加考试，"
            f"{rules.EXAM_PASS_MARK}分为合格。",
        ),
        ("继续教育查询", "学分记录由培训机构自动发送至广东省会计信息服务平台，可在“继续教育情况”中查询。"),
    ),
    browsers=("Google浏览器", "360极速浏览器", "火狐浏览器", "IE11及以上"),
    channels=(("客服电话", CONTACT.phone), ("客服邮箱", CONTACT.email), ("工作时间", CONTACT.hours)),
)


RECORD_STAGES: tuple[tuple[str, str], ...] = tuple(
    zip(("远程机构", "财政管理机构", "完成状态", "省专业技术人员继续教育平台"), (label for _, label in rules.RECORD_STATUSES))
)


def region_info() -> RegionInfo:
    """Everything the core needs to run the Guangdong site."""
    return RegionInfo(
        code=CODE,
        name=NAME,
        authority=AUTHORITY,
        branding=Branding(
            primary_color=PRIMARY_COLOR,
            accent_color=ACCENT_COLOR,
            logo_svg=LOGO_SVG,
            tagline="广东省财政厅（不含深圳）会计人员继续教育",
        ),
        contact=CONTACT,
        unit="credit",
        notices=notices(CURRENT_YEAR),
        faq=FAQ,
        current_year=CURRENT_YEAR,
        login_field=LOGIN_FIELD,
        help=HELP,
        # 往年继续教育查询 (图: 远程机构 已回传 → 财政管理机构 已审核 → 完成状态 已完成 →
        # 省专业技术人员继续教育平台 回传成功).
        record_stages=RECORD_STAGES,
        check_in=True,  # 学员中心: 我的签到
    )
