"""The site of 朝阳会计在线: branding, contact, notices (通知公告) and FAQ (常见问题).

The texts retell the seeds (朝财〔2024〕6号 and the 2021 training flow) for today's platform.
"""
from __future__ import annotations

import datetime as dt

from hookspecs import Branding, Contact, FaqEntry, Notice, RegionInfo

from . import rules

#: A deep blue, like the finance bureau's documents, and the warm orange of a rising sun (朝阳).
PRIMARY_COLOR = "#0b3d91"
ACCENT_COLOR = "#f08a24"

#: A rounded blue square with the character 朝 over a rising half-sun.
LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="朝阳会计在线">
  <rect x="2" y="2" width="60" height="60" rx="14" fill="#0b3d91"/>
  <path d="M14 52a18 18 0 0 1 36 0z" fill="#f08a24"/>
  <path d="M10 52h44" stroke="#ffffff" stroke-width="3" stroke-linecap="round"/>
  <text x="32" y="33" text-anchor="middle" font-size="24" font-weight="700" fill="#ffffff"
        font-family="'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif">朝</text>
</svg>"""

BRANDING = Branding(
    primary_color=PRIMARY_COLOR,
    accent_color=ACCENT_COLOR,
    logo_svg=LOGO_SVG,
    tagline="朝阳市会计专业技术人员继续教育平台",
)

#: The hotline and office hours printed in the 2021 flow.
CONTACT = Contact(
    phone="0421-2558456，0421-2880899",
    hours="工作日 上午8:30-12:00，下午1:00-5:00，节假日休息",
    address="辽宁省朝阳市 · 朝阳市会计学会",
)

NOTICES: tuple[Notice, ...] = (
    Notice(
        slug="2024-annual-notice",
        title="关于开展2024年度会计专业技术人员继续教育工作的通知",
        published=dt.date(2024, 1, 23),
        body=(
            "各县（市）区财政局，市直各有关部门（单位）：\n\n"
            "根据《中华人民共和国会计法》《辽宁省会计专业技术人员继续教育实施办法》，"
            "自2024年2月1日起开展我市2024年度会计专业技术人员继续教育培训。\n\n"
            "一、学习时间：2024年2月1日至2025年1月31日。\n"
            "二、学分要求：全年不少于90学分，其中专业科目不少于60学分。\n"
            "三、培训形式：网络培训和视同培训，网络培训合作机构为朝阳市会计学会。"
            "擅自参加其他网校培训的，财政部门不予登记学分。\n"
            "四、培训流程：注册/登录—选择培训年份—缴费—选择课程—开始学习—课时完成—"
            "参加考试—打印合格证。考试合格即完成培训，无需办理确认登记手续。\n"
            "五、登记姓名、身份证号时请与二代身份证信息核对一致，以免学习结果无法导入"
            "辽宁省会计管理信息系统。\n\n"
            "朝阳市财政局"
        ),
    ),
    Notice(
        slug="2024-credit-offsets",
        title="2024年度视同培训学分折算（抵免）申请说明",
        published=dt.date(2024, 2, 1),
        body=(
            "符合以下情形的会计人员，可登录辽宁省会计管理综合服务平台申请学分折算，由市财政局"
            "会计科统一审核：\n"
            "1. 通过全国会计专业技术资格考试等相关考试一科或被录取的，折算90学分"
            "（无需申请，由省级财政部门直接登记）；\n"
            "2. 中专以上会计类学历（学位）教育，通过当年度一门课程考试或考核的，折算90学分；\n"
            "3. 会计类研究课题结项：独立承担90学分；合作完成的主持人90学分、其他参与人60学分；\n"
            "4. 在有国内统一刊号（CN）的经济、管理类报刊发表会计类论文：独立30学分；"
            "合作的第一作者30学分、其他作者10学分；\n"
            "5. 公开出版会计类书籍：独立90学分；合作的第一作者90学分、其他作者60学分；\n"
            "6. 参加财政部门组织的总会计师素质提升工程等会计类培训，每天30学分；\n"
            "7. 参加省级以上财政部门组织或认可的会计类知识竞赛，折算90学分。\n\n"
            "证明材料须以图片形式上传，最多3张。申请可随时编辑，每次修改后必须重新上传图片，"
            "未重新上传即保存的，原图片将被清除。审核否决的，请查看审核意见后修改并再次提交。"
            "抵免后不足90学分的部分，请选择“学分购买”按所选课程学分缴费学习。"
        ),
    ),
    Notice(
        slug="2023-makeup-reminder",
        title="关于补学2023年度会计继续教育的提醒",
        published=dt.date(2024, 3, 1),
        body=(
            "因特殊原因没有参加2023年度会计继续教育的人员，须在2024年12月31日前完成2023年度的"
            "培训任务。会计人员接受继续教育的情况将作为报考、评定专业技术资格和聘任专业技术职务"
            "的重要条件，请相关人员抓紧时间完成补学。"
        ),
    ),
    Notice(
        slug="e-invoice-guide",
        title="网上缴费电子发票申请指南",
        published=dt.date(2024, 3, 15),
        body=(
            "网上缴费成功后，可在“我的订单”中点击“申请发票”在线申请电子发票。抵免后按剩余学分"
            "购买课程的学员，缴费后同样可以申请。电子发票通过短信和邮箱发送，可复制PDF链接下载"
            "打印，也可微信扫码获取（推荐）。申请成功后一般3-5天内收到。"
            "如有疑问请拨打0421-2558456咨询。"
        ),
    ),
)

FAQ: tuple[FaqEntry, ...] = (
    FaqEntry(
        question="哪些人可以在朝阳会计在线学习？",
        answer=(
            "须先在辽宁省会计管理综合服务平台完成信息采集，且信息采集地区为朝阳市（含各县（市）区）。"
            "在其他地区采集的人员只能在采集地参加继续教育，否则学习结果无法认证，也无法上传至省平台。"
        ),
    ),
    FaqEntry(
        question="每年需要完成多少学分？",
        answer=(
            f"每年不少于{rules.REQUIRED_TOTAL}学分，其中专业科目不少于{rules.REQUIRED_PROFESSIONAL}学分。"
            "2024年度学习时间为2024年2月1日至2025年1月31日。"
        ),
    ),
    FaqEntry(
        question="年度购买和学分购买有什么区别？",
        answer=(
            "统一价格每学分1元。没有学分抵免的学员选择“年度购买”，一次缴纳90学分的费用，课程可以"
            "删除和重新选择；有部分学分抵免的学员选择“学分购买”，按所选课程的学分缴费，缴费后课程"
            "不能删除和重新选择。"
        ),
    ),
    FaqEntry(
        question="忘记密码怎么办？",
        answer=(
            "请致电咨询热线0421-2558456，客服人员会核实您的姓名、身份证号和平台预留手机号，"
            "相符后为您重置密码。"
        ),
    ),
    FaqEntry(
        question="随堂随练必须做吗？多选的课程也要做吗？",
        answer=(
            "每章课件播放完毕后须完成随堂随练（2道题，单选或判断），不限次数，答对一道即可进入下一章，"
            "提交后可看到正确答案。学完全部课件并通过全部随堂随练方可获得该课程学分。只需完成构成"
            "90学分的课程，多选的其余课程不作强制要求。已开始学习的课程也可以删除，学习记录会保留，"
            "重新加入后自动恢复。30分钟无操作系统会自动退出。"
        ),
    ),
    FaqEntry(
        question="在线考试什么时候开放？考几次？",
        answer=(
            "累计达到90学分（其中专业科目不少于60学分，审核通过的抵免学分计入）且在考试开放期内即可"
            "参加考试。试题来自本人所选课程：单选题5道、判断题5道，每题10分，限时60分钟，交卷后"
            "立即显示成绩，60分及格。考试原则上不限次数，如提示“考核次数已用完”请联系客服。"
            "考试合格后可自行打印合格证。"
        ),
    ),
)

REGION_INFO = RegionInfo(
    code=rules.REGION,
    name="朝阳会计在线",
    authority="朝阳市财政局 · 朝阳市会计学会",
    branding=BRANDING,
    contact=CONTACT,
    unit="credit",
    notices=NOTICES,
    faq=FAQ,
    current_year=2024,
    login_field="id_number",
)
