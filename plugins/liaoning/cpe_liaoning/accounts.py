"""How Liaoning learners register (注册): "未在辽宁省完成信息采集的人员，需要在全国平台完成信息
采集后，在此页面进行注册后登录" — by ID number, with where the learner was collected (the province
and the city, which an institution such as 朝阳会计在线 reads to decide who may study there) and the
phone that 手机验证码登录 texts."""
from __future__ import annotations

from hookspecs import FormField, RegistrationSpec

from .rules import REGION

#: 辽宁省's 14 cities, the 所在市 of the collection record.
CITIES: tuple[str, ...] = ("沈阳市", "大连市", "鞍山市", "抚顺市", "本溪市", "丹东市", "锦州市", "营口市", "阜新市",
                           "辽阳市", "盘锦市", "铁岭市", "朝阳市", "葫芦岛市")
QUALIFICATION_LEVELS: tuple[tuple[str, str], ...] = (
    ("初级", "初级"), ("中级", "中级"), ("高级", "高级"), ("无", "无会计专业技术资格（从事会计工作）"),
)

REGISTRATION = RegistrationSpec(
    identity_field="id_number",
    identity_label="身份证号",
    fields=(
        FormField("name", "姓名", max_length=32),
        FormField("phone", "手机号码", "phone", help="手机验证码登录时，验证码发送到此号码"),
        FormField("qualification_level", "专业技术资格", "choice", choices=QUALIFICATION_LEVELS),
        FormField("qualified_year", "取得资格年份", "int", required=False,
                  help="取得会计专业技术资格的年份；无资格的不填"),
        FormField("work_start_year", "开始从事会计工作年份", "int", required=False),
        FormField("employer", "工作单位", max_length=128),
        FormField("department", "主管部门", max_length=64, help="管理您会计继续教育的财政部门，如：和平区财政局"),
        FormField("collection_region", "信息采集地", "choice", choices=((REGION, "辽宁省"),),
                  help="在全国会计人员统一服务管理平台完成信息采集时选择的地区"),
        FormField("collection_area", "所在市", "choice", choices=tuple((city, city) for city in CITIES)),
    ),
    captcha=True,
)


def registration_form() -> RegistrationSpec:
    """注册: ID number, name, phone, qualification, employer and the place of collection."""
    return REGISTRATION
