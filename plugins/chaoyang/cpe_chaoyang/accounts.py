"""How Chaoyang learners register (the 2021 flow, 登录/注册).

"新用户在线用身份证号注册账号和填写自己记得住的密码最后填入给的验证码即可"; "带*号的为必填项 ...
包括姓名、身份证号、专业技术资格信息、单位等信息". Info collection itself is done on the Liaoning
platform, so registration only asks where the learner was collected (it decides eligibility).
"""
from __future__ import annotations

from hookspecs import FormField, RegistrationSpec

from .rules import REGION

QUALIFICATION_LEVELS: tuple[tuple[str, str], ...] = (
    ("初级", "初级"),
    ("中级", "中级"),
    ("高级", "高级"),
    ("无", "无会计专业技术资格（从事会计工作）"),
)
#: The value a learner collected elsewhere in Liaoning picks; any value but REGION is refused.
COLLECTED_ELSEWHERE = "liaoning-other"

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
)
