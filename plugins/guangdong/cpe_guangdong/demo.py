"""Demo content for the Guangdong site: schools, a year's courses and accounts at each stage.

The courses add up past the requirement (36 public credits against 30, 70 professional against
60) so a learner can try deselecting one. Professional chapters are short clips (60-180 s), so
a course can be studied to its end in minutes. Public chapters last as long as real lectures
(48 minutes per credit, :data:`PUBLIC_MINUTES_PER_CREDIT`): the public exam asks for 1,393
minutes of study, which the demo meets only honestly — through the learner who is ready for
the exam, whose lectures the loader marks as watched in full. Each chapter carries the two
in-lesson questions (随堂随练): one single choice, one true/false.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hookspecs import (
    PROFESSIONAL,
    PUBLIC,
    DemoAccount,
    DemoChapter,
    DemoCourse,
    DemoData,
    DemoInstitution,
    DemoQuestion,
)

from . import rules

DEMO_PASSWORD = "Demo@2024"
#: The school of the seed guide; every demo course is taught there so one enrolment can
#: complete the year.
MAIN_INSTITUTION = "源和大成教育"

INSTITUTIONS: tuple[DemoInstitution, ...] = (
    DemoInstitution(MAIN_INSTITUTION),
    DemoInstitution("中华会计网校"),
    DemoInstitution("东奥会计在线"),
    DemoInstitution("广东财经大学继续教育学院"),
)

TRUE_FALSE = ("正确", "错误")


def _single(text: str, options: tuple[str, ...], answer: int, explanation: str) -> DemoQuestion:
    """A single-choice question; ``answer`` is the index of the right option."""
    return DemoQuestion("single", text, options, answer, explanation)


def _truefalse(text: str, is_true: bool, explanation: str) -> DemoQuestion:
    """A true/false question with the options ("正确", "错误")."""
    return DemoQuestion("truefalse", text, TRUE_FALSE, 0 if is_true else 1, explanation)


def _chapter(title: str, seconds: int, *questions: DemoQuestion) -> DemoChapter:
    return DemoChapter(title, seconds, questions)


# --- 公需科目 ---------------------------------------------------------------------------------

_INNOVATION = DemoCourse(
    code="PUB-01",
    title="科技创新现状与发展趋势",
    kind=PUBLIC,
    credits=20,
    lecturer="李振华",
    introduction="梳理全球科技创新格局、新一代信息技术对产业的影响，以及粤港澳大湾区国际科技创新中心建设。",
    institution=MAIN_INSTITUTION,
    required=True,  # the seed's public exam paper bears this course's name
    chapters=(
        _chapter(
            "全球科技创新格局与我国创新体系",
            150,
            _single(
                "我国建设的技术创新体系以什么为主体？",
                ("企业", "高等院校", "科研院所", "政府部门"),
                0,
                "我国强化企业科技创新主体地位，建设以企业为主体、市场为导向、产学研深度融合的技术创新体系。",
            ),
            _truefalse(
                "新型举国体制是社会主义市场经济条件下集中力量推进关键核心技术攻关的重要制度安排。",
                True,
                "健全新型举国体制，发挥集中力量办大事的优势，是攻克关键核心技术的重要途径。",
            ),
        ),
        _chapter(
            "新一代信息技术与产业变革",
            120,
            _single(
                "下列哪项不属于通常所说的新一代信息技术？",
                ("人工智能", "区块链", "云计算", "蒸汽机"),
                3,
                "蒸汽机是第一次工业革命的代表性技术；人工智能、区块链、云计算均属新一代信息技术。",
            ),
            _truefalse(
                "科技创新只与科研人员有关，与财务会计工作无关。",
                False,
                "大数据、人工智能、电子发票等技术正在改变会计核算、审核和档案管理的方式，会计人员同样需要跟进。",
            ),
        ),
        _chapter(
            "粤港澳大湾区国际科技创新中心",
            180,
            _single(
                "《粤港澳大湾区发展规划纲要》提出将大湾区建设成为具有全球影响力的什么中心？",
                ("国际科技创新中心", "国际航运中心", "国际能源中心", "国际旅游中心"),
                0,
                "纲要提出建设具有全球影响力的国际科技创新中心，这是大湾区的重要战略定位之一。",
            ),
            _truefalse(
                "推进“广州—深圳—香港—澳门”科技创新走廊建设是大湾区科技创新的重要布局。",
                True,
                "纲要明确提出推进广深港澳科技创新走廊建设，探索有利于要素跨境流动的政策举措。",
            ),
        ),
    ),
)

_DIGITAL = DemoCourse(
    code="PUB-02",
    title="数字经济与财务数字化转型",
    kind=PUBLIC,
    credits=10,
    lecturer="陈思远",
    introduction="介绍数字经济的内涵、数据要素与全面数字化电子发票，以及企业财务数字化转型的路径。",
    institution=MAIN_INSTITUTION,
    chapters=(
        _chapter(
            "数字经济与数据要素",
            120,
            _single(
                "在数字经济中，被明确列为新型生产要素的是：",
                ("数据", "土地", "黄金", "外汇"),
                0,
                "中央关于要素市场化配置的文件将数据与土地、劳动力、资本、技术并列为生产要素，数据是新型生产要素。",
            ),
            _truefalse(
                "全面数字化的电子发票（数电票）与纸质发票具有同等法律效力。",
                True,
                "数电票是与纸质发票具有同等法律效力的全新发票，不以纸质形式存在、不用介质支撑。",
            ),
        ),
        _chapter(
            "财务数字化转型与电子会计档案",
            150,
            _single(
                "根据《会计档案管理办法》，同时满足规定条件的单位内部形成的电子会计资料可以：",
                (
                    "仅以电子形式保存，形成电子会计档案",
                    "必须全部打印成纸质件保存",
                    "无需保存",
                    "只需保存一年",
                ),
                0,
                "满足来源真实、系统可靠、能防篡改等条件的电子会计资料，可仅以电子形式保存，形成电子会计档案。",
            ),
            _truefalse(
                "建立财务共享服务中心会使企业的会计核算更加分散。",
                False,
                "财务共享服务中心把分散在各单位的标准化核算业务集中处理，目的是集中、统一和提效。",
            ),
        ),
    ),
)

_ETHICS = DemoCourse(
    code="PUB-03",
    title="会计人员职业道德与诚信建设",
    kind=PUBLIC,
    credits=6,
    lecturer="黄丽娟",
    introduction="解读《会计人员职业道德规范》“三坚三守”，以及会计诚信建设和继续教育的基本要求。",
    institution=MAIN_INSTITUTION,
    chapters=(
        _chapter(
            "会计人员职业道德规范",
            90,
            _single(
                "财政部2023年印发的《会计人员职业道德规范》中的“三坚三守”不包括：",
                ("坚持诚信，守法奉公", "坚持准则，守责敬业", "坚持学习，守正创新", "坚持盈利，守住市场"),
                3,
                "“三坚三守”是：坚持诚信，守法奉公；坚持准则，守责敬业；坚持学习，守正创新。",
            ),
            _truefalse(
                "会计人员对工作中知悉的商业秘密负有保密义务。",
                True,
                "《会计基础工作规范》要求会计人员保守本单位的商业秘密，除法律规定和单位领导人同意外，不得私自向外界提供或者泄露单位的会计信息。",
            ),
        ),
        _chapter(
            "会计诚信与继续教育",
            120,
            _single(
                "根据《会计法》，因提供虚假财务会计报告等与会计职务有关的违法行为被依法追究刑事责任的人员：",
                ("不得再从事会计工作", "五年内不得从事会计工作", "可以继续从事会计工作", "三年内不得从事会计工作"),
                0,
                "《会计法》规定，此类人员不得再从事会计工作，这是对严重失信行为的终身禁入。",
            ),
            _truefalse(
                "会计专业技术人员每年参加继续教育取得的学分不少于90学分。",
                True,
                "《会计专业技术人员继续教育规定》要求每年不少于90学分，其中专业科目一般不少于总学分的三分之二。",
            ),
        ),
    ),
)

# --- 专业科目 ---------------------------------------------------------------------------------

_SMALL_ENTERPRISE = DemoCourse(
    code="PRO-01",
    title="小企业会计准则",
    kind=PROFESSIONAL,
    credits=20,
    lecturer="魏星",
    introduction="系统讲解《小企业会计准则》的适用范围、资产计量和所得税核算等与企业会计准则的主要差异。",
    institution=MAIN_INSTITUTION,
    chapters=(
        _chapter(
            "小企业会计准则的适用范围",
            150,
            _single(
                "下列企业中，不得执行《小企业会计准则》的是：",
                (
                    "股票或债券在市场上公开交易的小企业",
                    "年营业收入较低的商贸小企业",
                    "从业人员较少的服务业小企业",
                    "符合小型企业划型标准的制造业企业",
                ),
                0,
                "股票或债券公开交易的小企业、金融机构或其他具有金融性质的小企业、企业集团内的母公司和子公司不适用该准则。",
            ),
            _truefalse(
                "《小企业会计准则》要求长期股权投资采用权益法核算。",
                False,
                "小企业的长期股权投资应当采用成本法进行会计处理。",
            ),
        ),
        _chapter(
            "资产的计量",
            180,
            _single(
                "按照《小企业会计准则》，小企业的资产应当按照什么计量？",
                ("成本", "公允价值", "可变现净值", "现值"),
                0,
                "小企业的资产应当按照成本计量，不计提资产减值准备。",
            ),
            _truefalse(
                "执行《小企业会计准则》的企业，应收账款在实际发生坏账时确认损失，不计提坏账准备。",
                True,
                "小企业的应收款项实际发生坏账损失时才作为损失计入营业外支出，不预先计提坏账准备。",
            ),
        ),
        _chapter(
            "所得税的核算",
            120,
            _single(
                "《小企业会计准则》规定小企业核算所得税采用的方法是：",
                ("应付税款法", "资产负债表债务法", "递延法", "利润表债务法"),
                0,
                "小企业采用应付税款法核算所得税，按照税法计算的当期应纳税额确认所得税费用。",
            ),
            _truefalse(
                "执行《小企业会计准则》的企业需要确认递延所得税资产和递延所得税负债。",
                False,
                "应付税款法不确认暂时性差异的所得税影响，因此不确认递延所得税。",
            ),
        ),
    ),
)

_GOVERNMENT = DemoCourse(
    code="PRO-02",
    title="政府会计准则制度解读",
    kind=PROFESSIONAL,
    credits=10,
    lecturer="郭淑荣",
    introduction="解读政府会计“双功能、双基础、双报告”的核算模式，以及决算报告与财务报告的编制基础。",
    institution=MAIN_INSTITUTION,
    chapters=(
        _chapter(
            "政府会计核算模式",
            150,
            _single(
                "政府会计由预算会计和财务会计构成，其中预算会计实行：",
                ("收付实现制", "权责发生制", "永续盘存制", "实地盘存制"),
                0,
                "预算会计实行收付实现制（国务院另有规定的从其规定），财务会计实行权责发生制。",
            ),
            _truefalse(
                "政府会计制度下，财务会计采用权责发生制。",
                True,
                "“双基础”指预算会计采用收付实现制、财务会计采用权责发生制。",
            ),
        ),
        _chapter(
            "政府决算报告与财务报告",
            120,
            _single(
                "政府决算报告的编制主要以什么为基础？",
                ("收付实现制", "权责发生制", "历史成本", "公允价值"),
                0,
                "政府决算报告以收付实现制为基础，以预算会计核算生成的数据为准。",
            ),
            _truefalse(
                "政府财务报告的编制主要以收付实现制为基础。",
                False,
                "政府财务报告以权责发生制为基础，以财务会计核算生成的数据为准。",
            ),
        ),
    ),
)

_DEDUCTION_VOUCHERS = DemoCourse(
    code="PRO-03",
    title="《企业所得税税前扣除凭证管理办法》解读",
    kind=PROFESSIONAL,
    credits=10,
    lecturer="刘建国",
    introduction="讲解税前扣除凭证的种类、取得时间要求以及小额零星经营业务的凭证处理。",
    institution=MAIN_INSTITUTION,
    chapters=(
        _chapter(
            "税前扣除凭证的种类与取得时间",
            120,
            _single(
                "根据《企业所得税税前扣除凭证管理办法》，税前扣除凭证按照来源分为：",
                ("内部凭证和外部凭证", "原始凭证和记账凭证", "专用凭证和通用凭证", "纸质凭证和电子凭证"),
                0,
                "税前扣除凭证按照来源分为内部凭证和外部凭证。",
            ),
            _truefalse(
                "企业应在当年度企业所得税法规定的汇算清缴期结束前取得税前扣除凭证。",
                True,
                "办法规定企业应当在汇算清缴期结束前取得税前扣除凭证。",
            ),
        ),
        _chapter(
            "小额零星经营业务的扣除凭证",
            150,
            _single(
                "对方为从事小额零星经营业务的个人，其支出可以用什么作为税前扣除凭证？",
                (
                    "税务机关代开的发票或者收款凭证及内部凭证",
                    "只能是增值税专用发票",
                    "无需任何凭证",
                    "银行对账单",
                ),
                0,
                "此类支出以税务机关代开的发票或者收款凭证及内部凭证作为扣除凭证，收款凭证应载明收款人姓名、身份证号、支出项目和金额等。",
            ),
            _truefalse(
                "小额零星经营业务是指个人从事应税项目经营业务的销售额不超过增值税相关政策规定的起征点。",
                True,
                "办法以增值税起征点作为判断小额零星经营业务的标准。",
            ),
        ),
    ),
)

_PROCUREMENT = DemoCourse(
    code="PRO-04",
    title="《政府采购法》和《政府采购法实施条例》解读",
    kind=PROFESSIONAL,
    credits=10,
    lecturer="周文彬",
    introduction="解读政府采购的原则、采购方式和采购文件保存等规定。",
    institution=MAIN_INSTITUTION,
    chapters=(
        _chapter(
            "政府采购的原则与方式",
            150,
            _single(
                "《政府采购法》规定，作为政府采购主要采购方式的是：",
                ("公开招标", "邀请招标", "竞争性谈判", "单一来源采购"),
                0,
                "公开招标应作为政府采购的主要采购方式。",
            ),
            _truefalse(
                "采购人可以将应当以公开招标方式采购的货物或者服务化整为零，以规避公开招标。",
                False,
                "《政府采购法》明确禁止将应当公开招标的货物或服务化整为零或以其他方式规避公开招标。",
            ),
        ),
        _chapter(
            "采购文件的保存",
            120,
            _single(
                "采购人、采购代理机构对每项政府采购活动的采购文件，应当从采购结束之日起至少保存：",
                ("十五年", "五年", "十年", "三十年"),
                0,
                "《政府采购法》规定采购文件的保存期限为从采购结束之日起至少十五年。",
            ),
            _truefalse(
                "政府采购应当遵循公开透明原则、公平竞争原则、公正原则和诚实信用原则。",
                True,
                "这是《政府采购法》规定的政府采购基本原则。",
            ),
        ),
    ),
)

_TAX_RELIEF = DemoCourse(
    code="PRO-05",
    title="税收减免管理办法",
    kind=PROFESSIONAL,
    credits=8,
    lecturer="林晓华",
    introduction="讲解核准类与备案类减免税的区别、办理流程和后续监督管理。",
    institution=MAIN_INSTITUTION,
    chapters=(
        _chapter(
            "减免税的分类",
            120,
            _single(
                "根据《税收减免管理办法》，减免税分为：",
                ("核准类减免税和备案类减免税", "法定减免和临时减免", "直接减免和间接减免", "全额减免和部分减免"),
                0,
                "办法将减免税分为核准类减免税和备案类减免税。",
            ),
            _truefalse(
                "纳税人享受核准类减免税，应当提交核准材料提出申请，经有批准权限的税务机关核准确认后执行。",
                True,
                "核准类减免税是法律、法规规定应由税务机关核准的减免税项目，须经核准后执行。",
            ),
        ),
        _chapter(
            "减免税的监督管理",
            90,
            _single(
                "纳税人享受减免税期间不再符合减免税条件的，应当：",
                ("依法履行纳税义务", "继续享受至期满", "无需任何处理", "等待次年再处理"),
                0,
                "减免税条件发生变化、不再符合规定条件的，纳税人应当依法履行纳税义务。",
            ),
            _truefalse(
                "纳税人依法可以享受减免税但未享受而多缴税款的，可以依照《税收征收管理法》的规定申请退还。",
                True,
                "多缴的税款可以在税收征管法规定的期限内申请减免税并要求退还。",
            ),
        ),
    ),
)

_BASIC_NORMS = DemoCourse(
    code="PRO-06",
    title="会计基础工作规范",
    kind=PROFESSIONAL,
    credits=12,
    lecturer="张慧敏",
    introduction="依据《会计基础工作规范》讲解会计凭证、会计账簿与错账更正、会计工作交接等基础工作要求。",
    institution=MAIN_INSTITUTION,
    chapters=(
        _chapter(
            "会计凭证",
            150,
            _single(
                "原始凭证金额有错误的，应当：",
                (
                    "由出具单位重开，不得在原始凭证上更正",
                    "由接收单位直接更正并盖章",
                    "用红笔划线更正",
                    "由会计人员涂改后签名",
                ),
                0,
                "《会计法》规定，原始凭证金额有错误的，应当由出具单位重开，不得在原始凭证上更正。",
            ),
            _truefalse(
                "除结账和更正错误的记账凭证可以不附原始凭证外，其他记账凭证必须附有原始凭证。",
                True,
                "这是《会计基础工作规范》对记账凭证附件的要求。",
            ),
        ),
        _chapter(
            "会计账簿与错账更正",
            180,
            _single(
                "记账后发现记账凭证中应借、应贷会计科目有错误，从而引起记账错误的，应采用：",
                ("红字更正法", "划线更正法", "补充登记法", "直接涂改"),
                0,
                "会计科目用错导致的记账错误，用红字填制一张与原凭证相同的凭证冲销，再用蓝字填制正确的凭证。",
            ),
            _truefalse(
                "登记账簿发生错误时，可以刮擦、挖补、涂改或者用药水消除字迹。",
                False,
                "规范规定账簿记录发生错误，不准涂改、挖补、刮擦或者用药水消除字迹，不准重新抄写，须按规定方法更正。",
            ),
        ),
        _chapter(
            "会计工作交接",
            120,
            _single(
                "一般会计人员办理交接手续，由谁负责监交？",
                ("单位会计机构负责人（会计主管人员）", "单位领导人", "上级主管部门", "财政部门"),
                0,
                "一般会计人员交接由会计机构负责人、会计主管人员监交；会计机构负责人交接由单位领导人监交。",
            ),
            _truefalse(
                "会计人员临时离职或因病不能工作、需要接替或代理的，也应当办理会计工作交接手续。",
                True,
                "规范要求临时离职或因病不能工作需要接替或代理的，同样办理交接手续。",
            ),
        ),
    ),
)

COURSES: tuple[DemoCourse, ...] = (
    _INNOVATION,
    _DIGITAL,
    _ETHICS,
    _SMALL_ENTERPRISE,
    _GOVERNMENT,
    _DEDUCTION_VOUCHERS,
    _PROCUREMENT,
    _TAX_RELIEF,
    _BASIC_NORMS,
)

#: A public lecture's length per credit: the year's 30 public credits then hold 1,440 minutes,
#: the most any of the seeds' thresholds asks (the exam's 1,393, the push's 1,440), so a learner
#: who studied exactly the required public courses meets both.
PUBLIC_MINUTES_PER_CREDIT = 48


#: More questions for the public courses' bank: the public exam draws 10 single-choice and 10
#: true/false questions from it, while each chapter's exercise shows two of its own. Keyed by
#: the course's code; each course's extra questions go to its chapters in turn.
EXTRA_PUBLIC_QUESTIONS: dict[str, tuple[DemoQuestion, ...]] = {
    "PUB-01": (
        _single("《中华人民共和国科学技术进步法》规定，国家坚持什么在现代化建设全局中的核心地位？",
                ("科技创新", "对外贸易", "基础设施", "金融服务"), 0,
                "该法明确坚持科技创新在国家现代化建设全局中的核心地位。"),
        _single("企业研发费用加计扣除政策主要鼓励企业：", ("加大研发投入", "增加广告支出", "扩大招待费用", "减少固定资产"), 0,
                "研发费用加计扣除是鼓励企业加大研发投入的税收优惠政策。"),
        _truefalse("基础研究是整个科学体系的源头，是所有技术问题的总开关。", True,
                   "加强基础研究是实现高水平科技自立自强的迫切要求。"),
        _truefalse("知识产权保护与科技创新无关。", False, "保护知识产权就是保护创新，二者密切相关。"),
        _single("高新技术企业减按多少的税率征收企业所得税？", ("15%", "25%", "20%", "10%"), 0,
                "国家需要重点扶持的高新技术企业，减按15%的税率征收企业所得税。"),
        _single("科技成果转化收益中，对完成、转化职务科技成果作出重要贡献的人员应当：", ("给予奖励和报酬", "不予奖励", "收取费用", "追究责任"), 0,
                "《促进科技成果转化法》规定应对作出重要贡献的人员给予奖励和报酬。"),
        _truefalse("企业是技术创新决策、研发投入、科研组织和成果转化的主体。", True, "强化企业科技创新主体地位是国家创新体系建设的要求。"),
        _truefalse("研发费用可以不设辅助账而直接享受加计扣除。", False, "享受加计扣除应按规定归集研发费用并设置辅助账。"),
    ),
    "PUB-02": (
        _single("会计信息化工作中，单位应当建立健全的是：", ("会计信息系统内部控制", "广告宣传制度", "考勤打卡制度", "食堂管理制度"), 0,
                "《会计信息化工作规范》要求单位建立健全会计信息系统相关内部控制。"),
        _single("电子会计凭证报销入账归档时，应当确保其：", ("来源合法、真实", "可以随意修改", "只打印不保存", "无需查验"), 0,
                "电子会计凭证应当来源合法、真实，并按规定查验、入账和归档。"),
        _truefalse("单位可以仅使用电子会计凭证进行报销入账归档，但须满足规定条件。", True,
                   "财政部、国家档案局规定满足条件的电子会计凭证可以仅以电子形式报销入账归档。"),
        _truefalse("数据资产无需遵循任何会计处理规定。", False, "企业数据资源相关会计处理已有专门暂行规定。"),
        _single("数电票的全称是：", ("全面数字化的电子发票", "数字电视发票", "数据电文凭证", "电子收据"), 0,
                "数电票即全面数字化的电子发票。"),
        _single("财务数字化转型的基础是：", ("数据标准化与业务流程规范化", "增加纸质单据", "取消内部控制", "减少会计人员培训"), 0,
                "数据标准化和流程规范化是财务数字化转型的基础工作。"),
        _truefalse("电子会计档案同样需要按规定的保管期限保存。", True, "电子会计档案的保管期限与纸质会计档案相同。"),
        _truefalse("使用财务软件后，会计人员无需再审核原始凭证。", False, "信息化不改变会计人员审核原始凭证的职责。"),
    ),
    "PUB-03": (
        _single("会计人员职业道德规范中的“坚持诚信，守法奉公”要求会计人员：", ("牢固树立诚信理念", "迎合领导意图", "优先考虑个人利益", "可以做假账"), 0,
                "《会计人员职业道德规范》第一条要求坚持诚信，守法奉公。"),
        _single("对伪造、变造会计凭证的行为，《会计法》规定的法律责任不包括：", ("给予表彰", "罚款", "行政处分", "构成犯罪的依法追究刑事责任"), 0,
                "伪造、变造会计凭证是违法行为，应依法追究责任，不会给予表彰。"),
        _truefalse("会计人员应当坚持学习，守正创新，不断提高专业胜任能力。", True,
                   "这是《会计人员职业道德规范》“坚持学习，守正创新”的要求。"),
        _truefalse("会计人员可以因单位负责人授意而提供虚假财务报告。", False, "任何单位和个人不得授意、指使、强令会计人员提供虚假财务会计报告。"),
    ),
}


def _lecture_length(course: DemoCourse) -> DemoCourse:
    """A public course with its credits' worth of lecture time spread over its chapters, and
    its extra exam questions added to them."""
    if course.kind != PUBLIC:
        return course
    seconds = course.credits * PUBLIC_MINUTES_PER_CREDIT * 60 // len(course.chapters)
    extra = EXTRA_PUBLIC_QUESTIONS.get(course.code, ())
    chapters = []
    for index, chapter in enumerate(course.chapters):
        mine = extra[index::len(course.chapters)]
        chapters.append(replace(chapter, duration_seconds=seconds, questions=chapter.questions + mine))
    return replace(course, chapters=tuple(chapters))


#: The guide's course list is grouped by subject category (课程分类: "—— 行政事业 ——").
CATEGORIES: dict[str, str] = {
    "PRO-01": "企业会计", "PRO-02": "行政事业", "PRO-03": "税收", "PRO-04": "行政事业", "PRO-05": "税收",
    "PRO-06": "会计基础",
}


def courses(year: int) -> tuple[DemoCourse, ...]:
    """``year``'s courses, coded ``GD<year>-PUB-01`` / ``GD<year>-PRO-01``."""
    return tuple(
        replace(_lecture_length(course), code=f"GD{year}-{course.code}", category=CATEGORIES.get(course.code, ""))
        for course in COURSES
    )


