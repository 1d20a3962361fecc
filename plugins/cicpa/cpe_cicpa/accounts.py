"""How CICPA members register and sign in (the manual, 登录): "选择用户类型，输入用户名与密码";
the user name is the member certificate number (会员证书编号), and a captcha is asked."""
from __future__ import annotations

from hookspecs import FormField, RegistrationSpec

from .rules import MEMBER_NUMBER_LENGTH, MEMBER_TYPES

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
)
