"""How Guangdong learners register and do info collection (the 2021 learner guide, 一、3-4).

Registration first asks the two questions of 图 5; at least one must be answered yes. Info
collection then runs in the guide's steps 个人信息 → 学历信息 → 工作信息 → 专业技术信息 → 提交.
"""
from __future__ import annotations

from hookspecs import (
    AttachmentRule, CollectionStep, FormField, PrivacyNotice, Reason, RegistrationQuestion, RegistrationSpec,
)

from .rules import QUALIFICATION_LEVELS

QUESTIONS = (
    RegistrationQuestion("works_in_guangdong", "您是否在广东省内（不含深圳市）从事会计工作？"),
    RegistrationQuestion(
        "lives_or_studies_with_qualification",
        "虽然您未从事会计工作，但是否在广东省内（不含深圳市）居住或者学习，并持有会计专业技术资格"
        "（初、中、高、正高级）证书（非会计从业资格证书）？",
    ),
)
NOT_FOR_YOU = Reason(
    "registration_not_eligible",
    "本平台仅面向在广东省内（不含深圳市）从事会计工作，或在省内居住、学习并持有会计专业技术资格证书的人员，"
    "您不符合注册条件。",
)

#: 个人信息保护政策, accepted at registration (《个人信息保护法》第十七条). Change the version with the text.
PRIVACY_NOTICE = PrivacyNotice(
    version="guangdong-2024-01",
    title="广东省会计人员继续教育平台个人信息保护政策",
    text=(
        "本平台由广东省财政厅（不含深圳）主管，是您个人信息的处理者。\n\n"
        "我们收集：证件号（身份证号）、姓名、手机号码；信息采集中的学历、职称、工作单位、所在地区及您上传的身份证、"
        "学历证书照片；学习、考试、订单、发票与证书记录。\n\n"
        "用途：审核您是否在广东省内（不含深圳市）从事会计工作或居住、学习，记录学分，开具发票和证书，"
        "并按规定向主管部门报送学分。上传的证件照片仅供审核信息采集。\n\n"
        "保存期限：学分、订单与证书记录依规定保存；验证码、导出文件和操作日志到期删除。\n\n"
        "您的权利：在“个人中心”可下载个人信息副本、注销账号；注销后信息采集资料和照片即被删除，"
        "仅保留学分记录核验所需的姓名与证件号，保存期满后匿名化。咨询电话：020-8888 0000。"
    ),
)

REGISTRATION = RegistrationSpec(
    identity_field="id_number",
    identity_label="证件号（身份证号）",
    fields=(
        FormField("name", "姓名", max_length=32),
        FormField("phone", "手机号码", "phone"),
    ),
    questions=QUESTIONS,
    questions_refusal=NOT_FOR_YOU,
    captcha=True,
    privacy_notice=PRIVACY_NOTICE,
)

#: The 21 prefecture-level cities. 深圳市 is listed so that a learner who picks it is told why
#: they cannot study here (the eligibility hook refuses it) rather than finding no choice.
CITIES: tuple[str, ...] = (
    "广州市", "深圳市", "珠海市", "汕头市", "佛山市", "韶关市", "河源市", "梅州市", "惠州市", "汕尾市",
    "东莞市", "中山市", "江门市", "阳江市", "湛江市", "茂名市", "肇庆市", "清远市", "潮州市", "揭阳市",
    "云浮市",
)
AREA_HELP = (
    "需要注意信息采集行政区域，这关系到继续教育学分传送，请务必慎重选择：在职会计人员按单位所在地"
    "进行区域选择；具有会计职称证书但未从事相关工作的按目前居住地进行区域选择；在校学生按学校所在地"
    "进行区域选择。"
)
#: 个人信息 as the guide's form asks it (图 6): 证件类型 and 所在国家或地区 first, 中国（内地）
#: for most learners.
ID_TYPES: tuple[str, ...] = ("居民身份证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "护照")
COUNTRIES: tuple[str, ...] = ("中国（内地）", "中国香港", "中国澳门", "中国台湾", "其他国家或地区")
#: "按照要求上传正确附件（格式jpg或jpeg）... 文件大小不能超过2M".
ATTACHMENT_TYPES = ("image/jpeg",)
ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024


def _attachment(code: str, label: str, *, students_only: bool = False) -> AttachmentRule:
    return AttachmentRule(code, label, required=True, students_only=students_only,
                          content_types=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES)


COLLECTION_STEPS = [
    CollectionStep(
        "personal", "个人信息",
        fields=(
            FormField("id_type", "证件类型", "choice", choices=tuple((t, t) for t in ID_TYPES)),
            FormField("country", "所在国家或地区", "choice", choices=tuple((c, c) for c in COUNTRIES)),
            FormField("gender", "性别", "choice", choices=(("男", "男"), ("女", "女"))),
            FormField("birth_date", "出生日期", "date", help="格式：年-月-日，如1987-03-06"),
            FormField("email", "邮箱", "email", max_length=255),
            FormField("is_student", "是否在校学生", "bool"),
            FormField("collection_area", "信息采集行政区域", "choice",
                      choices=tuple((city, city) for city in CITIES), help=AREA_HELP),
            FormField("address", "通讯地址", max_length=128),
        ),
        attachments=(
            _attachment("id_front", "身份证正面照片"),
            _attachment("id_back", "身份证反面照片"),
            _attachment("photo", "个人免冠照片"),
            _attachment("student_card", "学生证", students_only=True),
        ),
        help="附件格式为jpg或jpeg，每个文件大小不能超过2M；在校学生需上传学生证。",
    ),
    CollectionStep(
        "education", "学历信息",
        fields=(
            FormField("education_level", "最高学历", "choice",
                      choices=tuple((v, v) for v in ("中专", "大专", "本科", "硕士研究生", "博士研究生", "其他"))),
            FormField("school", "毕业（就读）院校", max_length=128),
            FormField("major", "所学专业"),
        ),
    ),
    CollectionStep(
        "work", "工作信息",
        fields=(
            FormField("employer", "工作单位", required=False, max_length=128,
                      help="未从事会计工作的可不填"),
            FormField("work_start_year", "开始从事会计工作年份", "int", required=False),
        ),
    ),
    CollectionStep(
        "qualification", "专业技术信息",
        fields=(
            FormField("qualification_level", "会计专业技术资格", "choice",
                      choices=tuple((lvl, lvl) for lvl in QUALIFICATION_LEVELS) + (("无", "无"),)),
            FormField("qualified_year", "取得资格年份", "int", required=False),
        ),
    ),
    CollectionStep(
        "submit", "提交",
        help="本人郑重承诺所填资料真实准确，如因填报资料失实，本人愿意承担由此产生的相关责任。",
    ),
]