# --- Accounts ---------------------------------------------------------------------------------
# The learners' logins are valid GB 11643 ID numbers: 440106 广州市天河区, 440104 广州市越秀区,
# 440305 深圳市南山区, 440103 广州市荔湾区, with real birth dates and computed check digits.
def _learner(login: str, name: str, phone: str, area: str, employer: str, *, level: str = "中级",
             qualified: int = 2012, stage: str = "new", collection_status: str | None = None) -> DemoAccount:
    return DemoAccount(
        login=login, name=name, password=DEMO_PASSWORD, role="learner", phone=phone,
        qualification_level=level, qualified_year=qualified, collection_region=rules.REGION,
        collection_area=area, employer=employer, stage=stage, collection_status=collection_status,
        answers=_personal(login),
    )


def _personal(login: str) -> dict[str, object]:
    """出生日期 as the ID number holds it, and an e-mail address of the demo's own domain."""
    return {"birth_date": f"{login[6:10]}-{login[10:12]}-{login[12:14]}", "email": f"{login}@demo.example.cn"}


ACCOUNTS: tuple[DemoAccount, ...] = (
    _learner("440106199003151231", "陈家明", "13800000001", "广州市天河区", "广州天河晨光贸易有限公司",
             level="初级", qualified=2015),
    _learner("440104198611022241", "李晓敏", "13800000002", "广州市越秀区", "广州越秀城建工程有限公司",
             stage="paid"),
    # Collected in Shenzhen: shows the shenzhen_excluded refusal.
    _learner("440305199207203157", "王志远", "13800000003", "深圳市南山区", "深圳南山科技园电子有限公司",
             level="初级", qualified=2016),
    _learner("440103198502142221", "黄美玲", "13800000004", "广州市荔湾区", "广州荔湾医药有限公司",
             stage="ready_for_exam"),
    _learner("440106198603303310", "周国强", "13800000005", "广州市天河区", "广州天河建设集团有限公司",
             level="高级", qualified=2008, stage="certified"),
    # Her info collection waits in the reviewer's queue.
    replace(
        _learner("440104199505061129", "林小慧", "13800000006", "广州市越秀区", "广州越秀书院文化有限公司",
                 level="初级", qualified=2020, collection_status="submitted"),
        answers={**_personal("440104199505061129"), "gender": "女", "address": "广州市越秀区中山四路", "education_level": "本科",
                 "school": "广东财经大学", "major": "会计学", "work_start_year": 2018},
    ),
    DemoAccount(login="gd-reviewer", name="审核员（广东）", password=DEMO_PASSWORD, role="reviewer"),
    DemoAccount(login="gd-admin", name="管理员（广东）", password=DEMO_PASSWORD, role="admin"),
)


def year_settings(year: int, today: dt.date | None) -> dict[str, object]:
    """The guide's public exam opens on 06-01. Before that day, the demo's admin opens it on
    the year's first day, so the exam can be tried on any date; the rule itself is unchanged
    (the value is stored and audited as an admin setting, within the declared bounds)."""
    opens = rules.values(year, None)["exam_opens"]
    if today is None or today >= opens.date():
        return {}
    start = rules.values(year, None)["period_start"]
    return {"exam_opens": dt.datetime.combine(start, dt.time(0, 0), tzinfo=rules.TZ)}


def demo_data(year: int, today: dt.date | None = None) -> DemoData:
    """The Guangdong demo: four schools, the year's nine courses, learners at each stage."""
    return DemoData(
        year=year,
        institutions=INSTITUTIONS,
        courses=courses(year),
        accounts=ACCOUNTS,
        year_settings=year_settings(year, today),
    )
