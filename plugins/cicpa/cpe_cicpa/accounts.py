"""How CICPA members register and sign in (the manual, 登录): "选择用户类型，输入用户名与密码";
the user name is the member certificate number (会员证书编号), and a captcha is asked."""
from __future__ import annotations

from hookspecs import FormField, PrivacyNotice, RegistrationSpec

from .rules import MEMBER_NUMBER_LENGTH, MEMBER_TYPES

#: 个人信息保护政策, accepted at registration (《个人信息保护法》第十七条). Change the version with the text.
PRIVACY_NOTICE = PrivacyNotice(
    version="cicpa-2024-01",
    title="中注协继续教育个人信息保护政策",
    text=(
        "中注协继续教育平台由中国注册会计师协会主办，是您个人信息的处理者。\n\n"
        "我们收集：会员编号（会员证书编号）、用户类型、姓名、身份证号、手机号码；学时申请及其证明材料、"
        "学习与证书记录。\n\n"
        "用途：确认会员身份，记录和审核继续教育学时，出具学时证明，并用于年检与会员管理。\n\n"
        "保存期限：学时与证书记录依注册会计师继续教育制度保存；验证码、导出文件和操作日志到期删除。\n\n"
        "您的权利：在“个人中心”可下载个人信息副本、注销账号；注销后手机号码等即被删除，"
        "仅保留学时记录核验所需的姓名与会员编号，保存期满后匿名化。咨询电话：010-88250000。"
    ),
)

REGISTRATION = RegistrationSpec(
    identity_field="member_number",
    identity_label="会员编号",
    identity_pattern=rf"\d{{{MEMBER_NUMBER_LENGTH}}}",
    identity_error=f"会员编号应为{MEMBER_NUMBER_LENGTH}位数字（会员证书编号）。",
    fields=(
        FormField("member_type", "用户类型", "choice", choices=tuple(MEMBER_TYPES.items())),
        FormField("name", "姓名", max_length=32),
        FormField("id_number", "身份证号", "id_number"),
        FormField("phone", "手机号码", "phone"),
    ),
    captcha=True,
    privacy_notice=PRIVACY_NOTICE,
    login_choice="member_type",
)
