"""Demo content for the CICPA site: courses of the three national accounting institutes, two
members (a practising CPA and a non-practising member), a provincial reviewer and an admin.

Courses are worth hours (1-4 each) and together offer a full year's ANNUAL_HOURS. Chapters are
short demo clips; each carries one single-choice and one true/false question on current
standards and rules.
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

DEMO_PASSWORD = "Demo@2024"
TRUE_FALSE = ("正确", "错误")

BEIJING, SHANGHAI, XIAMEN = rules.NATIONAL_INSTITUTES


def _single(text: str, options: tuple[str, ...], answer: int, explanation: str) -> DemoQuestion:
    return DemoQuestion("single", text, options, answer, explanation)


def _truefalse(text: str, true: bool, explanation: str) -> DemoQuestion:
    return DemoQuestion("truefalse", text, TRUE_FALSE, 0 if true else 1, explanation)


INSTITUTIONS: tuple[DemoInstitution, ...] = tuple(
    DemoInstitution(name, level="国家会计学院") for name in rules.NATIONAL_INSTITUTES
)

COURSES: tuple[DemoCourse, ...] = (
    # --- 北京国家会计学院 ---------------------------------------------------------------------
    DemoCourse(
        code="BJ-01", title="《企业会计准则第14号——收入》重点解读",
        kind=PROFESSIONAL, credits=4, lecturer="陈立新", institution=BEIJING,
        introduction="以五步法模型为主线，讲解合同识别、履约义务、交易价格、可变对价及主要责任人与代理人的判断。",
        chapters=(
            DemoChapter("收入确认的五步法模型", 150, (
                _single("按照收入准则，收入确认“五步法”的第一步是：",
                        ("识别与客户订立的合同", "识别合同中的单项履约义务", "确定交易价格", "将交易价格分摊至各单项履约义务"),
                        0, "五步法依次为：识别合同、识别履约义务、确定交易价格、分摊交易价格、履行履约义务时确认收入。"),
                _truefalse("企业应当在履行了合同中的履约义务，即在客户取得相关商品控制权时确认收入。", True,
                           "收入准则以控制权转移作为收入确认的时点判断标准。"),
            )),
            DemoChapter("交易价格与可变对价", 120, (
                _single("合同中存在可变对价的，企业计入交易价格的可变对价金额，应当不超过：",
                        ("合同约定的最高金额", "在相关不确定性消除时累计已确认收入极可能不会发生重大转回的金额",
                         "客户已支付的金额", "可变对价的最可能发生金额与期望值中的较高者"),
                        1, "可变对价的计量受“极可能不会发生重大转回”的限制。"),
                _truefalse("交易价格包括企业代第三方收取的款项。", False,
                           "交易价格不包括企业代第三方收取的款项以及预期将退还给客户的款项。"),
            )),
            DemoChapter("主要责任人与代理人", 90, (
                _single("企业在向客户转让商品前能够控制该商品的，应当：",
                        ("作为主要责任人，按照已收或应收对价总额确认收入", "作为代理人，按照佣金金额确认收入",
                         "不确认收入", "按照净额与总额孰高确认收入"),
                        0, "判断主要责任人还是代理人，关键看企业在转让商品前是否拥有对该商品的控制权。"),
                _truefalse("企业为代理人的，应当按照预期有权收取的佣金或手续费的金额确认收入。", True,
                           "代理人按净额（佣金或手续费）确认收入。"),
            )),
        ),
    ),
    DemoCourse(
        code="BJ-02", title="金融工具准则：分类、计量与减值",
        kind=PROFESSIONAL, credits=4, lecturer="王思远", institution=BEIJING,
        introduction="讲解金融资产“三分类”的判断逻辑、其他权益工具投资的处理和预期信用损失模型。",
        chapters=(
            DemoChapter("金融资产的分类", 160, (
                _single("企业对金融资产进行分类的依据是：",
                        ("管理金融资产的业务模式和金融资产的合同现金流量特征", "金融资产的持有期限",
                         "金融资产的取得成本", "管理层的持有意图"),
                        0, "新金融工具准则以业务模式和合同现金流量特征两项测试确定分类。"),
                _truefalse("对于非交易性权益工具投资，企业可以在初始确认时将其不可撤销地指定为以公允价值计量"
                           "且其变动计入其他综合收益的金融资产。", True,
                           "该指定一经作出不得撤销。"),
            )),
            DemoChapter("预期信用损失模型", 140, (
                _single("新金融工具准则下，金融资产减值采用的模型是：",
                        ("已发生损失模型", "预期信用损失模型", "成本与可变现净值孰低模型", "可收回金额模型"),
                        1, "减值由“已发生损失法”改为“预期信用损失法”。"),
                _truefalse("指定为以公允价值计量且其变动计入其他综合收益的非交易性权益工具投资，终止确认时，"
                           "之前计入其他综合收益的累计利得或损失应转入当期损益。", False,
                           "应当从其他综合收益中转出，计入留存收益，不得转入当期损益。"),
            )),
        ),
    ),
    DemoCourse(
        code="BJ-03", title="注册会计师职业道德守则",
        kind=PUBLIC, credits=4, lecturer="李明德", institution=BEIJING,
        introduction="职业道德基本原则、不利影响的识别与防范，以及鉴证业务的独立性要求。",
        chapters=(
            DemoChapter("职业道德基本原则", 120, (
                _single("下列各项中，属于注册会计师应当遵循的职业道德基本原则的是：",
                        ("保密", "客户至上", "收入最大化", "低价竞争"),
                        0, "职业道德基本原则包括诚信、客观公正、专业胜任能力和勤勉尽责、保密、良好职业行为等。"),
                _truefalse("业务关系终止后，注册会计师仍应当对在职业活动中获知的涉密信息保密。", True,
                           "保密义务不因业务关系的终止而终止。"),
            )),
            DemoChapter("不利影响与独立性", 130, (
                _single("审计项目组成员的配偶担任审计客户的董事长，主要因下列哪种因素产生不利影响？",
                        ("自身利益", "自我评价", "密切关系", "外在压力"),
                        2, "项目组成员的近亲属担任客户董事、高级管理人员，属于密切关系导致的不利影响。"),
                _truefalse("会计师事务所可以对审计业务采用或有收费方式。", False,
                           "对鉴证业务采用或有收费将产生非常严重的不利影响，不得采用。"),
            )),
        ),
    ),
    DemoCourse(
        code="BJ-04", title="风险导向审计：风险评估与应对",
        kind=PROFESSIONAL, credits=4, lecturer="赵审言", institution=BEIJING,
        introduction="审计风险模型、重大错报风险的识别与评估、特别风险及进一步审计程序的设计。",
        chapters=(
            DemoChapter("审计风险模型", 110, (
                _single("审计风险取决于：",
                        ("重大错报风险和检查风险", "固有风险和经营风险", "控制风险和经营风险", "检查风险和抽样风险"),
                        0, "审计风险 = 重大错报风险 × 检查风险。"),
                _truefalse("注册会计师通过实施更多的审计程序，可以将检查风险降低为零。", False,
                           "由于审计的固有限制，检查风险只能降低，不能消除。"),
            )),
            DemoChapter("特别风险与进一步审计程序", 170, (
                _single("注册会计师基于收入确认存在舞弊风险的假定，评估出的相关重大错报风险应当作为：",
                        ("特别风险", "可接受的低风险", "检查风险", "经营风险"),
                        0, "舞弊导致的重大错报风险属于特别风险。"),
                _truefalse("针对特别风险仅实施实质性程序时，注册会计师应当使用细节测试，或将细节测试与实质性"
                           "分析程序结合使用。", True,
                           "仅实施实质性分析程序不足以应对特别风险。"),
            )),
        ),
    ),
    # --- 上海国家会计学院 ---------------------------------------------------------------------
    DemoCourse(
        code="SH-01", title="合并财务报表编制实务",
        kind=PROFESSIONAL, credits=4, lecturer="周文澜", institution=SHANGHAI,
        introduction="以控制为基础确定合并范围，讲解内部交易抵销与少数股东权益的列报。",
        chapters=(
            DemoChapter("合并范围与控制", 140, (
                _single("合并财务报表的合并范围应当以什么为基础予以确定？",
                        ("控制", "重大影响", "持股比例超过50%", "共同控制"),
                        0, "合并范围以控制为基础确定，而不是单纯看持股比例。"),
                _truefalse("控制的要素包括：投资方拥有对被投资方的权力，通过参与被投资方的相关活动而享有可变回报，"
                           "并且有能力运用对被投资方的权力影响其回报金额。", True,
                           "三个要素须同时具备才构成控制。"),
            )),
            DemoChapter("内部交易抵销", 150, (
                _single("母公司将成本80万元的商品以100万元售给子公司，年末子公司尚未对外出售。"
                        "编制合并报表时应抵销的未实现内部销售利润为：",
                        ("20万元", "80万元", "100万元", "0"),
                        0, "未实现内部销售利润 = 100 − 80 = 20万元。"),
                _truefalse("子公司少数股东享有的净资产份额，应在合并资产负债表中作为负债列示。", False,
                           "应在所有者权益项目下以“少数股东权益”列示。"),
            )),
        ),
    ),
    DemoCourse(
        code="SH-02", title="会计师事务所质量管理准则解读",
        kind=PROFESSIONAL, credits=4, lecturer="孙宁", institution=SHANGHAI,
        introduction="质量管理体系的风险导向方法、领导层责任与项目质量复核要求。",
        chapters=(
            DemoChapter("质量管理体系", 120, (
                _single("质量管理准则要求会计师事务所设计、实施和运行质量管理体系时采用的方法是：",
                        ("风险导向方法", "规则导向方法", "结果导向方法", "成本导向方法"),
                        0, "事务所应设定质量目标、识别评估质量风险并设计应对措施。"),
                _truefalse("会计师事务所主要负责人对质量管理体系承担最终责任。", True,
                           "领导层责任是质量管理体系的治理与领导层要素的核心。"),
            )),
            DemoChapter("项目质量复核", 100, (
                _single("在项目质量复核人通知复核已完成之前，项目合伙人：",
                        ("不得签署审计报告", "可以先签署审计报告再补充复核",
                         "可以签署报告但不得报出", "可以授权项目经理签署报告"),
                        0, "项目质量复核完成是签署报告的前提。"),
                _truefalse("项目合伙人可以担任本项目的项目质量复核人。", False,
                           "项目质量复核人应当独立于项目组，项目合伙人不得担任。"),
            )),
        ),
    ),
    DemoCourse(
        code="SH-03", title="数据资源入表的会计处理与审计关注",
        kind=PROFESSIONAL, credits=4, lecturer="吴启航", institution=SHANGHAI,
        introduction="解读《企业数据资源相关会计处理暂行规定》，讲解数据资源确认为无形资产或存货的条件及披露。",
        chapters=(
            DemoChapter("适用范围与施行", 90, (
                _single("《企业数据资源相关会计处理暂行规定》的施行日期是：",
                        ("2023年1月1日", "2024年1月1日", "2024年7月1日", "2025年1月1日"),
                        1, "该规定（财会〔2023〕11号）自2024年1月1日起施行。"),
                _truefalse("企业应当采用未来适用法执行该规定，施行前已经费用化计入损益的数据资源相关支出不再调整。",
                           True, "暂行规定明确采用未来适用法。"),
            )),
            DemoChapter("确认与计量", 130, (
                _single("企业日常活动中持有、最终目的用于出售的数据资源，符合相关定义和确认条件的，应当确认为：",
                        ("存货", "无形资产", "开发支出", "固定资产"),
                        0, "用于出售的数据资源按存货准则处理；企业使用的数据资源按无形资产准则处理。"),
                _truefalse("企业使用的、符合无形资产定义和确认条件的数据资源，应当确认为无形资产。", True,
                           "按照《企业会计准则第6号——无形资产》确认、计量。"),
            )),
        ),
    ),
    # --- 厦门国家会计学院 ---------------------------------------------------------------------
    DemoCourse(
        code="XM-01", title="增值税与企业所得税最新政策",
        kind=PROFESSIONAL, credits=4, lecturer="林海涛", institution=XIAMEN,
        introduction="小规模纳税人增值税优惠、研发费用加计扣除和职工教育经费扣除等现行政策。",
        chapters=(
            DemoChapter("增值税小规模纳税人政策", 120, (
                _single("按现行政策，增值税小规模纳税人合计月销售额未超过多少元（以1个季度为1个纳税期的，"
                        "季度销售额未超过30万元）的，免征增值税？",
                        ("5万元", "10万元", "15万元", "20万元"),
                        1, "财政部 税务总局公告2023年第19号，执行至2027年12月31日。"),
                _truefalse("增值税小规模纳税人适用3%征收率的应税销售收入，现行政策减按1%征收率征收增值税。", True,
                           "财政部 税务总局公告2023年第19号。"),
            )),
            DemoChapter("企业所得税税前扣除", 150, (
                _single("企业研发活动形成无形资产的，自2023年1月1日起按照无形资产成本的多少在税前摊销？",
                        ("100%", "150%", "175%", "200%"),
                        3, "财政部 税务总局公告2023年第7号：形成无形资产的按成本的200%摊销。"),
                _truefalse("企业发生的职工教育经费支出，不超过工资薪金总额8%的部分，准予在计算企业所得税"
                           "应纳税所得额时扣除。", True,
                           "超过部分准予在以后纳税年度结转扣除（财税〔2018〕51号）。"),
            )),
        ),
    ),
    DemoCourse(
        code="XM-02", title="新租赁准则实务",
        kind=PROFESSIONAL, credits=4, lecturer="黄若溪", institution=XIAMEN,
        introduction="承租人单一会计模型、短期租赁与低价值资产租赁豁免、出租人租赁分类。",
        chapters=(
            DemoChapter("承租人会计处理", 140, (
                _single("除采用简化处理的短期租赁和低价值资产租赁外，承租人在租赁期开始日应当确认：",
                        ("使用权资产和租赁负债", "固定资产和长期应付款", "租金费用", "预付账款"),
                        0, "新租赁准则取消了承租人经营租赁与融资租赁的区分。"),
                _truefalse("包含购买选择权的租赁，租赁期不超过12个月的，也可以作为短期租赁进行简化处理。", False,
                           "包含购买选择权的租赁不属于短期租赁。"),
            )),
            DemoChapter("出租人会计处理", 110, (
                _single("出租人应当在租赁开始日将租赁分为：",
                        ("融资租赁和经营租赁", "短期租赁和长期租赁", "动产租赁和不动产租赁", "单项租赁和组合租赁"),
                        0, "出租人仍保留融资租赁与经营租赁的分类。"),
                _truefalse("一项租赁实质上转移了与租赁资产所有权有关的几乎全部风险和报酬的，出租人应当将其分类为"
                           "融资租赁。", True, "这是融资租赁的判断标准。"),
            )),
        ),
    ),
    DemoCourse(
        code="XM-03", title="注册会计师诚信建设与法律责任",
        kind=PUBLIC, credits=4, lecturer="许正平", institution=XIAMEN,
        introduction="注册会计师法规定的执业规则，以及证券服务业务中注册会计师的民事责任。",
        chapters=(
            DemoChapter("执业规则", 100, (
                _single("注册会计师承办业务，应当由谁统一受理并与委托人签订委托合同？",
                        ("注册会计师本人", "所在的会计师事务所", "所在地省注协", "被审计单位的主管部门"),
                        1, "《注册会计师法》规定，注册会计师承办业务由其所在的会计师事务所统一受理。"),
                _truefalse("注册会计师可以同时在两个或者两个以上的会计师事务所执业。", False,
                           "注册会计师不得同时在两个或者两个以上的会计师事务所执业。"),
            )),
            DemoChapter("证券业务中的法律责任", 160, (
                _single("会计师事务所为证券发行出具的审计报告有虚假记载，给他人造成损失，且不能证明自己没有过错的，"
                        "依据《证券法》应当：",
                        ("与委托人承担连带赔偿责任", "仅承担补充赔偿责任", "不承担民事责任", "仅由签字注册会计师个人赔偿"),
                        0, "《证券法》第一百六十三条规定证券服务机构与委托人承担连带赔偿责任，能够证明自己没有过错的除外。"),
                _truefalse("证券服务机构能够证明自己没有过错的，不承担上述连带赔偿责任。", True,
                           "《证券法》对证券服务机构适用过错推定原则。"),
            )),
        ),
    ),
)

ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        login="110000010001", name="张明远", password=DEMO_PASSWORD, role="learner",
        phone="13910010001", member_type=rules.PRACTISING,
        employer="北京华信正和会计师事务所（特殊普通合伙）",
    ),
    DemoAccount(
        login="310000020002", name="李婉清", password=DEMO_PASSWORD, role="learner",
        phone="13810020002", member_type=rules.NON_PRACTISING,
        employer="上海浦江制造股份有限公司",
    ),
    DemoAccount(
        login="440000030003", name="王海涛", password=DEMO_PASSWORD, role="learner",
        phone="13710030003", member_type=rules.NON_PRACTISING, stage="certified",
        employer="广州珠江实业集团有限公司",
    ),
    DemoAccount(
        login="320000040004", name="赵敏", password=DEMO_PASSWORD, role="learner",
        phone="13610040004", member_type=rules.PRACTISING,
        employer="江苏苏信会计师事务所有限公司",
    ),
    DemoAccount(
        login="cicpa-reviewer", name="刘建国", password=DEMO_PASSWORD, role="reviewer",
        employer="北京注册会计师协会",
    ),
    DemoAccount(
        login="cicpa-admin", name="系统管理员", password=DEMO_PASSWORD, role="admin",
        employer="中国注册会计师协会",
    ),
)

#: 赵敏 attended a training course: her input-type hours wait for the provincial institute.
APPLICATIONS: tuple[DemoApplication, ...] = (
    DemoApplication(
        login="320000040004", offset_type=rules.INPUT, role="hours",
        fields={"host_unit": "江苏省注册会计师协会", "route": rules.INPUT_ROUTES[0], "hours": 16,
                "note": "年度执业能力提升培训班"},
    ),
)


def courses(year: int) -> tuple[DemoCourse, ...]:
    """``year``'s courses of the three institutes, coded ``CICPA-<year>-BJ-01`` and so on."""
    return tuple(replace(course, code=f"CICPA-{year}-{course.code}") for course in COURSES)


def demo_data(year: int, today: dt.date | None = None) -> DemoData:
    """The three institutes, their courses of ``year``, members at each stage and the staff."""
    return DemoData(year=year, institutions=INSTITUTIONS, courses=courses(year), accounts=ACCOUNTS,
                    applications=APPLICATIONS)
