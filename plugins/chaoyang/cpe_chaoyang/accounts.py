"""How Chaoyang learners register (the 2021 flow, 登录/注册).

"新用户在线用身份证号注册账号和填写自己记得住的密码最后填入给的验证码即可"; "带*号的为必填项 ...
包括姓名、身份证号、专业技术资格信息、单位等信息". Info collection itself is done on the Liaoning
platform, so registration only asks where the learner was collected (it decides eligibility).
"""
from __future__ import annotations

from hookspecs import FormField, PrivacyNotice, RegistrationSpec

from .rules import REGION

QUALIFICATION_LEVELS: tuple[tuple[str, str], ...] = (
    ("初级", "初级"),
    ("中级", "中级"),
    ("高级", "高级"),
    ("无", "无会计专业技术资格（从事会计工作）"),
)
#: The value a learner collected elsewhere in Liaoning picks; any value but REGION is refused.
COLLECTED_ELSEWHERE = "liaoning-other"

#: 个人信息保护政策, accepted at registration (《个人信息保护法》第十七条). Change the version with the text.
PRIVACY_NOTICE = PrivacyNotice(
    version="chaoyang-2024-01",
    title="朝阳会计在线个人信息保护政策",
    text=(
        "朝阳会计在线由朝阳市财政局、朝阳市会计学会主办，是您个人信息的处理者。\n\n"
        "我们收集：身份证号、姓名、专业技术资格及取得年份、开始从事会计工作年份、工作单位、手机号码、信息采集地区；"
        "您的学习进度、考试、订单、发票与证书记录。\n\n"
        "用途：核对您在朝阳市的继续教育资格（信息采集地区须为朝阳市），计算学分、开具发票和合格证，"
        "并按规定向辽宁省会计管理综合服务平台报送学分。手机号码仅用于找回密码时核对身份。\n\n"
        "保存期限：学分、订单与证书记录依会计人员继续教育管理规定保存；验证码、导出文件和操作日志到期删除。\n\n"
        "您的权利：在“个人中心”可下载个人信息副本、注销账号；注销后手机号码、工作单位等即被删除，"
        "仅保留学分记录核验所需的姓名与身份证号，保存期满后匿名化。咨询电话：0421-2558456。"
    ),
)

REGISTRATION = RegistrationSpec(
    identity_field="id_number",
    identity_label="身份证号",
    fields=(
        FormField("name", "姓名", max_length=32),
        FormField("qualification_level", "专业技术资格", "choice", choices=QUALIFICATION_LEVELS),
        FormField("qualified_year", "取得资格年份", "int", required=False,
                  help="取得会计专业技术资格的年份；无资格的不填"),
        FormField("work_start_year", "开始从事会计工作年份", "int", required=False),
        FormField("employer", "工作单位", max_length=128),
        FormField("phone", "手机号码", "phone", help="找回密码时客服人员将核对此号码"),
        FormField(
            "collection_region", "信息采集地区", "choice",
            choices=((REGION, "朝阳市（含各县（市）区）"), (COLLECTED_ELSEWHERE, "辽宁省其他市")),
            help="请登录辽宁省会计管理综合服务平台，通过身份证号确认信息采集地区。",
        ),
    ),
    captcha=True,
    privacy_notice=PRIVACY_NOTICE,
)
