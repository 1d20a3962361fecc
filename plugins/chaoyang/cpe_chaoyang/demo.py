"""Demo content for 朝阳会计在线: the one recognised school, the year's course list, learners at
each stage of the journey and staff with work waiting.

Courses add up to 90 professional and 30 public credits (120 in all), so a demo learner can build
a plan that meets the year (90, at least 60 professional) with room to choose. Chapter clips are
short (60-180 s) so the whole flow can be tried in minutes. Every learner ID number is a valid
GB 11643 number with a Chaoyang region code; :func:`id_check_char` computes the check character.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hookspecs import (
    PROFESSIONAL,
    PUBLIC,
    DemoAccount,
    DemoApplication,
    DemoChapter,
    DemoCourse,
    DemoData,
    DemoInstitution,
    DemoQuestion,
)

from . import rules

INSTITUTION = "朝阳市会计学会"
DEMO_PASSWORD = "Demo@2024"

#: GB 11643-1999: weights of the first 17 characters and the check character per ``sum % 11``.
ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number(first17: str) -> str:
    """A complete 18-character ID number: ``first17`` and its check character."""
    return first17 + id_check_char(first17)


TRUE_FALSE = ("正确", "错误")


def _single(text: str, options: tuple[str, ...], answer: int, explanation: str) -> DemoQuestion:
    return DemoQuestion("single", text, options, answer, explanation)


def _truefalse(text: str, is_true: bool, explanation: str) -> DemoQuestion:
    return DemoQuestion("truefalse", text, TRUE_FALSE, 0 if is_true else 1, explanation)


def _course(code: str, title: str, kind: str, credits: int, lecturer: str, introduction: str,
            *chapters: DemoChapter) -> DemoCourse:
    return DemoCourse(
        code=code,
        title=title,
        kind=kind,
        credits=credits,
        lecturer=lecturer,
        introduction=introduction,
        chapters=chapters,
        institution=INSTITUTION,
    )


GOVERNMENT_ACCOUNTING = _course(
    "P01", "政府会计准则制度解读", PROFESSIONAL, 20, "王立新",
    "系统讲解政府会计“双功能、双基础、双报告”的核算模式，以及财务报告与决算报告的编制基础。",
    DemoChapter(
        "政府会计的构成与核算基础", 150,
        (
            _single("根据《政府会计准则——基本准则》，政府会计由哪两部分构成？",
                    ("预算会计和财务会计", "管理会计和财务会计", "预算会计和管理会计", "成本会计和财务会计"),
                    0, "基本准则规定，政府会计由预算会计和财务会计构成，实行“双功能”核算。"),
            _truefalse("政府预算会计实行收付实现制，国务院另有规定的，依照其规定；政府财务会计实行权责发生制。",
                       True, "这是基本准则确立的“双基础”：预算会计收付实现制，财务会计权责发生制。"),
        ),
    ),
    DemoChapter(
        "政府决算报告与财务报告", 120,
        (
            _single("政府决算报告的编制主要以什么为基础？",
                    ("权责发生制", "收付实现制", "历史成本", "公允价值"),
                    1, "决算报告主要以收付实现制为基础，以预算会计核算生成的数据为准。"),
            _truefalse("政府财务报告的编制主要以收付实现制为基础。",
                       False, "政府财务报告主要以权责发生制为基础，以财务会计核算生成的数据为准。"),
        ),
    ),
)

REVENUE_STANDARD = _course(
    "P02", "新收入准则实务", PROFESSIONAL, 20, "陈慧敏",
    "围绕《企业会计准则第14号——收入》，讲解收入确认“五步法”、履约义务的判断与合同成本。",
    DemoChapter(
        "收入确认“五步法”", 180,
        (
            _single("按照新收入准则，收入确认和计量的第一步是：",
                    ("识别与客户订立的合同", "识别合同中的单项履约义务", "确定交易价格", "将交易价格分摊至各单项履约义务"),
                    0, "五步法依次为：识别合同、识别履约义务、确定交易价格、分摊交易价格、履约时确认收入。"),
            _truefalse("新收入准则以“控制权转移”替代“风险和报酬转移”作为收入确认时点的判断标准。",
                       True, "企业应当在履行履约义务，即客户取得相关商品控制权时确认收入。"),
        ),
    ),
    DemoChapter(
        "时段履约义务与时点履约义务", 150,
        (
            _single("下列情形中，属于在某一时段内履行履约义务的是：",
                    ("客户在企业履约的同时即取得并消耗企业履约所带来的经济利益",
                     "企业已将该商品的实物转移给客户", "客户已接受该商品", "企业就该商品享有现时收款权利"),
                    0, "其余三项是判断客户在某一时点取得控制权的迹象。"),
            _truefalse("对于在某一时段内履行的履约义务，企业应当按照履约进度确认收入，但履约进度不能合理确定的除外。",
                       True, "履约进度不能合理确定时，已发生成本预计能够得到补偿的，按已发生成本确认收入。"),
        ),
    ),
    DemoChapter(
        "合同取得成本", 90,
        (
            _single("合同取得成本确认的资产，摊销期限不超过一年的，可以在发生时计入：",
                    ("当期损益", "存货", "合同资产", "递延所得税资产"),
                    0, "准则允许对摊销期不超过一年的合同取得成本采用简化处理，于发生时计入当期损益。"),
            _truefalse("企业为取得合同发生的、无论是否取得合同均会发生的差旅费，应当确认为合同取得成本。",
                       False, "此类支出应于发生时计入当期损益，明确由客户承担的除外。"),
        ),
    ),
)

MANAGEMENT_ACCOUNTING = _course(
    "P03", "管理会计应用指引", PROFESSIONAL, 15, "刘振宇",
    "结合《管理会计基本指引》和预算管理、本量利分析等应用指引，介绍管理会计工具方法。",
    DemoChapter(
        "管理会计基本指引", 120,
        (
            _single("根据《管理会计基本指引》，下列不属于管理会计要素的是：",
                    ("应用环境", "管理会计活动", "工具方法", "会计凭证"),
                    3, "管理会计要素包括应用环境、管理会计活动、工具方法、信息与报告。"),
            _truefalse("单位应用管理会计，应遵循战略导向、融合性、适应性和成本效益原则。",
                       True, "这是《管理会计基本指引》规定的四项应用原则。"),
        ),
    ),
    DemoChapter(
        "预算管理与本量利分析", 180,
        (
            _single("某产品单价100元，单位变动成本60元，固定成本总额20 000元，其盈亏平衡点销售量为：",
                    ("200件", "333件", "500件", "1 000件"),
                    2, "盈亏平衡点销售量 = 固定成本 ÷ 单位边际贡献 = 20 000 ÷ (100 − 60) = 500件。"),
            _truefalse("零基预算以历史期经济活动及其预算为基础，结合预算期变化调整有关项目形成预算。",
                       False, "这是增量预算；零基预算以零为起点，不考虑以往期间的费用项目和金额。"),
        ),
    ),
)

INTERNAL_CONTROL = _course(
    "P04", "企业内部控制基本规范", PROFESSIONAL, 15, "赵雅琴",
    "讲解内部控制的目标与五要素，以及不相容职务分离、财产保护等常用控制措施。",
    DemoChapter(
        "内部控制的目标与要素", 120,
        (
            _single("下列各项中，不属于《企业内部控制基本规范》规定的内部控制要素的是：",
                    ("内部环境", "风险评估", "内部监督", "绩效评价"),
                    3, "五要素为：内部环境、风险评估、控制活动、信息与沟通、内部监督。"),
            _truefalse("内部控制能够为企业实现控制目标提供绝对保证。",
                       False, "内部控制存在固有局限，只能为实现控制目标提供合理保证。"),
        ),
    ),
    DemoChapter(
        "常用控制活动", 150,
        (
            _single("按照不相容职务分离的要求，出纳人员不得兼任的工作是：",
                    ("登记库存现金日记账", "会计档案保管", "登记银行存款日记账", "办理现金收付"),
                    1, "出纳人员不得兼任稽核、会计档案保管和收入、支出、费用、债权债务账目的登记工作。"),
            _truefalse("企业应当建立财产日常管理制度和定期清查制度，采取财产记录、实物保管、定期盘点、"
                       "账实核对等措施，确保财产安全。",
                       True, "这是基本规范规定的财产保护控制。"),
        ),
    ),
)

LEASE_STANDARD = _course(
    "P05", "新租赁准则要点", PROFESSIONAL, 10, "孙海波",
    "解读《企业会计准则第21号——租赁》承租人单一会计模型和出租人租赁分类。",
    DemoChapter(
        "承租人的会计处理", 120,
        (
            _single("除采用简化处理的短期租赁和低价值资产租赁外，承租人在租赁期开始日应当确认：",
                    ("使用权资产和租赁负债", "固定资产和长期应付款", "无形资产和其他应付款", "租金费用"),
                    0, "新租赁准则下承租人采用单一模型，对租赁确认使用权资产和租赁负债。"),
            _truefalse("短期租赁是指在租赁期开始日租赁期不超过12个月的租赁，包含购买选择权的租赁不属于短期租赁。",
                       True, "准则对短期租赁的定义如此，包含购买选择权的租赁不能按短期租赁简化处理。"),
        ),
    ),
    DemoChapter(
        "出租人的租赁分类", 90,
        (
            _single("出租人应当在租赁开始日将租赁分为：",
                    ("融资租赁和经营租赁", "短期租赁和长期租赁", "转租赁和直接租赁", "售后租回和杠杆租赁"),
                    0, "实质上转移了与租赁资产所有权有关的几乎全部风险和报酬的为融资租赁，其余为经营租赁。"),
            _truefalse("新租赁准则下，承租人仍须将租赁区分为融资租赁和经营租赁分别处理。",
                       False, "区分融资租赁和经营租赁的是出租人；承租人不再区分。"),
        ),
    ),
)

TAX_POLICY = _course(
    "P06", "增值税与企业所得税政策解读", PROFESSIONAL, 10, "周文博",
    "梳理小规模纳税人增值税优惠与企业所得税常见扣除标准。",
    DemoChapter(
        "小规模纳税人增值税优惠", 120,
        (
            _single("按现行政策，增值税小规模纳税人合计月销售额未超过多少的，免征增值税？",
                    ("3万元", "10万元", "15万元", "30万元"),
                    1, "财政部 税务总局公告2023年第19号：月销售额10万元以下（含本数）的小规模纳税人免征增值税。"),
            _truefalse("小规模纳税人适用3%征收率的应税销售收入，减按1%征收率征收增值税，政策执行至2027年12月31日。",
                       True, "见财政部 税务总局公告2023年第19号。"),
        ),
    ),
    DemoChapter(
        "企业所得税扣除标准", 120,
        (
            _single("企业发生的职工福利费支出，不超过工资、薪金总额多少的部分准予扣除？",
                    ("2%", "8%", "14%", "15%"),
                    2, "职工福利费14%，职工教育经费8%，工会经费2%。"),
            _truefalse("企业发生的职工教育经费支出，不超过工资、薪金总额8%的部分准予扣除，超过部分准予在以后"
                       "纳税年度结转扣除。",
                       True, "见财税〔2018〕51号。"),
        ),
    ),
)

PROFESSIONAL_ETHICS = _course(
    "G01", "会计职业道德", PUBLIC, 10, "李秀梅",
    "学习财政部《会计人员职业道德规范》“三坚三守”的要求及违反职业道德的后果。",
    DemoChapter(
        "“三坚三守”", 120,
        (
            _single("财政部2023年印发的《会计人员职业道德规范》概括为“三坚三守”，下列不属于其内容的是：",
                    ("坚持诚信，守法奉公", "坚持准则，守责敬业", "坚持学习，守正创新", "坚持效益，守财为先"),
                    3, "“三坚三守”为：坚持诚信，守法奉公；坚持准则，守责敬业；坚持学习，守正创新。"),
            _truefalse("“坚持准则，守责敬业”要求会计人员严格执行准则制度，保证会计信息真实完整。",
                       True, "这是“三坚三守”第二条的核心要求。"),
        ),
    ),
    DemoChapter(
        "会计诚信与法律责任", 90,
        (
            _single("根据《会计法》，单位负责人对本单位的会计工作和会计资料的什么负责？",
                    ("合法性、及时性", "真实性、完整性", "准确性、可比性", "安全性、保密性"),
                    1, "《会计法》规定，单位负责人对本单位的会计工作和会计资料的真实性、完整性负责。"),
            _truefalse("因做假账被依法追究刑事责任的人员，五年后可以重新从事会计工作。",
                       False, "因与会计职务有关的违法行为被依法追究刑事责任的人员，不得再从事会计工作。"),
        ),
    ),
)

ACCOUNTING_LAW = _course(
    "G02", "《会计法》修正要点", PUBLIC, 10, "高建军",
    "解读2024年《会计法》修正的主要内容，复习会计核算的基本规定。",
    DemoChapter(
        "2024年修正概述", 120,
        (
            _single("全国人大常委会关于修改《中华人民共和国会计法》的决定自何时起施行？",
                    ("2024年1月1日", "2024年6月28日", "2024年7月1日", "2025年1月1日"),
                    2, "该决定于2024年6月28日通过，自2024年7月1日起施行。"),
            _truefalse("修正后的《会计法》规定，会计工作应当贯彻落实党和国家路线方针政策、决策部署，"
                       "维护社会公共利益，为国民经济和社会发展服务。",
                       True, "这是2024年修正新增的规定。"),
        ),
    ),
    DemoChapter(
        "会计核算的基本规定", 90,
        (
            _single("根据《会计法》，会计年度自公历：",
                    ("1月1日起至12月31日止", "2月1日起至次年1月31日止", "4月1日起至次年3月31日止",
                     "7月1日起至次年6月30日止"),
                    0, "会计年度自公历1月1日起至12月31日止（继续教育年度与会计年度不是一回事）。"),
            _truefalse("业务收支以人民币以外的货币为主的单位，可以选定其中一种货币作为记账本位币，"
                       "但编报的财务会计报告应当折算为人民币。",
                       True, "会计核算以人民币为记账本位币，此为《会计法》的例外规定。"),
        ),
    ),
)

DIGITAL_FINANCE = _course(
    "G03", "电子凭证与会计档案管理", PUBLIC, 10, "马晓东",
    "介绍电子会计凭证报销入账归档的规定和《会计档案管理办法》的保管期限。",
    DemoChapter(
        "电子会计凭证", 120,
        (
            _single("单位以电子会计凭证的纸质打印件作为报销入账归档依据的，必须同时保存：",
                    ("打印该纸质件的电子会计凭证", "开票方的营业执照复印件", "税务机关的证明", "经办人的签字说明"),
                    0, "见财政部 国家档案局《关于规范电子会计凭证报销入账归档的通知》。"),
            _truefalse("来源合法、真实的电子会计凭证与纸质会计凭证具有同等法律效力。",
                       True, "同上通知明确了电子会计凭证的法律效力。"),
        ),
    ),
    DemoChapter(
        "会计档案保管期限", 90,
        (
            _single("根据《会计档案管理办法》，年度财务会计报告的保管期限为：",
                    ("10年", "30年", "永久", "5年"),
                    2, "年度财务会计报告永久保管；月度、季度、半年度财务会计报告保管10年。"),
            _truefalse("根据《会计档案管理办法》，原始凭证和记账凭证的保管期限为30年。",
                       True, "会计凭证类（原始凭证、记账凭证、汇总凭证）均保管30年。"),
        ),
    ),
)

COURSES: tuple[DemoCourse, ...] = (
    GOVERNMENT_ACCOUNTING,
    REVENUE_STANDARD,
    MANAGEMENT_ACCOUNTING,
    INTERNAL_CONTROL,
    LEASE_STANDARD,
    TAX_POLICY,
    PROFESSIONAL_ETHICS,
    ACCOUNTING_LAW,
    DIGITAL_FINANCE,
)

# 211302 = 朝阳市双塔区, 211303 = 朝阳市龙城区. The 17th digit is even for women, odd for men.
def _learner(first17: str, name: str, phone: str, area: str, employer: str, *, level: str = "中级",
             qualified: int = 2016, stage: str = "new") -> DemoAccount:
    return DemoAccount(
        login=id_number(first17), name=name, password=DEMO_PASSWORD, role="learner", phone=phone,
        qualification_level=level, qualified_year=qualified, collection_region=rules.REGION,
        collection_area=area, employer=employer, stage=stage,
    )


#: One learner at each stage of the year (see ``hookspecs.DEMO_STAGES``).
LEARNERS: tuple[DemoAccount, ...] = (
    _learner("21130219880516182", "张丽华", "13904210001", "朝阳市双塔区", "朝阳市兴华商贸有限公司",
             level="初级", qualified=2019),
    _learner("21130319910322731", "李建国", "13904210002", "朝阳市龙城区", "朝阳市第二人民医院",
             stage="paid"),
    _learner("21130219850611204", "王淑芬", "13904210003", "朝阳市双塔区", "朝阳市财政局",
             stage="ready_for_exam"),
    _learner("21130319860908355", "刘志强", "13904210004", "朝阳市龙城区", "朝阳重型机器有限公司",
             level="高级", qualified=2010, stage="certified"),
    _learner("21130219930214146", "陈晓燕", "13904210005", "朝阳市双塔区", "朝阳市第一中学"),
)

def applications(year: int) -> tuple[DemoApplication, ...]:
    """陈晓燕 published a paper early in the year: her offset waits in the reviewer's queue."""
    return (
        DemoApplication(
            login=LEARNERS[-1].login, offset_type="paper", role="alone",
            fields={"title": "行政事业单位内部控制评价方法探讨", "journal": "财会学习",
                    "cn_number": "CN11-5586/F", "issue": f"{year}年第1期", "published_on": f"{year}-02-01"},
        ),
    )


STAFF: tuple[DemoAccount, ...] = (
    DemoAccount(login="cy-reviewer", name="朝阳市财政局会计科审核员", password=DEMO_PASSWORD,
                role="reviewer"),
    DemoAccount(login="cy-admin", name="朝阳市会计学会管理员", password=DEMO_PASSWORD, role="admin"),
)


def courses(year: int) -> tuple[DemoCourse, ...]:
    """The course list of ``year``: codes ``CY<year>-P01`` (professional) and ``-G01`` (public)."""
    return tuple(replace(course, code=f"CY{year}-{course.code}") for course in COURSES)


def demo_data(year: int, today: dt.date | None = None) -> DemoData:
    """Everything ``cpe demo load`` creates for ``year``. The exam window spans the year and its
    make-up time, so no setting needs opening whatever the date."""
    return DemoData(
        year=year,
        institutions=(DemoInstitution(INSTITUTION),),
        courses=courses(year),
        accounts=LEARNERS + STAFF,
        applications=applications(year),
    )
